//! The docs stay true to the code: docs/checks.md's table of checks and the catalogue
//! reference at its end are generated from `checks/` (UPDATE_DOCS=1 rewrites them),
//! every AI probe is listed, and the composite action's inputs are shown.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const TABLE_START: &str = "<!-- table: generated from checks/ by tests/integration/docs.rs; UPDATE_DOCS=1 rewrites it -->";
const TABLE_END: &str = "<!-- end of the generated table -->";
const GENERATED_START: &str = "<!-- catalogue: generated from checks/ by tests/integration/docs.rs; UPDATE_DOCS=1 rewrites it -->";
const GENERATED_END: &str = "<!-- end of the generated catalogue -->";

/// One row per check: id, severity, title. The criteria are in the catalogue below it.
fn table() -> String {
    let mut out = String::from("| id | severity | what it checks |\n|---|---|---|\n");
    for meta in launch_audit::catalogue::entries() {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            meta.id,
            anchor(&meta.id),
            meta.severity.as_str(),
            meta.title
        ));
    }
    out.push('\n');
    out
}

/// GitHub's anchor for a catalogue heading: "### `auth.login` — Title (critical)".
fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

/// The catalogue as Markdown: one entry per check, in catalogue order.
fn catalogue_reference() -> String {
    let mut out = String::new();
    for meta in launch_audit::catalogue::entries() {
        let texts = launch_audit::catalogue::lookup_for(&meta.id, "example.com")
            .unwrap_or_else(|| meta.clone());
        out.push_str(&format!(
            "<a id=\"{}\"></a>\n### `{}` — {} ({})\n\n",
            anchor(&meta.id),
            meta.id,
            meta.title,
            meta.severity.as_str()
        ));
        if !texts.control.is_empty() {
            out.push_str(&format!("- **Positive control**: {}\n", texts.control));
        }
        out.push_str(&format!("- **Passes when**: {}\n", texts.pass));
        out.push_str(&format!("- **What breaks**: {}\n", texts.breaks));
        out.push_str(&format!("- **Fix**: {}\n\n", texts.fix));
    }
    out
}

/// `page` with the text between `start` and `end` replaced by `content`.
fn regenerate(page: &str, start: &str, end: &str, content: &str) -> String {
    let (before, rest) = page
        .split_once(start)
        .unwrap_or_else(|| panic!("docs/checks.md holds {start}"));
    let (_, after) = rest.split_once(end).expect("its end marker");
    format!("{before}{start}\n\n{content}{end}{after}")
}

#[test]
fn the_checks_page_is_generated_and_current() {
    let path = root().join("docs/checks.md");
    let page = std::fs::read_to_string(&path).unwrap();
    let current = regenerate(&page, TABLE_START, TABLE_END, &table());
    let current = regenerate(
        &current,
        GENERATED_START,
        GENERATED_END,
        &catalogue_reference(),
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &current).unwrap();
        return;
    }
    assert!(
        page == current,
        "docs/checks.md's table or catalogue is stale: run UPDATE_DOCS=1 cargo test --test integration docs"
    );
}

#[test]
fn the_profile_page_documents_the_exact_probe_set() {
    let readme = include_str!("../../docs/profile.md");
    let probes = include_str!("../../checks/rules/ai-probes.toml");
    for line in probes.lines().filter(|l| l.starts_with("id = ")) {
        let id = line.trim_start_matches("id = ").trim_matches('"');
        assert!(
            readme.contains(&format!("| `{id}` |")),
            "docs/profile.md's probe table lacks {id}"
        );
    }
}

/// The composite action parses, runs the tool with its documented inputs, and
/// docs/reports-and-ci.md shows every input.
#[test]
fn the_action_is_composite_and_its_inputs_are_documented() {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    let action = &docs[0];
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let readme = std::fs::read_to_string(root().join("docs/reports-and-ci.md")).unwrap();
    let inputs = action["inputs"].as_hash().expect("inputs");
    for (name, input) in inputs {
        let name = name.as_str().unwrap();
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "input {name} has a description"
        );
        assert!(
            readme.contains(&format!("{name}:")),
            "docs/reports-and-ci.md shows input {name}"
        );
    }
    assert!(
        text.contains("launch-audit\" run -c \"$PROFILE\""),
        "it runs the audit"
    );
}

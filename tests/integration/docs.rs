//! The docs stay true to the code: every check id appears in docs/checks.md's table, the
//! catalogue reference at its end is generated from `checks/` (UPDATE_DOCS=1 rewrites it),
//! every AI probe is listed, and the composite action's inputs are shown.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_checks_page_lists_every_check() {
    let readme = include_str!("../../docs/checks.md");
    for meta in launch_audit::catalogue::entries() {
        let row = format!("| `{}` | {} |", meta.id, meta.severity.as_str());
        assert!(
            readme.contains(&row),
            "docs/checks.md's table has no row starting {row}"
        );
    }
}

const GENERATED_START: &str = "<!-- catalogue: generated from checks/ by tests/integration/docs.rs; UPDATE_DOCS=1 rewrites it -->";
const GENERATED_END: &str = "<!-- end of the generated catalogue -->";

/// The catalogue as Markdown: one entry per check, in catalogue order.
fn catalogue_reference() -> String {
    let mut out = String::new();
    for meta in launch_audit::catalogue::entries() {
        let texts = launch_audit::catalogue::lookup_for(&meta.id, "example.com")
            .unwrap_or_else(|| meta.clone());
        out.push_str(&format!(
            "### `{}` — {} ({})\n\n",
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

#[test]
fn the_catalogue_reference_is_generated_and_current() {
    let path = root().join("docs/checks.md");
    let page = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = page
        .split_once(GENERATED_START)
        .expect("docs/checks.md holds the generated catalogue");
    let (_, after) = rest.split_once(GENERATED_END).expect("its end marker");
    let current = format!(
        "{before}{GENERATED_START}\n\n{}{GENERATED_END}{after}",
        catalogue_reference()
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &current).unwrap();
        return;
    }
    assert!(
        page == current,
        "docs/checks.md's catalogue is stale: run UPDATE_DOCS=1 cargo test --test integration docs"
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

//! The README stays true to the catalogue: every check id appears in its check table.

#[test]
fn readme_lists_every_check() {
    let readme = include_str!("../../README.md");
    for meta in launch_audit::catalogue::entries() {
        let row = format!("| `{}` | {} |", meta.id, meta.severity.as_str());
        assert!(
            readme.contains(&row),
            "README's check table has no row starting {row}"
        );
    }
}

#[test]
fn readme_documents_the_exact_probe_set() {
    let readme = include_str!("../../README.md");
    let probes = include_str!("../../checks/ai-probes.toml");
    for line in probes.lines().filter(|l| l.starts_with("id = ")) {
        let id = line.trim_start_matches("id = ").trim_matches('"');
        assert!(
            readme.contains(&format!("| `{id}` |")),
            "README's probe table lacks {id}"
        );
    }
}

/// The composite action parses, runs the tool with its documented inputs, and the README
/// shows every input.
#[test]
fn the_action_is_composite_and_its_inputs_are_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("action.yml")).expect("action.yml");
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    let action = &docs[0];
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let inputs = action["inputs"].as_hash().expect("inputs");
    for (name, input) in inputs {
        let name = name.as_str().unwrap();
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "input {name} has a description"
        );
        assert!(
            readme.contains(&format!("{name}:")),
            "README shows input {name}"
        );
    }
    assert!(
        text.contains("launch-audit\" run -c \"$PROFILE\""),
        "it runs the audit"
    );
}

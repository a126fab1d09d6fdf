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

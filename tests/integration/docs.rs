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

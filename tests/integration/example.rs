//! `audit.example.toml` documents every key: it must parse and validate.

use std::path::Path;

#[test]
fn example_profile_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../audit.example.toml");
    // Its ca_file is relative to the profile; give it a real certificate to read.
    std::fs::create_dir_all(dir.path().join("certs")).unwrap();
    let target = fixtures::Target::start(fixtures::Mode::Hardened).unwrap();
    std::fs::write(dir.path().join("certs/staging-ca.pem"), target.ca_pem()).unwrap();
    let path = dir.path().join("audit.toml");
    std::fs::write(&path, text).unwrap();
    let env = |name: &str| match name {
        "ALICE_TOKEN" | "MALLORY_TOKEN" => Some(format!("token-for-{name}")),
        _ => None,
    };
    let profile = launch_audit::profile::load(&path, &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.identities.len(), 2);
    assert_eq!(profile.routes.len(), 1);
    assert!(profile.health.is_some());
    assert!(Path::new(&profile.source).ends_with("audit.toml"));
}

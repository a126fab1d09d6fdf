//! A token from the profile never reaches an output, even when the target echoes it back.

use fixtures::Mode;

use crate::support::{Setup, stdout};

#[test]
fn echoed_token_is_redacted_in_table_and_json() {
    // The vulnerable health endpoint echoes the Authorization header in its body.
    let setup = Setup::start(Mode::Vulnerable);
    let alice_token = setup.target.token("alice").unwrap().to_string();
    let alice_token = alice_token.as_str();
    assert!(
        setup.text.contains(alice_token),
        "the profile holds the token"
    );
    let json = setup.path("run.json");
    let output = setup.run(&[
        "-v",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
        "--format",
        "table",
    ]);
    assert_eq!(output.status.code(), Some(1));

    // The token really went to the target and really came back.
    let sent = setup
        .target
        .requests()
        .into_iter()
        .any(|r| r.authorization.as_deref() == Some(&format!("Bearer {alice_token}")));
    assert!(sent, "the health probe carried alice's credential");

    let table = stdout(&output);
    let report = std::fs::read_to_string(&json).unwrap();
    for (name, text) in [("table", &table), ("json", &report)] {
        assert!(
            !text.contains(alice_token),
            "{name} leaks the token:\n{text}"
        );
        assert!(
            !text.contains(&alice_token[..12]),
            "{name} leaks part of the token"
        );
        assert!(
            text.contains("[REDACTED]"),
            "{name} shows the echo was masked:\n{text}"
        );
    }
}

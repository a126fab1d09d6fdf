//! A token from the profile never reaches an output, even when the target echoes it back.

use fixtures::Mode;

use crate::support::{Setup, stdout};

const ALICE_TOKEN: &str = "la_demo_alice_7c1e9a4f2b8d5e30";

#[test]
fn echoed_token_is_redacted_in_table_and_json() {
    // The vulnerable health endpoint echoes the Authorization header in its body.
    let setup = Setup::start(Mode::Vulnerable);
    assert!(
        setup.text.contains(ALICE_TOKEN),
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
        .any(|r| r.authorization.as_deref() == Some(&format!("Bearer {ALICE_TOKEN}")));
    assert!(sent, "the health probe carried alice's credential");

    let table = stdout(&output);
    let report = std::fs::read_to_string(&json).unwrap();
    for (name, text) in [("table", &table), ("json", &report)] {
        assert!(
            !text.contains(ALICE_TOKEN),
            "{name} leaks the token:\n{text}"
        );
        assert!(
            !text.contains(&ALICE_TOKEN[..12]),
            "{name} leaks part of the token"
        );
        assert!(
            text.contains("[REDACTED]"),
            "{name} shows the echo was masked:\n{text}"
        );
    }
}

//! A token from the profile never reaches an output, in any format, even when the target
//! echoes it back; and only the token is masked, never the words around it.

use fixtures::Mode;

use crate::support::{Setup, stdout};

#[test]
fn echoed_token_is_redacted_in_every_format_and_only_the_token() {
    // The vulnerable health endpoint echoes the Authorization header in its body.
    let setup = Setup::start(Mode::Vulnerable);
    let alice_token = setup.target.token("alice").unwrap().to_string();
    let alice_token = alice_token.as_str();
    assert!(
        setup.text.contains(alice_token),
        "the profile holds the token"
    );
    let json = setup.path("run.json");
    let others: Vec<(&str, std::path::PathBuf)> = ["junit", "sarif", "markdown", "html"]
        .into_iter()
        .map(|format| (format, setup.path(&format!("run.{format}"))))
        .collect();
    let mut args = vec![
        "-v".to_string(),
        "--format".into(),
        "json".into(),
        "--out".into(),
        json.display().to_string(),
        "--format".into(),
        "table".into(),
    ];
    for (format, path) in &others {
        args.extend([
            "--format".to_string(),
            (*format).to_string(),
            "--out".to_string(),
            path.display().to_string(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = setup.run(&args);
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
    let mut outputs = vec![("table", table), ("json", report)];
    for (format, path) in &others {
        outputs.push((format, std::fs::read_to_string(path).unwrap()));
    }
    for (name, text) in &outputs {
        // Only the secret is masked: the scheme word before it stays.
        assert!(
            text.contains("Bearer [REDACTED]"),
            "{name} keeps the words around the mask:\n{text}"
        );
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

//! Identities that log themselves in: a password login answered with a JSON token, a cookie
//! session, and client credentials — against the fixture's real login endpoints.

use fixtures::Mode;

use crate::support::{Setup, evidence, launch_audit, read_json, stdout};

fn audit(setup: &Setup) -> (i32, serde_json::Value) {
    let json = setup.path("run.json");
    let output = setup.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    (output.status.code().unwrap_or(-1), read_json(&json))
}

/// Successful logins at `path` (the rate-limit burst's refused attempts do not count).
fn logins(setup: &Setup, path: &str) -> usize {
    setup
        .target
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path_and_query == path && r.status == 200)
        .count()
}

#[test]
fn each_login_kind_works_and_the_identities_act() {
    let setup = Setup::start(Mode::Hardened);
    let (code, report) = audit(&setup);
    assert_eq!(code, 0, "{report}");
    let lines = evidence(&report, "auth.login");
    for (identity, how) in [
        ("alice_login", "token from the answer's /data/access_token"),
        ("carol_session", "session cookie `__Host-session`"),
        ("reporter", "access token (client credentials grant)"),
    ] {
        assert!(
            lines.iter().any(|(s, subject, detail)| s == "PASS"
                && subject.starts_with(identity)
                && detail.contains(how)),
            "{identity}: {lines:?}"
        );
    }
    // Each logged in exactly once, before the checks.
    assert_eq!(logins(&setup, "/auth/login"), 1);
    assert_eq!(logins(&setup, "/oauth/token"), 1);
    // And they acted: the cookie identity is an admin, the others members.
    let matrix = &report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "access.role-matrix")
        .unwrap()["tables"][0];
    let row = |name: &str| {
        matrix["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0].as_str().unwrap().starts_with(name))
            .unwrap()
            .clone()
    };
    let admin_column = matrix["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "admin: users [admin]")
        .unwrap();
    assert_eq!(row("carol_session")[admin_column], "200 allowed");
    assert_eq!(row("alice_login")[admin_column], "403 refused");
    assert_eq!(row("reporter")[admin_column], "403 refused");
}

/// A failed login is one clear ERROR naming the identity and the step; the checks acting as
/// it are ERRORs too, and READY is blocked.
fn assert_login_fails(edit: impl FnOnce(String) -> String, why: &str) {
    let setup = Setup::start_edited(Mode::Hardened, edit);
    let (code, report) = audit(&setup);
    assert_eq!(code, 1);
    let lines = evidence(&report, "auth.login");
    assert!(
        lines.iter().any(|(s, subject, detail)| s == "ERROR"
            && subject.starts_with("alice_login (POST https://app.acme.test")
            && detail.contains(why)),
        "{why}: {lines:?}"
    );
    let blockers: Vec<&str> = report["decision"]["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert!(blockers.contains(&"auth.login"), "{blockers:?}");
    let matrix = evidence(&report, "access.role-matrix");
    assert!(
        matrix.iter().any(|(s, subject, detail)| s == "ERROR"
            && subject.contains("as alice_login")
            && detail.contains("no credential for alice_login")),
        "{matrix:?}"
    );
    assert!(
        !matrix
            .iter()
            .any(|(s, subject, _)| s == "PASS" && subject.contains("as alice_login")),
        "never PASS as a failed identity"
    );
}

#[test]
fn wrong_password_is_a_clear_error() {
    assert_login_fails(
        |t| t.replacen("correct-horse-battery-staple", "wrong-horse", 1),
        "answered 401",
    );
}

#[test]
fn a_login_that_answers_500_is_a_clear_error() {
    assert_login_fails(
        |t| t.replace("path = \"/auth/login\"", "path = \"/auth/broken-login\""),
        "answered 500",
    );
}

#[test]
fn an_unexpected_answer_shape_is_a_clear_error() {
    assert_login_fails(
        |t| {
            t.replace(
                "token_pointer = \"/data/access_token\"",
                "token_pointer = \"/data/token\"",
            )
        },
        "no string at JSON pointer /data/token",
    );
}

#[test]
fn a_credential_expiring_mid_audit_is_refreshed_once() {
    let setup = Setup::start(Mode::Hardened);
    setup.target.expire_first_login_token_after(3);
    let (code, report) = audit(&setup);
    assert_eq!(code, 0, "the audit completes READY: {}", report["decision"]);
    assert_eq!(logins(&setup, "/auth/login"), 2, "one login, one refresh");
    let lines = evidence(&report, "auth.login");
    assert!(
        lines.iter().any(|(s, subject, detail)| s == "PASS"
            && subject.starts_with("alice_login")
            && detail.contains("logged in again after a 401")),
        "{lines:?}"
    );
}

#[test]
fn validate_login_performs_only_the_logins() {
    let setup = Setup::start(Mode::Hardened);
    let output = launch_audit(
        &["validate", "--login", "-c", setup.profile.to_str().unwrap()],
        &[],
    );
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for identity in ["alice_login", "carol_session", "reporter"] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(identity) && l.contains(" ok: ")),
            "{identity}: {text}"
        );
    }
    let requests = setup.target.requests();
    assert_eq!(requests.len(), 3, "only the three logins: {requests:?}");

    let broken = Setup::start_edited(Mode::Hardened, |t| {
        t.replacen("correct-horse-battery-staple", "wrong-horse", 1)
    });
    let output = launch_audit(
        &[
            "validate",
            "--login",
            "-c",
            broken.profile.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("FAILED"));
}

#[test]
fn no_password_token_or_cookie_value_reaches_any_output() {
    let setup = Setup::start(Mode::Hardened);
    setup.target.expire_first_login_token_after(3);
    let (table, json) = setup.run_every_format(&[]);
    let texts = [table, json];
    let secrets = setup.target.secrets();
    assert!(
        secrets.len() > 8,
        "issued credentials are known to the test: {}",
        secrets.len()
    );
    for text in &texts {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "an output leaks {secret}");
        }
    }
}

/// The expired identity logs in for a 1-second token and the check waits it out: the
/// profile says so with `wait_for_expiry`.
fn derived_expired_token(text: String) -> String {
    let start = text.find("[identities.alice_expired]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let derived = r#"[identities.alice_expired]
tenant = "acme"
roles = ["member"]
expired = true
wait_for_expiry = "2s"
[identities.alice_expired.login]
path = "/auth/login"
json = { email = "alice@acme.test", password = "correct-horse-battery-staple", ttl_seconds = 1 }
token_pointer = "/data/access_token""#;
    format!("{}{derived}{}", &text[..start], &text[end..])
}

#[test]
fn an_expired_token_can_be_derived_by_logging_in_and_waiting() {
    for (mode, verdict) in [(Mode::Hardened, "PASS"), (Mode::Vulnerable, "FAIL")] {
        let setup = Setup::start_edited(mode, derived_expired_token);
        let json = setup.path("run.json");
        setup.run(&[
            "--only",
            "auth.expired-token",
            "--only",
            "auth.login",
            "--format",
            "json",
            "--out",
            json.to_str().unwrap(),
        ]);
        let report = read_json(&json);
        let status = |id: &str| {
            report["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .unwrap()["status"]
                .clone()
        };
        assert_eq!(status("auth.expired-token"), verdict, "{mode:?}: {report}");
        assert_eq!(status("auth.login"), "PASS", "{mode:?}");
        let lines = evidence(&report, "auth.expired-token");
        assert!(
            lines
                .iter()
                .any(|(_, subject, _)| subject.contains("GET /api/me as alice_expired (expired)")),
            "{lines:?}"
        );
    }
}

#[test]
fn no_login_is_sent_when_no_selected_check_acts_as_an_identity() {
    let setup = Setup::start(Mode::Hardened);
    setup.run(&["--only", "email", "--only", "dns"]);
    assert_eq!(
        logins(&setup, "/auth/login") + logins(&setup, "/login") + logins(&setup, "/oauth/token"),
        0,
        "{:?}",
        setup.target.requests()
    );
    setup.run(&["--only", "health"]);
    assert_eq!(
        logins(&setup, "/auth/login"),
        1,
        "health acts as an identity: the logins happen"
    );
}

//! Journeys against the fixture (its mail delivered into its own Maildir): the step
//! latencies in every report format, `smoke` and its exit statuses, the secrets a journey
//! meets kept out of every output, the production gate, and profile errors that point at
//! the step. The same journeys against Dovecot and MailDev: `stacks::mail`.

use fixtures::Mode;

use crate::support::{Setup, launch_audit, stderr, stdout};

fn formats(setup: &Setup, extra: &[&str]) -> Vec<(&'static str, String)> {
    let mut args = vec!["--only", "journey"];
    args.extend_from_slice(extra);
    let mut paths = Vec::new();
    for format in ["json", "junit", "sarif", "markdown", "html"] {
        let path = setup.path(&format!("report.{format}"));
        paths.push((format, path));
    }
    let mut owned: Vec<String> = Vec::new();
    for (format, path) in &paths {
        owned.push("--format".into());
        owned.push((*format).into());
        owned.push("--out".into());
        owned.push(path.display().to_string());
    }
    args.extend(owned.iter().map(String::as_str));
    let output = setup.run(&args);
    assert_ne!(output.status.code(), Some(2), "{}", stderr(&output));
    paths
        .into_iter()
        .map(|(format, path)| {
            (
                format,
                std::fs::read_to_string(path).expect("report written"),
            )
        })
        .collect()
}

#[test]
fn step_latencies_are_in_every_report_format_and_journey_secrets_in_none() {
    let setup = Setup::start(Mode::Hardened);
    let reports = formats(&setup, &["--format", "table", "-v"]);
    let token_in_link = regex::Regex::new(r"token=[0-9a-f]{36}").unwrap();
    let latency = regex::Regex::new(r"\d+ ms").unwrap();
    for (format, text) in &reports {
        assert!(
            text.contains("sign up") && text.contains("accept invite"),
            "{format}: the steps"
        );
        assert!(latency.is_match(text), "{format}: the latencies");
        assert!(
            !token_in_link.is_match(text),
            "{format}: a mailed link's token is redacted"
        );
        for secret in setup.target.secrets() {
            assert!(
                !text.contains(&secret),
                "{format}: a secret the app issued (a signup session) leaked"
            );
        }
        assert!(
            !text.contains("launch-audit-journey-pw"),
            "{format}: the journey's password is redacted"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&reports[0].1).unwrap();
    let onboarding = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "journey.onboarding")
        .expect("journey.onboarding");
    assert_eq!(onboarding["status"], "PASS");
    let steps = &onboarding["tables"][0];
    assert_eq!(steps["title"], "Journey steps");
    // Seven steps and the whole journey, each with its latency.
    assert_eq!(steps["rows"].as_array().unwrap().len(), 8, "{steps}");
    // The markdown keeps them for a passing journey too, and SARIF records it as a pass.
    assert!(reports[3].1.contains("### Journeys"));
    let sarif: serde_json::Value = serde_json::from_str(&reports[2].1).unwrap();
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "journey.onboarding" && r["kind"] == "pass"),
        "SARIF records the journey: {sarif}"
    );
}

#[test]
fn smoke_runs_login_journeys_and_health_and_exits_by_them_alone() {
    for (mode, code) in [(Mode::Hardened, 0), (Mode::Vulnerable, 1)] {
        let setup = Setup::start(mode);
        let json = setup.path("smoke.json");
        let output = launch_audit(
            &[
                "smoke",
                "-c",
                setup.profile.to_str().unwrap(),
                "--format",
                "json",
                "--out",
                json.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(
            output.status.code(),
            Some(code),
            "{mode:?}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        let report = crate::support::read_json(&json);
        let ids: Vec<String> = crate::support::statuses(&report)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            ids,
            [
                "auth.login",
                "health.endpoint",
                "journey.onboarding",
                "journey.password-reset"
            ],
            "{mode:?}: the smoke set and nothing else"
        );
        if mode == Mode::Vulnerable {
            // The journeys work; the health endpoint answers 500.
            let blockers: Vec<&str> = report["decision"]["blockers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["id"].as_str().unwrap())
                .collect();
            assert_eq!(blockers, ["health.endpoint"]);
        }
    }
    // A profile without journeys has nothing to smoke-test.
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        let cut = text.find("[[journeys]]").expect("journeys");
        let end = text[cut..]
            .find("\n[attest")
            .map_or(text.len(), |i| cut + i);
        format!("{}{}", &text[..cut], &text[end..])
    });
    let output = launch_audit(&["smoke", "-c", setup.profile.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no [[journeys]]"),
        "{}",
        stderr(&output)
    );
    let output = launch_audit(
        &[
            "smoke",
            "-c",
            setup.profile.to_str().unwrap(),
            "--only",
            "dns",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "smoke picks its own checks");
}

#[test]
fn journeys_that_write_need_consent_against_production() {
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        text.replace("environment = \"staging\"", "environment = \"production\"")
    });
    let json = setup.path("report.json");
    let output = setup.run(&[
        "--only",
        "journey",
        "--only",
        "tokens",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = crate::support::read_json(&json);
    for (id, status) in crate::support::statuses(&report) {
        if id.starts_with("journey.") || id.starts_with("tokens.") {
            assert_eq!(status, "ERROR", "{id}");
        }
    }
    assert!(report.to_string().contains("--allow-production-writes"));
    assert!(
        !setup
            .target
            .requests()
            .iter()
            .any(|r| r.path_and_query.starts_with("/auth/signup")),
        "nothing signed up without consent"
    );
}

#[test]
fn journey_profile_errors_point_at_the_step_and_key() {
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        text.replace("follow = \"{verify_link}\"", "follow = \"{verify_lnk}\"")
            .replace("issued_by = \"reset mail\"", "issued_by = \"reset letter\"")
            .replace("wait = \"10s\"\nsender", "wait = \"10 minutes\"\nsender")
    });
    let output = launch_audit(&["validate", "-c", setup.profile.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    let name = setup.profile.display().to_string();
    for (key, says) in [
        (
            "journeys[0].steps[2]",
            "`{verify_lnk}` is neither `{run}` nor a value an earlier step extracts",
        ),
        (
            "tokens[2].issued_by",
            "journey `password reset` has no step named `reset letter`",
        ),
        ("mail.wait", "at most 120s"),
    ] {
        let line = errors
            .lines()
            .find(|l| l.contains(&format!("`{key}`")))
            .unwrap_or_else(|| panic!("no error for {key}: {errors}"));
        assert!(
            line.starts_with(&format!("{name}:")),
            "file:line:col first: {line}"
        );
        assert!(line.contains(says), "{key}: {line}");
    }
}

#[test]
fn the_readme_journey_is_a_valid_profile() {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("### A new customer's journey")
        .expect("the section");
    let block = &readme[start..];
    let toml = block
        .split_once("```toml\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(toml, _)| toml)
        .expect("its TOML block");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.toml");
    std::fs::write(
        &path,
        format!("[target]\nname = \"Acme\"\nbase_url = \"https://staging.acme.test/\"\ndomain = \"acme.test\"\n\n{toml}"),
    )
    .unwrap();
    let env = |name: &str| Some(format!("value-of-{name}@acme.test"));
    let profile = launch_audit::profile::load(&path, &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.journeys.len(), 2);
    assert_eq!(profile.journeys[0].steps.len(), 6);
    assert_eq!(profile.tokens.len(), 1);
}

/// The README's reset journey walks one fixed account (`${RESET_ACCOUNT}`), and the hardened
/// fixture ends an account's other reset links when a new password is set. The journey and
/// the token check that replays its link take turns on that account, and each walk takes
/// only mail no earlier walk took (walked at once, both took the newest reset mail, and one
/// walk's reset ended the link the other held: ERROR). Two walks, since the fixture limits
/// reset requests to 3 per account, as a real app does.
#[test]
fn walks_of_one_fixed_account_take_turns() {
    let fixed = fixtures::STANDING_ACCOUNT;
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        // A fixed account neither signs up nor has a session from the sign-up to try.
        let signup = "[[journeys.steps]]\nname = \"sign up\"\npath = \"/auth/signup\"\nbody = { email = \"reset+{run}@acme.test\", password = \"launch-audit-journey-pw\" }\nexpect = { status = 201 }\nextract = { session = { json = \"/session\" }, refresh_token = { json = \"/refresh_token\" } }\n\n";
        let signed_in = "[[journeys.steps]]\nname = \"signed in before the reset\"\nmethod = \"GET\"\npath = \"/auth/account\"\nheaders = { Authorization = \"Bearer {session}\" }\nexpect = { status = 200 }\n\n";
        let refreshed = "[[journeys.steps]]\nname = \"refreshed before the reset\"\npath = \"/auth/refresh\"\nbody = { refresh_token = \"{refresh_token}\" }\nexpect = { status = 200 }\nextract = { refresh_token = { json = \"/refresh_token\" } }\n\n";
        let revocation =
            "\nsigned_in_by = [\"signed in before the reset\", \"refreshed before the reset\"]";
        for part in [signup, signed_in, refreshed, revocation] {
            assert!(text.contains(part), "the reset journey has {part:?}");
        }
        text.replace(signup, "")
            .replace(signed_in, "")
            .replace(refreshed, "")
            .replace(revocation, "")
            .replace("reset+{run}@acme.test", fixed)
    });
    let json = setup.path("turns.json");
    let output = setup.run(&[
        "--only",
        "journey.password-reset",
        "--only",
        "tokens.single-use",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_ne!(output.status.code(), Some(2), "{}", stderr(&output));
    let report = crate::support::read_json(&json);
    for id in ["journey.password-reset", "tokens.single-use"] {
        let result = crate::support::result(&report, id);
        assert_eq!(result["status"], "PASS", "{result}");
    }
}

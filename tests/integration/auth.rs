//! Identity and access checks against both fixture modes: the offending request is named
//! (method, path, identity — never the token), real apps' refusal styles are understood,
//! writes happen only where a route opts in, and every credential stays redacted.

use fixtures::Mode;

use crate::support::{Setup, launch_audit, read_json, stdout};

fn result<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn evidence_lines(result: &serde_json::Value) -> Vec<(String, String, String)> {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["status"].as_str().unwrap().to_string(),
                o["subject"].as_str().unwrap().to_string(),
                o["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn audit(setup: &Setup, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let json = setup.path("run.json");
    let mut args = vec!["--format", "json", "--out", json.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = setup.run(&args);
    (output, read_json(&json))
}

/// An observation with `status` whose subject contains every one of `words`.
fn has(result: &serde_json::Value, status: &str, words: &[&str]) -> bool {
    evidence_lines(result)
        .iter()
        .any(|(s, subject, _)| s == status && words.iter().all(|w| subject.contains(w)))
}

#[test]
fn vulnerable_flaws_are_named_by_request_and_identity() {
    let setup = Setup::start(Mode::Vulnerable);
    let (_, report) = audit(&setup, &[]);
    let unauthenticated = result(&report, "auth.unauthenticated");
    assert!(
        has(
            unauthenticated,
            "FAIL",
            &["GET /api/communities/101/invoices", "no credentials"]
        ),
        "{unauthenticated}"
    );
    let invalid = result(&report, "auth.invalid-token");
    assert!(
        has(invalid, "FAIL", &["GET /api/reports", "garbage token"]),
        "{invalid}"
    );
    assert!(
        has(invalid, "PASS", &["GET /api/me", "garbage token"]),
        "a verifying route refuses garbage: {invalid}"
    );
    let expired = result(&report, "auth.expired-token");
    assert!(
        has(expired, "FAIL", &["GET /api/me", "alice_expired"]),
        "{expired}"
    );
    let jwt = result(&report, "auth.jwt-tampering");
    for variant in [
        "alg \"none\"",
        "alg \"nOnE\"",
        "HS256, signed with the public key",
    ] {
        assert!(
            has(jwt, "FAIL", &[variant]),
            "{variant} not accepted: {jwt}"
        );
    }
    // Real verification still rejects edited claims and borrowed signatures.
    for variant in [
        "claim `role` raised",
        "another identity's token",
        "signature stripped",
    ] {
        assert!(has(jwt, "PASS", &[variant]), "{variant}: {jwt}");
    }
    let tenants = result(&report, "access.tenant-isolation");
    assert!(
        has(
            tenants,
            "FAIL",
            &[
                "/api/communities/101/members",
                "(acme's)",
                "as bob (globex)"
            ]
        ),
        "{tenants}"
    );
    let cookies = result(&report, "auth.session-cookies");
    assert!(
        evidence_lines(cookies)
            .iter()
            .any(|(s, subject, detail)| s == "FAIL"
                && subject.contains("cookie `session`")
                && detail.contains("Secure")
                && detail.contains("HttpOnly"))
    );
}

#[test]
fn hardened_refusals_cover_real_apps_styles() {
    let setup = Setup::start(Mode::Hardened);
    let (output, report) = audit(&setup, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let unauthenticated = result(&report, "auth.unauthenticated");
    let lines = evidence_lines(unauthenticated);
    let detail_of = |path: &str| {
        lines
            .iter()
            .find(|(_, subject, _)| subject.contains(path) && subject.contains("no credentials"))
            .map(|(_, _, d)| d.clone())
            .unwrap()
    };
    assert_eq!(detail_of("GET /api/me "), "refused: 401");
    assert!(
        detail_of("/app/dashboard").starts_with("refused: 302 → /login"),
        "{lines:?}"
    );
    assert_eq!(
        detail_of("/api/legacy/status"),
        "refused: 200 with an error at /error"
    );
    let tenants = result(&report, "access.tenant-isolation");
    assert!(has(
        tenants,
        "PASS",
        &["/api/communities/202/members", "as alice (acme)"]
    ));
    assert!(
        evidence_lines(tenants)
            .iter()
            .all(|(_, _, d)| !d.contains("Bob Brown"))
    );
}

#[test]
fn an_error_envelope_is_only_a_refusal_when_the_profile_says_so() {
    // Without [auth] error_pointer the legacy route's 200 is a served answer: fail closed.
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        text.replace("error_pointer = \"/error\"\n", "")
    });
    let (output, report) = audit(&setup, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(has(
        result(&report, "auth.unauthenticated"),
        "FAIL",
        &["/api/legacy/status", "no credentials"]
    ));
}

#[test]
fn role_matrix_is_in_the_verbose_table_and_the_json() {
    let setup = Setup::start(Mode::Vulnerable);
    // The grid is a detail: in the table with -v (and always in the JSON).
    let (output, report) = audit(&setup, &["--format", "table", "-v"]);
    let table = stdout(&output);
    assert!(table.contains("role matrix: identity × route"), "{table}");
    assert!(table.contains("ALLOWED ✗"), "{table}");
    let grid = &result(&report, "access.role-matrix")["tables"][0];
    let columns: Vec<&str> = grid["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(columns.contains(&"admin: users [admin]"), "{columns:?}");
    let alice = grid["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0].as_str().unwrap().starts_with("alice"))
        .unwrap();
    let admin_column = columns
        .iter()
        .position(|c| *c == "admin: users [admin]")
        .unwrap();
    assert_eq!(alice[admin_column], "200 ALLOWED ✗");
    // Hardened: members are refused there.
    let hardened = Setup::start(Mode::Hardened);
    let (_, report) = audit(&hardened, &[]);
    let grid = &result(&report, "access.role-matrix")["tables"][0];
    let alice = grid["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0].as_str().unwrap().starts_with("alice"))
        .unwrap();
    assert_eq!(alice[admin_column], "403 refused");
}

fn writes(setup: &Setup) -> usize {
    setup
        .target
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count()
}

#[test]
fn writes_only_where_a_route_opts_in_and_never_on_production_without_consent() {
    let opted_in = Setup::start(Mode::Vulnerable);
    audit(&opted_in, &[]);
    assert!(writes(&opted_in) > 0, "the opted-in PATCH route is probed");

    let not_opted =
        Setup::start_edited(Mode::Vulnerable, |t| t.replace("allow_writes = true\n", ""));
    audit(&not_opted, &[]);
    assert_eq!(writes(&not_opted), 0, "{:?}", not_opted.target.requests());

    let production = Setup::start_edited(Mode::Vulnerable, |t| {
        t.replace("environment = \"staging\"", "environment = \"production\"")
    });
    audit(&production, &[]);
    assert_eq!(writes(&production), 0);
    audit(&production, &["--allow-production-writes"]);
    assert!(writes(&production) > 0, "consent given on the command line");
}

#[test]
fn every_credential_and_forged_token_is_redacted_in_every_format() {
    let setup = Setup::start(Mode::Vulnerable);
    let (table, json) = setup.run_every_format(&[]);
    let outputs = [("table", table), ("json", json)];
    // Forged variants reuse the genuine tokens' payload and signature segments.
    let mut needles = Vec::new();
    for secret in setup.target.secrets() {
        needles.push(secret.clone());
        needles.extend(
            secret
                .split('.')
                .filter(|part| part.len() >= 16)
                .map(str::to_string),
        );
    }
    for (name, text) in &outputs {
        for needle in &needles {
            assert!(!text.contains(needle.as_str()), "{name} leaks {needle}");
        }
        assert!(!text.contains("eyJ"), "{name} shows a JWT-shaped string");
    }
}

#[test]
fn jwt_tampering_is_not_applicable_to_opaque_tokens_and_expired_skips_without_one() {
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        let mut out = Vec::new();
        let mut skip = false;
        for line in text.lines() {
            // The expired identity, and those that log in (their tokens are JWTs too).
            if [
                "[identities.alice_expired",
                "[identities.alice_login",
                "[identities.carol_session",
                "[identities.reporter",
            ]
            .iter()
            .any(|section| line.starts_with(section))
            {
                skip = true;
            } else if line.starts_with('[') {
                skip = false;
            }
            if !skip {
                out.push(if line.starts_with("token = \"eyJ") {
                    "token = \"opaque-token-value-123456\"".to_string()
                } else {
                    line.to_string()
                });
            }
        }
        out.join("\n")
    });
    let output = launch_audit(&["validate", "-c", setup.profile.to_str().unwrap()], &[]);
    let text = stdout(&output);
    assert!(
        text.contains("auth.jwt-tampering") && text.contains("N/A: no identity's token is a JWT"),
        "{text}"
    );
    assert!(
        text.contains("SKIP, needs `identities.NAME.expired`"),
        "{text}"
    );
}

#[test]
fn each_route_baseline_is_fetched_once_for_all_checks() {
    let setup = Setup::start(Mode::Hardened);
    audit(
        &setup,
        &[
            "--only",
            "auth.unauthenticated",
            "--only",
            "auth.invalid-token",
            "--only",
            "auth.expired-token",
        ],
    );
    let bearer = format!("Bearer {}", setup.target.token("alice").unwrap());
    let baselines = setup
        .target
        .requests()
        .iter()
        .filter(|r| {
            r.path_and_query == "/api/me" && r.authorization.as_deref() == Some(bearer.as_str())
        })
        .count();
    assert_eq!(baselines, 1, "three checks share one baseline of /api/me");
}

#[test]
fn a_route_declared_public_that_refuses_strangers_is_said() {
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        text.replace(
            "name = \"current user\"\npath = \"/api/me\"\nauth = \"required\"",
            "name = \"current user\"\npath = \"/api/me\"\nauth = \"public\"",
        )
    });
    let (_, report) = audit(&setup, &["--only", "auth.unauthenticated"]);
    let unauthenticated = result(&report, "auth.unauthenticated");
    assert_eq!(unauthenticated["status"], "WARN", "{unauthenticated}");
    assert!(
        evidence_lines(unauthenticated)
            .iter()
            .any(|(status, subject, detail)| {
                status == "WARN"
                    && subject == "GET /api/me"
                    && detail.contains("auth = \"required\"")
                    && detail.contains("current user")
            }),
        "{unauthenticated}"
    );
}

/// `has_no = ["roles"]`: an app where every signed-in user may do the same states it, and
/// the role matrix is N/A instead of a critical SKIP; a route naming roles beside that
/// statement is a profile error.
#[test]
fn an_app_without_roles_says_so() {
    let stated = |text: String| {
        let text = text.replace("has_no = [", "has_no = [\"roles\", ");
        // Every route's `roles` goes: the statement is that none has any.
        text.lines()
            .filter(|line| !line.starts_with("roles = "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let setup = Setup::start_edited(Mode::Hardened, stated);
    let json = setup.path("run.json");
    let output = setup.run(&[
        "--only",
        "access.role-matrix",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = read_json(&json);
    let matrix = result(&report, "access.role-matrix");
    assert_eq!(matrix["status"], "N/A", "{matrix}");
    assert!(
        matrix["summary"]
            .as_str()
            .unwrap()
            .contains("every signed-in user may do the same"),
        "{matrix}"
    );
    let contradicted = Setup::start_edited(Mode::Hardened, |text| {
        text.replace("has_no = [", "has_no = [\"roles\", ")
    });
    let output = contradicted.run(&[]);
    let said = crate::support::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(
        said.contains(".roles`") && said.contains("has no roles"),
        "{said}"
    );
}

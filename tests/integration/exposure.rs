//! Sensitive paths, malformed input and error leakage against both fixture modes.

use fixtures::Mode;

use crate::support::{Setup, evidence, read_json, status_of};

fn audit(setup: &Setup, only: &[&str]) -> serde_json::Value {
    let json = setup.path("run.json");
    let mut args = Vec::new();
    for id in only {
        args.extend(["--only", id]);
    }
    args.extend(["--format", "json", "--out", json.to_str().unwrap()]);
    setup.run(&args);
    read_json(&json)
}

fn has(lines: &[(String, String, String)], status: &str, words: &[&str]) -> bool {
    lines.iter().any(|(s, subject, detail)| {
        s == status
            && words
                .iter()
                .all(|w| subject.contains(w) || detail.contains(w))
    })
}

#[test]
fn sensitive_paths_are_confirmed_by_content_and_a_catch_all_raises_nothing() {
    let vulnerable = Setup::start(Mode::Vulnerable);
    let report = audit(&vulnerable, &["exposure"]);
    let lines = evidence(&report, "exposure.sensitive-paths");
    assert!(
        has(
            &lines,
            "FAIL",
            &["/.env", "environment file (content confirmed)"]
        ),
        "{lines:#?}"
    );
    assert!(
        has(&lines, "FAIL", &["/.git/HEAD", "git repository"]),
        "{lines:#?}"
    );
    // The other paths get the app shell: recognised, no false finding.
    assert!(
        has(
            &lines,
            "PASS",
            &["/.aws/credentials", "not the AWS credentials itself"]
        ),
        "{lines:#?}"
    );

    let hardened = Setup::start(Mode::Hardened);
    let report = audit(&hardened, &["exposure"]);
    assert_eq!(status_of(&report, "exposure.sensitive-paths"), "PASS");
    let lines = evidence(&report, "exposure.sensitive-paths");
    assert!(
        has(&lines, "PASS", &["not-a-page", "catch-all page"]),
        "{lines:#?}"
    );
    assert!(
        has(
            &lines,
            "PASS",
            &["/.env", "200, but not the environment file itself"]
        ),
        "{lines:#?}"
    );
}

#[test]
fn malformed_input_and_the_errors_it_draws_are_found() {
    let vulnerable = Setup::start(Mode::Vulnerable);
    let report = audit(&vulnerable, &["input"]);
    let malformed = evidence(&report, "input.malformed");
    assert!(
        has(&malformed, "FAIL", &["SQL injection id", "500"]),
        "{malformed:#?}"
    );
    assert!(
        has(
            &malformed,
            "FAIL",
            &["PATCH /api/communities/101/settings (broken JSON)", "500"]
        ),
        "{malformed:#?}"
    );
    let leaks = evidence(&report, "input.error-leak");
    assert!(
        has(
            &leaks,
            "FAIL",
            &["%27%20OR%20%271%27%3D%271", "MySQL error"]
        ),
        "{leaks:#?}"
    );
    assert!(
        has(&leaks, "FAIL", &["PATCH", "Python traceback"]),
        "{leaks:#?}"
    );

    let hardened = Setup::start(Mode::Hardened);
    let report = audit(&hardened, &["input"]);
    assert_eq!(
        status_of(&report, "input.malformed"),
        "PASS",
        "{:#?}",
        evidence(&report, "input.malformed")
    );
    let leaks = evidence(&report, "input.error-leak");
    assert!(
        has(
            &leaks,
            "PASS",
            &["answers of the app read whole: no stack trace"]
        ),
        "{leaks:#?}"
    );
    // The 2 MiB body is refused by size, not parsed.
    assert!(has(
        &evidence(&report, "input.malformed"),
        "PASS",
        &["a 2 MiB body", "413"]
    ));
}

#[test]
fn malformed_writes_only_where_a_route_opts_in() {
    let setup = Setup::start_edited(Mode::Vulnerable, |t| t.replace("allow_writes = true\n", ""));
    audit(&setup, &["input"]);
    assert!(
        !setup.target.requests().iter().any(|r| r.method == "PATCH"),
        "no write without allow_writes"
    );
}

#[test]
fn webhooks_must_verify_signatures_and_refuse_replays() {
    let vulnerable = Setup::start(Mode::Vulnerable);
    let report = audit(&vulnerable, &["webhooks"]);
    let signature = evidence(&report, "webhooks.signature");
    for what in [
        "(unsigned)",
        "(wrong signature)",
        "(signed with another secret)",
    ] {
        assert!(
            has(&signature, "FAIL", &[what, "anyone can send you events"]),
            "{what}: {signature:#?}"
        );
    }
    assert!(has(
        &evidence(&report, "webhooks.replay"),
        "FAIL",
        &["past the tolerance", "replayed forever"]
    ));

    let hardened = Setup::start(Mode::Hardened);
    let report = audit(&hardened, &["webhooks"]);
    assert_eq!(status_of(&report, "webhooks.signature"), "PASS");
    assert_eq!(status_of(&report, "webhooks.replay"), "PASS");
    assert!(has(
        &evidence(&report, "webhooks.replay"),
        "PASS",
        &["same event twice", "duplicate"]
    ));
}

#[test]
fn a_wrong_secret_in_the_profile_is_an_error_not_a_verdict() {
    let setup = Setup::start_edited(Mode::Hardened, |t| {
        t.replace("whsec_fixture_5f2b8c1e9a7d3064", "whsec_not_the_one")
    });
    let report = audit(&setup, &["webhooks.signature"]);
    assert_eq!(status_of(&report, "webhooks.signature"), "ERROR");
    assert!(has(
        &evidence(&report, "webhooks.signature"),
        "ERROR",
        &["correctly signed", "refusals below prove nothing"]
    ));
}

#[test]
fn declared_pages_are_read_for_scripts() {
    let setup = Setup::start_edited(Mode::Hardened, |t| {
        t.replace(
            "environment = \"staging\"",
            "environment = \"staging\"\npages = [\"/pricing\"]",
        )
    });
    let report = audit(&setup, &["secrets"]);
    assert_eq!(status_of(&report, "secrets.client-bundle"), "PASS");
    assert!(
        setup
            .target
            .requests()
            .iter()
            .any(|r| r.path_and_query == "/pricing"),
        "the declared page was fetched"
    );
    assert!(has(
        &evidence(&report, "secrets.client-bundle"),
        "PASS",
        &["3 entry page(s)"]
    ));
}

#[test]
fn a_health_endpoint_reporting_a_dead_dependency_with_200_fails() {
    let setup = Setup::start_edited(Mode::Hardened, |t| {
        t.replace("path = \"/healthz\"", "path = \"/healthz/degraded\"")
    });
    let report = audit(&setup, &["health"]);
    assert_eq!(status_of(&report, "health.endpoint"), "FAIL");
    assert!(
        has(
            &evidence(&report, "health.endpoint"),
            "FAIL",
            &["reports database down yet answers 200"]
        ),
        "{:#?}",
        evidence(&report, "health.endpoint")
    );
}

#[test]
fn the_bundle_is_fetched_once_for_both_checks_that_read_it() {
    let setup = Setup::start(Mode::Vulnerable);
    let report = audit(&setup, &["secrets", "exposure.source-maps"]);
    assert_eq!(status_of(&report, "secrets.client-bundle"), "FAIL");
    assert_eq!(status_of(&report, "exposure.source-maps"), "FAIL");
    let fetches = setup
        .target
        .requests()
        .iter()
        .filter(|r| r.path_and_query == "/assets/app.js")
        .count();
    assert_eq!(
        fetches, 2,
        "once per origin (app.acme.test and acme.test), not once per check"
    );
}

/// `has_no = ["frontend"]`, an API-only deploy: the checks that read pages and their
/// scripts are N/A, by statement. Naming pages beside it is a profile error.
#[test]
fn an_api_only_deploy_states_it_has_no_front_end() {
    let stated = |text: String| text.replace("has_no = [", "has_no = [\"frontend\", ");
    let setup = Setup::start_edited(Mode::Vulnerable, stated);
    let report = audit(
        &setup,
        &[
            "secrets.client-bundle",
            "exposure.source-maps",
            "tls.mixed-content",
        ],
    );
    for id in [
        "secrets.client-bundle",
        "exposure.source-maps",
        "tls.mixed-content",
    ] {
        assert_eq!(status_of(&report, id), "N/A", "{id}");
    }
    let contradicted = Setup::start_edited(Mode::Hardened, |text| {
        stated(text).replace("[target]\n", "[target]\npages = [\"/app\"]\n")
    });
    let output = contradicted.run(&["--only", "secrets"]);
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(
        said.contains("target.pages[0]") && said.contains("serves no front end"),
        "{said}"
    );
}

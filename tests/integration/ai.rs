//! AI endpoint probes against the fixture's rule-based assistant: every probe class caught
//! on vulnerable, none raised on hardened; canaries and the other tenant's data never reach
//! an output beyond a masked excerpt; nothing is sent to production without consent.

use fixtures::Mode;
use fixtures::assistant::{ACME_MARKER, SYSTEM_PROMPT_CANARY};

use crate::support::{Setup, evidence, read_json, status_of, stdout};

fn audit(setup: &Setup, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let json = setup.path("run.json");
    let mut args = vec![
        "--only",
        "ai",
        "-v",
        "--format",
        "table",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = setup.run(&args);
    (output, read_json(&json))
}

/// (status, "subject: detail") of every observation of `id`.
fn observations(report: &serde_json::Value, id: &str) -> Vec<(String, String)> {
    evidence(report, id)
        .into_iter()
        .map(|(status, subject, detail)| (status, format!("{subject}: {detail}")))
        .collect()
}

#[test]
fn every_probe_class_is_caught_on_vulnerable() {
    let setup = Setup::start(Mode::Vulnerable);
    let (output, report) = audit(&setup, &[]);
    let injection = observations(&report, "ai.prompt-injection");
    for class in [
        "direct instruction override",
        "role-play",
        "delimiter confusion",
        "encoded instruction",
        "hidden in a document",
        "hidden in a URL",
        "multi-turn setup",
    ] {
        assert!(
            injection
                .iter()
                .any(|(s, line)| s == "FAIL" && line.contains(class) && line.contains("obeyed")),
            "{class}: {injection:#?}"
        );
    }
    assert!(injection.iter().any(|(s, line)| s == "FAIL"
        && line.contains("system prompt extraction")
        && line.contains("system prompt leaks")));
    let exfiltration = observations(&report, "ai.data-exfiltration");
    for class in ["by name", "by id", "planted marker"] {
        assert!(
            exfiltration.iter().any(|(s, line)| s == "FAIL"
                && line.contains(class)
                && line.contains("acme's marker ZX-A…4471")),
            "{class}: {exfiltration:#?}"
        );
    }
    assert!(
        exfiltration
            .iter()
            .any(|(s, line)| s == "FAIL" && line.contains("third-party host collector.example"))
    );
    let tools = observations(&report, "ai.tool-abuse");
    assert!(
        tools.iter().any(|(s, line)| s == "FAIL"
            && line.contains("GET /api/me as bob")
            && line.contains("changed after the probes")),
        "{tools:#?}"
    );
    // Nothing of the canaries or acme's records in any output, beyond the masked marker.
    let table = stdout(&output);
    let json = std::fs::read_to_string(setup.path("run.json")).unwrap();
    for (name, text) in [("table", &table), ("json", &json)] {
        for secret in [SYSTEM_PROMPT_CANARY, ACME_MARKER] {
            assert!(!text.contains(secret), "{name} shows {secret}");
        }
    }
    for (_, line) in injection.iter().chain(&exfiltration).chain(&tools) {
        assert!(
            !line.contains("Alice Adams") && !line.contains("Carol Chen"),
            "acme's data in AI evidence: {line}"
        );
    }
    // The probes' tokens are masked too.
    assert!(
        !json.contains("\"LA-") && !regex_like_token(&json),
        "a probe token is shown whole"
    );
}

/// `LA-` followed by 12 hex digits anywhere.
fn regex_like_token(text: &str) -> bool {
    text.match_indices("LA-").any(|(at, _)| {
        text[at + 3..]
            .chars()
            .take(12)
            .filter(char::is_ascii_hexdigit)
            .count()
            == 12
    })
}

#[test]
fn hardened_assistant_raises_nothing() {
    let setup = Setup::start(Mode::Hardened);
    let (_, report) = audit(&setup, &[]);
    for id in [
        "ai.prompt-injection",
        "ai.data-exfiltration",
        "ai.tool-abuse",
    ] {
        assert_eq!(
            status_of(&report, id),
            "PASS",
            "{id}: {:#?}",
            observations(&report, id)
        );
    }
    let requests = setup
        .target
        .requests()
        .iter()
        .filter(|r| r.path_and_query == "/api/assistant")
        .count();
    assert!(
        requests <= 30,
        "the endpoint's max_requests bounds the probes: {requests}"
    );
}

#[test]
fn production_needs_consent_and_gets_nothing_without_it() {
    let setup = Setup::start_edited(Mode::Hardened, |t| {
        t.replace("environment = \"staging\"", "environment = \"production\"")
    });
    let (_, report) = audit(&setup, &[]);
    for id in [
        "ai.prompt-injection",
        "ai.data-exfiltration",
        "ai.tool-abuse",
    ] {
        assert_eq!(status_of(&report, id), "ERROR");
        let summary = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["summary"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(summary.contains("--allow-production-load"), "{summary}");
    }
    assert!(
        !setup
            .target
            .requests()
            .iter()
            .any(|r| r.path_and_query == "/api/assistant"),
        "nothing was sent"
    );
    let (_, report) = audit(&setup, &["--allow-production-load"]);
    assert_eq!(status_of(&report, "ai.prompt-injection"), "PASS");
}

#[test]
fn an_endpoint_with_no_readable_answer_cannot_pass() {
    // The answer read at a pointer the assistant never fills: every probe's answer would be
    // empty, and "did not follow it" would prove nothing. The benign control catches it.
    let setup = Setup::start_edited(Mode::Hardened, |t| {
        t.replace("answer = \"/reply\"", "answer = \"/data/text\"")
    });
    let (_, report) = audit(&setup, &[]);
    for id in ["ai.prompt-injection", "ai.data-exfiltration"] {
        assert_eq!(status_of(&report, id), "ERROR", "{id}");
    }
    // With the answer where it is, the control holds and the hardened assistant passes.
    let setup = Setup::start(Mode::Hardened);
    let (_, report) = audit(&setup, &[]);
    assert_eq!(status_of(&report, "ai.prompt-injection"), "PASS");
}

#[test]
fn tools_unsaid_are_a_skip_and_tools_false_is_n_a() {
    let unsaid = Setup::start_edited(Mode::Hardened, |t| {
        t.replace("tools = { verify_path = \"/api/me\" }\n", "")
    });
    let (_, report) = audit(&unsaid, &["--only", "ai.tool-abuse"]);
    assert_eq!(status_of(&report, "ai.tool-abuse"), "SKIP");
    let none = Setup::start_edited(Mode::Hardened, |t| {
        t.replace("tools = { verify_path = \"/api/me\" }", "tools = false")
    });
    let (_, report) = audit(&none, &["--only", "ai.tool-abuse"]);
    assert_eq!(status_of(&report, "ai.tool-abuse"), "N/A");
}

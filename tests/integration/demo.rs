//! The audit of both fixture modes reaches the verdicts `tests/verdicts.toml` records.

use fixtures::Mode;

use crate::support::{Setup, launch_audit, read_json, statuses, stdout};
use crate::verdicts::fixture as expected;

#[test]
fn vulnerable_target_fails_the_first_checks_and_exits_1() {
    let setup = Setup::start(Mode::Vulnerable);
    let json = setup.path("run.json");
    let output = setup.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = read_json(&json);
    assert_eq!(statuses(&report), expected(Mode::Vulnerable));
    assert_eq!(report["decision"]["verdict"], "NOT READY");
    let table = stdout(&output);
    assert!(table.contains("NOT READY"), "{table}");
    // Evidence names what was seen, not just a status.
    let by_id = |id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert!(
        by_id("dns.resolution")["summary"]
            .as_str()
            .unwrap()
            .contains("shop.acme.test: does not exist (NXDOMAIN)")
    );
    assert!(
        by_id("health.endpoint")["summary"]
            .as_str()
            .unwrap()
            .contains("500")
    );
    let headers = by_id("headers.security")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    for needle in [
        "no X-Content-Type-Options",
        "framing allowed",
        "no Referrer-Policy",
    ] {
        assert!(headers.contains(needle), "{needle} missing from {headers}");
    }
    // The version banners have their own check.
    let banners = by_id("headers.version-disclosure")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    for needle in ["nginx/1.18.0", "Express 4.17.1"] {
        assert!(banners.contains(needle), "{needle} missing from {banners}");
    }
}

#[test]
fn hardened_target_passes_with_evidence_and_exits_0() {
    let setup = Setup::start(Mode::Hardened);
    let json = setup.path("run.json");
    let output = setup.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report = read_json(&json);
    assert_eq!(statuses(&report), expected(Mode::Hardened));
    // N/A is the profile's statement (`has_no`), not a probe's finding: it has no evidence.
    for result in report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "N/A")
    {
        assert!(
            !result["evidence"].as_array().unwrap().is_empty(),
            "PASS without evidence: {result}"
        );
    }
    assert!(stdout(&output).contains(&format!("READY: {} checks", expected(Mode::Hardened).len())));
}

#[test]
fn demo_command_audits_the_bundled_target() {
    let vulnerable = launch_audit(&["demo"], &[]);
    assert_eq!(vulnerable.status.code(), Some(1));
    assert!(stdout(&vulnerable).contains("NOT READY"));
    let hardened = launch_audit(&["demo", "--hardened", "--format", "json"], &[]);
    assert_eq!(hardened.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_slice(&hardened.stdout).expect("JSON on stdout");
    assert_eq!(report["schema_version"], 2);
    let mut got = statuses(&report);
    got.sort();
    assert_eq!(got, expected(Mode::Hardened));
}

#[test]
fn json_report_carries_the_documented_fields() {
    let setup = Setup::start(Mode::Hardened);
    let json = setup.path("run.json");
    setup.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    let report = read_json(&json);
    for key in [
        "schema_version",
        "tool",
        "version",
        "target",
        "started_at",
        "duration_ms",
        "decision",
        "results",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    for key in ["ready", "verdict", "blockers"] {
        assert!(
            report["decision"].get(key).is_some(),
            "missing decision.{key}"
        );
    }
    let first = &report["results"][0];
    for key in [
        "id",
        "title",
        "family",
        "severity",
        "status",
        "summary",
        "evidence",
        "duration_ms",
    ] {
        assert!(first.get(key).is_some(), "missing results[].{key}");
    }
    for key in ["status", "subject", "detail"] {
        assert!(
            first["evidence"][0].get(key).is_some(),
            "missing evidence[].{key}"
        );
    }
}

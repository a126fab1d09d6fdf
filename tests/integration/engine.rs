//! The engine contains failures: a check that panics, one that overruns its timeout, and a
//! target that is down each become ERROR for that check while the others still report.

use std::sync::Arc;

use fixtures::Mode;
use launch_audit::AuditOptions;
use launch_audit::catalogue::{CheckMeta, Kind};
use launch_audit::check::{Applicability, Check, CheckFuture};
use launch_audit::ctx::Ctx;
use launch_audit::decision::Part;
use launch_audit::engine::Selection;
use launch_audit::profile::Profile;
use launch_audit::registry;
use launch_audit::result::{Finding, Observation, Severity, Status};

use crate::support::{Setup, read_json, stdout, without_section};

/// A catalogue entry for a check made here: registered checks take theirs from `checks/`.
fn entry(id: &str) -> Option<&'static CheckMeta> {
    Some(Box::leak(Box::new(CheckMeta {
        id: id.to_string(),
        title: format!("{id} (made by the test)"),
        severity: Severity::Critical,
        kind: Kind::Probe,
        control: String::new(),
        pass: String::new(),
        why: String::new(),
        breaks: String::new(),
        fix: String::new(),
        references: Vec::new(),
        area: None,
    })))
}

/// A check with no catalogue entry: the engine does not run it.
struct Uncatalogued;

impl Check for Uncatalogued {
    fn id(&self) -> &str {
        "test.uncatalogued"
    }

    fn catalogue_entry(&self) -> Option<&'static CheckMeta> {
        None
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, _ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async { panic!("an uncatalogued check must not run") })
    }
}

struct Panics;

impl Check for Panics {
    fn id(&self) -> &str {
        "test.panics"
    }

    fn catalogue_entry(&self) -> Option<&'static CheckMeta> {
        entry(self.id())
    }
    fn applies(&self, _: &Profile) -> Applicability {
        Applicability::Run
    }
    fn run<'a>(&'a self, _: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async { panic!("deliberate test panic") })
    }
}

struct Sleeps;

impl Check for Sleeps {
    fn id(&self) -> &str {
        "test.sleeps"
    }

    fn catalogue_entry(&self) -> Option<&'static CheckMeta> {
        entry(self.id())
    }
    fn applies(&self, _: &Profile) -> Applicability {
        Applicability::Run
    }
    fn run<'a>(&'a self, _: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async {
            // Far past the 1 s check timeout set below; the engine must not wait for it.
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            Finding::from_observations(vec![Observation::new(Status::Pass, "never", "reached")])
        })
    }
}

/// Says PASS with nothing to show for it.
struct PassesWithoutEvidence;

impl Check for PassesWithoutEvidence {
    fn id(&self) -> &str {
        "test.no-evidence"
    }

    fn catalogue_entry(&self) -> Option<&'static CheckMeta> {
        entry(self.id())
    }
    fn applies(&self, _: &Profile) -> Applicability {
        Applicability::Run
    }
    fn run<'a>(&'a self, _: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async {
            Finding {
                status: Status::Pass,
                summary: "trust me".into(),
                evidence: vec![],
                tables: vec![],
                coverage: None,
                needs: None,
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_and_overrunning_checks_are_errors_and_the_rest_still_report() {
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        text.replace("check_timeout = \"20s\"", "check_timeout = \"1s\"")
    });
    let profile = Arc::new(setup.load());
    let mut checks = registry::all();
    checks.push(Arc::new(Panics));
    checks.push(Arc::new(Sleeps));
    checks.push(Arc::new(PassesWithoutEvidence));
    checks.push(Arc::new(Uncatalogued));
    // The quick families only: the 1 s budget is for the test checks, not a tight budget
    // for the access checks' hundreds of requests in a debug build.
    let options = AuditOptions {
        selection: Selection {
            only: ["dns.resolution", "health", "headers", "test"]
                .map(String::from)
                .to_vec(),
            skip: Vec::new(),
        },
        ..AuditOptions::default()
    };
    let run = launch_audit::audit(profile, checks, &options)
        .await
        .unwrap();
    let status = |id: &str| {
        run.results
            .iter()
            .find(|r| r.id == id)
            .map(|r| (r.status, r.summary.clone()))
            .unwrap()
    };

    let (panicked, why) = status("test.panics");
    assert_eq!(panicked, Status::Error);
    assert!(
        why.contains("crashed") && why.contains("deliberate test panic"),
        "{why}"
    );
    let (slept, why) = status("test.sleeps");
    assert_eq!(slept, Status::Error);
    assert!(why.contains("did not finish within 1s"), "{why}");
    let (unproven, why) = status("test.no-evidence");
    assert_eq!(unproven, Status::Error, "{why}");
    // Never given a default severity: not run, an ERROR that says why.
    let (uncatalogued, why) = status("test.uncatalogued");
    assert_eq!(uncatalogued, Status::Error);
    assert!(why.contains("no catalogue entry"), "{why}");

    for id in ["dns.resolution", "health.endpoint", "headers.security"] {
        assert_eq!(status(id).0, Status::Pass, "{id} still reports");
    }
    assert!(!run.decision.ready);
    // Besides the checks left out (SKIP), exactly the four broken ones block. A crash and
    // a missing catalogue entry are problems (ours); the two that never contacted the
    // target (one slept past its timeout, one claimed a PASS it could not show) proved
    // nothing either way, so they are left to verify, after the problems.
    let blocking: Vec<(&str, Part)> = run
        .decision
        .blockers
        .iter()
        .filter(|b| b.status != Status::Skip)
        .map(|b| (b.id.as_str(), b.part()))
        .collect();
    assert_eq!(
        blocking,
        [
            ("test.panics", Part::Problem),
            ("test.uncatalogued", Part::Problem),
            ("test.no-evidence", Part::NotVerified),
            ("test.sleeps", Part::NotVerified),
        ]
    );
}

#[test]
fn target_down_is_error_never_pass() {
    let closed = fixtures::closed_port().unwrap();
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        // Keep DNS (the target's nameserver is up); every HTTP(S) URL points at a closed port.
        let port_after = |marker: &str| -> String {
            let rest = text.split(marker).nth(1).unwrap();
            rest.chars().take_while(char::is_ascii_digit).collect()
        };
        let https = port_after("base_url = \"https://app.acme.test:");
        let http = port_after("entry_points = [\"http://acme.test:");
        text.replace(&format!(":{https}"), &format!(":{closed}"))
            .replace(&format!(":{http}"), &format!(":{closed}"))
    });
    let json = setup.path("run.json");
    let output = setup.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = read_json(&json);
    for result in report["results"].as_array().unwrap() {
        let id = result["id"].as_str().unwrap();
        let status = result["status"].as_str().unwrap();
        match id {
            // DNS and the mail records do not need the web server, and DNS is up.
            "dns.resolution" | "dns.dangling" | "email.spf" | "email.dkim" | "email.dmarc"
            | "email.mx" => {
                assert_eq!(status, "PASS", "{result}")
            }
            // The CAA records are read and correct; the served issuer is not compared, and
            // the evidence says so.
            "dns.caa" => {
                assert_eq!(status, "PASS", "{result}");
                assert!(result.to_string().contains("was not compared"), "{result}");
            }
            // Neither is the repository on disk, nor a person's word.
            "secrets.repository" => assert_eq!(status, "PASS", "{result}"),
            // The app's log is on disk, but nothing reached the app to write to it.
            "logs.secrets" => {
                assert_eq!(status, "ERROR", "{result}");
                assert!(
                    result.to_string().contains("no log source received a line"),
                    "{result}"
                );
            }
            _ if id.starts_with("handover.") => assert_eq!(status, "ATTESTED", "{result}"),
            // The profile states the app has none (`has_no = ["baas"]`): nothing to reach.
            _ if id.starts_with("baas.") || id.starts_with("graphql.") => {
                assert_eq!(status, "N/A", "{result}")
            }
            // The journeys could not reach the app, so no mail came to authenticate.
            "email.delivered" => {
                assert_eq!(status, "ERROR", "{result}");
                assert!(
                    result.to_string().contains("no journey received a message"),
                    "{result}"
                );
            }
            _ => {
                assert_eq!(status, "ERROR", "{id}: {result}");
                assert!(
                    {
                        let summary = result["summary"].as_str().unwrap().to_lowercase();
                        // Either the connection failed, or (input.error-leak) nothing came back to judge.
                        summary.contains("connect") || summary.contains("no response was received")
                    },
                    "{result}"
                );
            }
        }
    }
    assert!(setup.target.requests().is_empty());
    // One root cause, said once: base_url did not answer, so nothing more was sent there.
    let causes: Vec<&str> = report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert!(
        causes[0].contains("did not answer when the audit started")
            && causes[0].contains("app.acme.test"),
        "{causes:?}"
    );
    // Nothing the ERRORs audit answered them: they are to verify, not problems found, and
    // the decision says so (NOT VERIFIED, exit 1). email.mta-sts read its DNS record, but
    // the policy host it then asked never answered: not reached either.
    for result in report["results"].as_array().unwrap() {
        if result["status"] == "ERROR" {
            assert_eq!(result["unreached"], true, "{result}");
        }
    }
    let decision = &report["decision"];
    assert_eq!(decision["verdict"], "NOT VERIFIED", "{decision}");
    assert_eq!(decision["problems"], 0, "{decision}");
    let table = stdout(&setup.run(&["--only", "headers", "--only", "cors"]));
    assert!(
        table.contains("NOT VERIFIED: no problem found;")
            && table.contains(
                "not reached, first the cause above: cors.origin-policy, headers.security"
            ),
        "{table}"
    );
}

#[test]
fn a_silent_nameserver_is_one_cause_and_asked_once() {
    // A UDP socket that never answers, and a TCP port that refuses: a dead nameserver.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    silent.set_nonblocking(true).unwrap();
    let dead = silent.local_addr().unwrap().to_string();
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        let live = text
            .split("nameservers = [\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        text.replace(&live, &dead)
    });
    let json = setup.path("run.json");
    let output = setup.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = read_json(&json);
    let causes: Vec<&str> = report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert!(
        causes[0].contains("the nameserver does not answer") && causes[0].contains(&dead),
        "{causes:?}"
    );
    // The DNS checks say why in their own words, without a query of their own.
    let resolution = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dns.resolution")
        .unwrap();
    assert_eq!(resolution["status"], "ERROR", "{resolution}");
    assert!(resolution.to_string().contains("not asked"), "{resolution}");
    // Only the preflight reached the socket (A and AAAA for base_url's host, and the
    // resolver's retransmissions within its 2 s), not a query per name per check.
    let mut datagrams = 0;
    let mut buffer = [0u8; 512];
    while silent.recv_from(&mut buffer).is_ok() {
        datagrams += 1;
    }
    assert!(
        (1..=8).contains(&datagrams),
        "{datagrams} queries reached the dead nameserver"
    );
    assert!(
        setup.target.requests().is_empty(),
        "no name resolved, nothing was sent"
    );
}

#[test]
fn skipped_checks_name_the_key_that_would_enable_them() {
    let setup = Setup::start_edited(Mode::Hardened, |text| without_section(&text, "[health]"));
    let json = setup.path("run.json");
    let output = setup.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    let report = read_json(&json);
    let health = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "health.endpoint")
        .unwrap();
    assert_eq!(health["status"], "SKIP");
    assert_eq!(health["needs"], "health.path");
    // health.endpoint is medium: its SKIP alone does not block READY.
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn a_critical_or_high_check_left_out_blocks_ready() {
    let setup = Setup::start(Mode::Hardened);
    let output = setup.run(&["--skip", "dns"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    // No problem found, but what did not run is said, with why: NOT VERIFIED, exit 1.
    assert!(out.contains("\nNOT VERIFIED: no problem found"), "{out}");
    let to_verify = out.split("To verify:").nth(1).unwrap_or_default();
    assert!(to_verify.contains("dns.resolution"), "{out}");
}

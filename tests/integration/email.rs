//! DNS and email checks against both fixture zones: each planted fault is named, each
//! hardened record passes with its evidence, and lookups failing is an ERROR, never a PASS.

use fixtures::Mode;

use crate::support::{Setup, read_json};

/// Runs `families` only; returns the JSON report.
fn audit(setup: &Setup, families: &[&str]) -> serde_json::Value {
    let json = setup.path("run.json");
    let mut args = Vec::new();
    for family in families {
        args.extend(["--only", family]);
    }
    args.extend(["--format", "json", "--out", json.to_str().unwrap()]);
    setup.run(&args);
    read_json(&json)
}

/// Every observation of `id` as "STATUS subject: detail".
fn lines(report: &serde_json::Value, id: &str) -> Vec<String> {
    let result = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}: {}",
                o["status"].as_str().unwrap(),
                o["subject"].as_str().unwrap(),
                o["detail"].as_str().unwrap()
            )
        })
        .collect()
}

fn has(lines: &[String], words: &[&str]) -> bool {
    lines.iter().any(|l| words.iter().all(|w| l.contains(w)))
}

#[test]
fn vulnerable_zone_faults_are_each_named() {
    let setup = Setup::start(Mode::Vulnerable);
    let report = audit(&setup, &["email", "dns"]);
    let spf = lines(&report, "email.spf");
    assert!(has(&spf, &["FAIL", "`+all`"]), "{spf:#?}");
    assert!(
        has(
            &spf,
            &[
                "FAIL",
                "11 DNS-querying terms",
                "_spf3.acme.test (1 lookups)"
            ]
        ),
        "{spf:#?}"
    );
    assert!(has(&spf, &["FAIL", "3 void lookups"]), "{spf:#?}");
    // RFC 7208 evaluation stops at the first match: 192.0.2.10 is in _spf2's ip4 range
    // before the lookup limit is reached, so it passes — as receivers would decide.
    assert!(
        has(
            &spf,
            &[
                "PASS sender 192.0.2.10",
                "matched `include:_spf2.acme.test`"
            ]
        ),
        "{spf:#?}"
    );
    assert!(
        has(
            &spf,
            &[
                "FAIL sender include:_spf.mailer.acme.test",
                "has no TXT record"
            ]
        ),
        "{spf:#?}"
    );
    let dkim = lines(&report, "email.dkim");
    assert!(
        has(&dkim, &["FAIL s1._domainkey.acme.test", "revoked"]),
        "{dkim:#?}"
    );
    assert!(
        has(&dkim, &["WARN s2._domainkey.acme.test", "RSA 1024-bit"]),
        "{dkim:#?}"
    );
    let dmarc = lines(&report, "email.dmarc");
    assert!(
        has(&dmarc, &["WARN", "p=none"]) && has(&dmarc, &["WARN", "no rua="]),
        "{dmarc:#?}"
    );
    assert!(has(&lines(&report, "email.mx"), &["FAIL", "no MX record"]));
    assert!(has(
        &lines(&report, "email.mta-sts"),
        &["WARN _mta-sts.acme.test", "no MTA-STS"]
    ));
    assert!(has(
        &lines(&report, "dns.caa"),
        &["WARN acme.test", "any CA may issue"]
    ));
    assert!(has(
        &lines(&report, "dns.dangling"),
        &["FAIL blog.acme.test", "old-blog.acme.test does not exist"]
    ));
}

#[test]
fn hardened_zone_passes_with_evidence() {
    let setup = Setup::start(Mode::Hardened);
    let report = audit(&setup, &["email", "dns"]);
    let spf = lines(&report, "email.spf");
    assert!(
        has(&spf, &["PASS sender 192.0.2.10", "check_host() = pass"]),
        "{spf:#?}"
    );
    assert!(
        has(
            &spf,
            &[
                "PASS sender include:_spf.mailer.acme.test (198.51.100.0)",
                "pass"
            ]
        ),
        "{spf:#?}"
    );
    assert!(
        has(&spf, &["PASS include tree", "total 1 DNS-querying terms"]),
        "{spf:#?}"
    );
    let dkim = lines(&report, "email.dkim");
    assert!(
        has(&dkim, &["PASS s1._domainkey", "RSA 2048-bit"])
            && has(&dkim, &["PASS s2._domainkey", "Ed25519"]),
        "{dkim:#?}"
    );
    let dmarc = lines(&report, "email.dmarc");
    assert!(
        has(
            &dmarc,
            &[
                "PASS acme.test._report._dmarc.reports.test",
                "accepts reports"
            ]
        ),
        "{dmarc:#?}"
    );
    assert!(has(
        &lines(&report, "email.mta-sts"),
        &["PASS", "mode enforce"]
    ));
    assert!(has(
        &lines(&report, "email.mx"),
        &["PASS MX 10 mx1.acme.test", "127.0.0.1"]
    ));
    assert!(has(
        &lines(&report, "dns.caa"),
        &["PASS app.acme.test", "at acme.test", "fixture-ca.acme.test"]
    ));
    assert!(has(
        &lines(&report, "dns.dangling"),
        &["PASS blog.acme.test", "app.acme.test: the target exists"]
    ));
    for result in report["results"].as_array().unwrap() {
        let family = result["family"].as_str().unwrap();
        // The received mail is the journeys' to fetch, and they were not selected.
        if result["id"] == "email.delivered" {
            assert_eq!(result["status"], "ERROR", "{result}");
            assert!(
                result.to_string().contains("were they selected"),
                "{result}"
            );
        } else if family == "email" || family == "dns" {
            assert_eq!(result["status"], "PASS", "{result}");
        }
    }
}

#[test]
fn an_unreachable_nameserver_is_error_never_pass() {
    let closed = fixtures::closed_port().unwrap();
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        let start = text.find("nameservers = [\"").unwrap();
        let end = start + text[start..].find('\n').unwrap();
        format!(
            "{}nameservers = [\"127.0.0.1:{closed}\"]{}",
            &text[..start],
            &text[end..]
        )
        .replace("timeout = \"5s\"", "timeout = \"300ms\"")
    });
    let report = audit(&setup, &["email", "dns"]);
    for result in report["results"].as_array().unwrap() {
        let family = result["family"].as_str().unwrap();
        if family == "email" || family == "dns" {
            assert_eq!(result["status"], "ERROR", "{result}");
        }
    }
}

/// `has_no = ["mail"]`: a domain that sends no mail. DKIM, the app's delivered mail and
/// mailed links are N/A; SPF still runs, and asks for `v=spf1 -all`. Declaring the senders,
/// selectors or mailbox beside it is a profile error at the place that says otherwise.
#[test]
fn a_domain_that_sends_no_mail_is_stated_and_held_to_it() {
    let stated = |text: String| text.replace("has_no = [", "has_no = [\"mail\", ");
    let contradicted = Setup::start_edited(Mode::Hardened, stated);
    let output = contradicted.run(&["--only", "email"]);
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{said}");
    for key in ["email.dkim_selectors[0]", "email.senders[0]", "`mail`"] {
        assert!(said.contains(key), "{key} in {said}");
    }
    assert!(said.contains("sends no mail"), "{said}");

    let setup = Setup::start_edited(Mode::Hardened, |text| {
        let mail = text.find("# Where the app's mail arrives").unwrap();
        let attest = text.find("\n[attest.").unwrap();
        let text = format!("{}{}", &text[..mail], &text[attest..]);
        stated(text)
            .replace("dkim_selectors = [\"s1\", \"s2\"]\n", "")
            .replace(
                "senders = [\"192.0.2.10\", \"include:_spf.mailer.acme.test\"]\n",
                "",
            )
    });
    let report = audit(&setup, &["email", "tokens"]);
    let status = |id: &str| crate::support::status_of(&report, id);
    for id in [
        "email.dkim",
        "email.delivered",
        "tokens.single-use",
        "tokens.expiry",
        "tokens.account-binding",
        "tokens.session-revocation",
    ] {
        assert_eq!(status(id), "N/A", "{id}");
    }
    // The hardened zone authorises its senders: right for a domain that sends, not for
    // one that says it sends nothing.
    let spf = lines(&report, "email.spf");
    assert!(
        has(&spf, &["WARN", "sends no mail", "`v=spf1 -all`"]),
        "{spf:#?}"
    );
    assert_eq!(status("email.dmarc"), "PASS", "DMARC still runs");
}

//! DNS and email verdicts that used to hide the answer, each against a real DNS server
//! (hickory, on loopback) holding exactly the records of the case: an inherited DMARC
//! record, a tree walk that stops above the domain, an MTA-STS policy host that does not
//! exist, a CNAME loop at the apex, and a correct CAA set on a host whose HTTPS is down.

use std::net::Ipv4Addr;

use fixtures::dns_map::{MapDnsServer, RecordMap};
use hickory_proto::rr::rdata::caa::CAA;
use hickory_proto::rr::rdata::{A, CNAME, MX, TXT};
use hickory_proto::rr::{Name, RData};

fn txt(text: &str) -> RData {
    RData::TXT(TXT::new(vec![text.to_string()]))
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).expect("a DNS name")
}

/// Audits `domain` (on a base_url nobody listens on) through `records`, with `checks` only;
/// returns each check's (status, every observation as "STATUS subject: detail").
fn audit(domain: &str, records: RecordMap, checks: &[&str]) -> Vec<(String, String, Vec<String>)> {
    audit_stating(domain, records, checks, r#"["webhooks", "ai_endpoints"]"#)
}

/// [`audit`] with the profile's `has_no` as given.
fn audit_stating(
    domain: &str,
    records: RecordMap,
    checks: &[&str],
    has_no: &str,
) -> Vec<(String, String, Vec<String>)> {
    let server = MapDnsServer::start(records).expect("DNS server starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let port = fixtures::closed_port().expect("a closed port");
    let profile = format!(
        r#"[target]
name = "DNS edge"
base_url = "https://{domain}:{port}/"
domain = "{domain}"
environment = "staging"
has_no = {has_no}

[network]
nameservers = ["{dns}"]
timeout = "1s"
check_timeout = "10s"
"#,
        dns = server.addr()
    );
    let report = crate::support::audit_profile("dns-edge", &profile, checks, dir.path());
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let lines = r["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| {
                    format!(
                        "{} {}: {}",
                        o["status"].as_str().unwrap_or(""),
                        o["subject"].as_str().unwrap_or(""),
                        o["detail"].as_str().unwrap_or("")
                    )
                })
                .collect();
            (
                r["id"].as_str().unwrap_or("").to_string(),
                r["status"].as_str().unwrap_or("").to_string(),
                lines,
            )
        })
        .collect()
}

fn result<'a>(
    results: &'a [(String, String, Vec<String>)],
    id: &str,
) -> &'a (String, String, Vec<String>) {
    results
        .iter()
        .find(|(i, _, _)| i == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

#[test]
fn a_subdomain_inherits_its_parents_dmarc_without_a_false_external_report_warning() {
    let mut records = RecordMap::new();
    records
        .add("app.acme.test", RData::A(A(Ipv4Addr::LOCALHOST)))
        .unwrap();
    records
        .add(
            "_dmarc.acme.test",
            txt("v=DMARC1; p=reject; rua=mailto:dmarc@acme.test"),
        )
        .unwrap();
    let results = audit("app.acme.test", records, &["email.dmarc"]);
    let (_, status, lines) = result(&results, "email.dmarc");
    assert_eq!(status, "PASS", "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("inherited by app.acme.test")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("_report._dmarc")),
        "the parent's own rua is not external: {lines:#?}"
    );
}

/// A domain the profile states sends no mail: any policy short of `reject` lets mail in its
/// name through, though no legitimate mail can fail, so it is a WARN saying so; `reject`
/// passes.
#[test]
fn a_domain_that_sends_no_mail_needs_dmarc_reject() {
    for (policy, expected) in [("quarantine", "WARN"), ("reject", "PASS")] {
        let mut records = RecordMap::new();
        records
            .add("acme.test", RData::A(A(Ipv4Addr::LOCALHOST)))
            .unwrap();
        records.add("acme.test", txt("v=spf1 -all")).unwrap();
        records
            .add(
                "_dmarc.acme.test",
                txt(&format!("v=DMARC1; p={policy}; rua=mailto:dmarc@acme.test")),
            )
            .unwrap();
        let results = audit_stating(
            "acme.test",
            records,
            &["email.dmarc"],
            r#"["webhooks", "ai_endpoints", "mail"]"#,
        );
        let (_, status, lines) = result(&results, "email.dmarc");
        assert_eq!(status, expected, "{policy}: {lines:#?}");
        assert_eq!(
            lines
                .iter()
                .any(|l| l.contains("states the domain sends no mail: publish p=reject")),
            policy != "reject",
            "{lines:#?}"
        );
    }
}

#[test]
fn a_walk_stopped_above_the_domain_says_the_domain_itself_has_no_record() {
    let mut records = RecordMap::new();
    records
        .add("app.acme.test", RData::A(A(Ipv4Addr::LOCALHOST)))
        .unwrap();
    // The parent's nameserver never answers: whether it has a policy is undecided.
    records.silence("_dmarc.acme.test", []).unwrap();
    let results = audit("app.acme.test", records, &["email.dmarc"]);
    let (_, status, lines) = result(&results, "email.dmarc");
    assert_eq!(status, "ERROR", "{lines:#?}");
    assert!(
        lines.iter().any(
            |l| l.contains("`_dmarc.app.acme.test` answered with no DMARC record")
                && l.contains("undecided")
        ),
        "{lines:#?}"
    );
}

/// The zone checked on its own authoritative server before it goes live: `_dmarc.acme.test`
/// answers with no record, and the server refuses `_dmarc.test`, a name outside its zone.
/// That is a domain without DMARC (FAIL), not a broken resolver (ERROR).
#[test]
fn a_parent_refused_by_an_authoritative_only_server_leaves_the_domain_without_dmarc() {
    let mut records = RecordMap::new();
    records.authoritative_for("acme.test").unwrap();
    records
        .add("acme.test", RData::A(A(Ipv4Addr::LOCALHOST)))
        .unwrap();
    let results = audit("acme.test", records, &["email.dmarc"]);
    let (_, status, lines) = result(&results, "email.dmarc");
    assert_eq!(status, "FAIL", "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("no DMARC record") && l.contains("refused `_dmarc.test`")),
        "{lines:#?}"
    );
}

#[test]
fn an_mta_sts_policy_host_that_does_not_exist_is_a_fail() {
    let mut records = RecordMap::new();
    records
        .add("acme.test", RData::A(A(Ipv4Addr::LOCALHOST)))
        .unwrap();
    records
        .add("acme.test", RData::MX(MX::new(10, name("mx.acme.test."))))
        .unwrap();
    records
        .add("_mta-sts.acme.test", txt("v=STSv1; id=20261201"))
        .unwrap();
    // No mta-sts.acme.test: an authoritative NXDOMAIN.
    let results = audit("acme.test", records, &["email.mta-sts"]);
    let (_, status, lines) = result(&results, "email.mta-sts");
    assert_eq!(status, "FAIL", "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("mta-sts.acme.test does not exist (NXDOMAIN)")),
        "{lines:#?}"
    );
}

#[test]
fn a_cname_loop_at_the_apex_is_undecidable_not_absent() {
    let mut records = RecordMap::new();
    records
        .add("acme.test", RData::CNAME(CNAME(name("www.acme.test."))))
        .unwrap();
    records
        .add("www.acme.test", RData::CNAME(CNAME(name("acme.test."))))
        .unwrap();
    let results = audit(
        "acme.test",
        records,
        &["email.mx", "email.spf", "dns.resolution"],
    );
    // The host resolves to nothing because its chain loops, and that is what it says.
    let (_, status, lines) = result(&results, "dns.resolution");
    assert_eq!(status, "FAIL", "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("CNAME chain loops (acme.test → www.acme.test → acme.test)")),
        "{lines:#?}"
    );
    for id in ["email.mx", "email.spf"] {
        let (_, status, lines) = result(&results, id);
        assert_eq!(status, "ERROR", "{id}: {lines:#?}");
        assert!(
            lines.iter().any(|l| l.contains("CNAME loop")),
            "{id}: {lines:#?}"
        );
    }
}

#[test]
fn a_correct_caa_set_passes_when_the_https_peek_cannot_connect() {
    let mut records = RecordMap::new();
    records
        .add("acme.test", RData::A(A(Ipv4Addr::LOCALHOST)))
        .unwrap();
    records
        .add(
            "acme.test",
            RData::CAA(CAA::new_issue(false, Some(name("letsencrypt.org")), vec![])),
        )
        .unwrap();
    let results = audit("acme.test", records, &["dns.caa"]);
    let (_, status, lines) = result(&results, "dns.caa");
    assert_eq!(status, "PASS", "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("not compared")),
        "{lines:#?}"
    );
}

//! The edge checks against the fixture's real TLS variants (one flaw per SNI name on the
//! same HTTPS port), its redirects, CORS policy and caches, in both modes.

use fixtures::Mode;
use fixtures::tls::variant;

use crate::support::{Setup, evidence, read_json, status_of};

/// Runs `--only` each of the comma-separated ids and returns the JSON report.
fn audit(setup: &Setup, only: &str) -> serde_json::Value {
    let json = setup.path("edge.json");
    let mut args = vec!["--format", "json", "--out", json.to_str().unwrap()];
    for id in only.split(',') {
        args.extend(["--only", id]);
    }
    let output = setup.run(&args);
    assert!(json.exists(), "{}", crate::support::stderr(&output));
    read_json(&json)
}

/// The one observation of `id` whose subject starts with `label.acme.test:`.
fn seen(report: &serde_json::Value, id: &str, label: &str) -> (String, String) {
    let prefix = format!("{label}.acme.test:");
    let hits: Vec<(String, String, String)> = evidence(report, id)
        .into_iter()
        .filter(|(_, subject, _)| subject.starts_with(&prefix))
        .collect();
    assert_eq!(hits.len(), 1, "{id} on {label}: {hits:?}");
    let (status, _, detail) = hits.into_iter().next().unwrap();
    (status, detail)
}

fn with_tls_hosts(setup_mode: Mode, labels: &[&str], extra: &str) -> Setup {
    let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
    let extra = extra.to_string();
    Setup::start_edited(setup_mode, move |text| {
        let port = crate::support::https_port(&text);
        let hosts: Vec<String> = labels
            .iter()
            .map(|l| format!("\"https://{l}.acme.test:{port}\""))
            .collect();
        let start = text.find("[tls]\nhosts = [").unwrap();
        let list = start + "[tls]\nhosts = [".len();
        let end = list + text[list..].find("]\n").unwrap() + 2;
        format!(
            "{}[tls]\nhosts = [{}]\n{extra}{}",
            &text[..start],
            hosts.join(", "),
            &text[end..]
        )
    })
}

#[test]
fn every_certificate_variant_gets_its_verdict() {
    let setup = with_tls_hosts(Mode::Hardened, variant::ALL, "");
    let report = audit(&setup, "tls.certificate,tls.expiry,tls.protocols");
    let certificate = |label| seen(&report, "tls.certificate", label);
    let expiry = |label| seen(&report, "tls.expiry", label);

    for (label, needle) in [
        (variant::EXPIRED, "expired"),
        (variant::NOT_YET_VALID, "not valid yet"),
        (variant::WRONG_HOST, "not valid for this host name"),
        (variant::SELF_SIGNED, "self-signed"),
        (variant::MISSING_INTERMEDIATE, "incomplete chain"),
    ] {
        let (status, detail) = certificate(label);
        assert_eq!(status, "FAIL", "{label}: {detail}");
        assert!(detail.starts_with(needle), "{label}: {detail}");
        assert!(
            detail.contains("not after"),
            "evidence names the facts: {detail}"
        );
    }
    let (status, detail) = certificate("app");
    assert_eq!(status, "PASS", "{detail}");
    for fact in [
        "subject CN=acme.test",
        "issuer CN=launch-audit fixture CA",
        "SANs acme.test, *.acme.test",
        "key EC 256 bits",
        "chain of 2",
    ] {
        assert!(detail.contains(fact), "{fact} in {detail}");
    }

    assert_eq!(expiry(variant::EXPIRED).0, "FAIL");
    assert!(expiry(variant::EXPIRED).1.starts_with("expired"));
    assert_eq!(expiry(variant::EXPIRES_IN_5_DAYS).0, "FAIL");
    assert_eq!(expiry(variant::EXPIRES_IN_20_DAYS).0, "WARN");
    assert_eq!(expiry("app").0, "PASS");
    // Still valid, so the chain itself passes.
    assert_eq!(certificate(variant::EXPIRES_IN_5_DAYS).0, "PASS");

    let (status, detail) = seen(&report, "tls.protocols", variant::TLS12_ONLY);
    assert_eq!(status, "WARN", "{detail}");
    assert!(
        detail.contains("TLS 1.3 not offered") && detail.contains("accepts TLS 1.2"),
        "{detail}"
    );
    let (status, detail) = seen(&report, "tls.protocols", "app");
    assert_eq!(
        (status.as_str(), detail.as_str()),
        ("PASS", "accepts TLS 1.3, TLS 1.2; refuses TLS 1.1, TLS 1.0")
    );
}

#[test]
fn expiry_thresholds_come_from_the_profile() {
    let setup = with_tls_hosts(
        Mode::Hardened,
        &[variant::EXPIRES_IN_5_DAYS, variant::EXPIRES_IN_20_DAYS],
        "expiry_warn_days = 10\nexpiry_fail_days = 2\n",
    );
    let report = audit(&setup, "tls.expiry");
    assert_eq!(
        seen(&report, "tls.expiry", variant::EXPIRES_IN_5_DAYS).0,
        "WARN"
    );
    assert_eq!(
        seen(&report, "tls.expiry", variant::EXPIRES_IN_20_DAYS).0,
        "PASS"
    );
}

#[test]
fn vulnerable_edge_is_named_precisely() {
    let setup = Setup::start(Mode::Vulnerable);
    let report = audit(
        &setup,
        "redirects.https,redirects.canonical,redirects.open-redirect,cors.origin-policy,cache.private-content,tls.hsts,edge.cdn",
    );
    let details = |id: &str| -> String {
        evidence(&report, id)
            .into_iter()
            .map(|(status, subject, detail)| format!("{status} {subject}: {detail}\n"))
            .collect()
    };

    let https = details("redirects.https");
    assert!(
        https.contains("FAIL GET http://www.acme.test:")
            && https.contains("serves the page over plain http"),
        "{https}"
    );
    assert!(
        https.contains("WARN GET http://acme.test:") && https.contains("302"),
        "{https}"
    );

    let canonical = details("redirects.canonical");
    assert!(
        canonical.contains("redirect loop back to https://www.acme.test:"),
        "{canonical}"
    );
    assert!(
        canonical.contains("ends on http://www.acme.test:"),
        "{canonical}"
    );
    assert!(
        canonical.contains("ERROR http://shop.acme.test:"),
        "the missing host is an ERROR: {canonical}"
    );
    let chains = &report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "redirects.canonical")
        .unwrap()["tables"][0];
    assert_eq!(chains["title"], "Redirect chains");
    assert_eq!(chains["rows"].as_array().unwrap().len(), 4);

    let open = details("redirects.open-redirect");
    assert!(
        open.contains("FAIL GET /login") && open.contains("Location `//evil.test/`"),
        "{open}"
    );
    assert!(
        open.contains("FAIL GET /logout") && open.contains("page `"),
        "meta refresh found: {open}"
    );

    let cors = details("cors.origin-policy");
    assert!(
        cors.contains("null (null origin) with credentials"),
        "{cors}"
    );
    assert!(
        cors.contains("https://evilacme.test:"),
        "prefix look-alike: {cors}"
    );
    assert!(cors.contains("OPTIONS "), "preflights judged: {cors}");

    let cache = details("cache.private-content");
    assert!(cache.contains("Cache-Control: public"), "{cache}");
    assert!(
        cache.contains("as bob: received alice's answer byte for byte"),
        "{cache}"
    );

    assert!(details("tls.hsts").contains("no Strict-Transport-Security"));
    assert_eq!(status_of(&report, "edge.cdn"), "INFO");
    assert!(details("edge.cdn").contains("no CDN or WAF"));
    // The foreign targets were written into parameters, never visited.
    assert!(
        setup
            .target
            .requests()
            .iter()
            .all(|r| !r.host.contains("evil"))
    );
}

#[test]
fn hardened_edge_passes_with_evidence() {
    let setup = Setup::start(Mode::Hardened);
    let report = audit(
        &setup,
        "redirects.https,redirects.canonical,redirects.open-redirect,cors.origin-policy,cache.private-content,tls.hsts,edge.cdn",
    );
    for id in [
        "redirects.https",
        "redirects.canonical",
        "redirects.open-redirect",
        "cors.origin-policy",
        "cache.private-content",
        "tls.hsts",
    ] {
        assert_eq!(
            status_of(&report, id),
            "PASS",
            "{id}: {:?}",
            evidence(&report, id)
        );
    }
    let text: String = evidence(&report, "redirects.canonical")
        .into_iter()
        .map(|(_, s, d)| format!("{s}: {d}\n"))
        .collect();
    assert!(
        text.contains("http://www.acme.test:") && text.contains("canonical in 2 hop(s)"),
        "{text}"
    );
    let hsts: String = evidence(&report, "tls.hsts")
        .into_iter()
        .map(|(_, _, d)| d)
        .collect();
    assert!(
        hsts.contains("max-age=63072000; includeSubDomains yes, preload yes"),
        "{hsts}"
    );
    let cdn: String = evidence(&report, "edge.cdn")
        .into_iter()
        .map(|(_, _, d)| d)
        .collect();
    assert!(cdn.contains("Varnish (via: 1.1 varnish)"), "{cdn}");
}

#[test]
fn a_redirect_off_scope_is_recorded_not_followed() {
    // An entry point whose chain goes through the vulnerable login's open redirect.
    let setup = Setup::start_edited(Mode::Vulnerable, |text| {
        let port = crate::support::https_port(&text);
        text.replacen(
            "entry_points = [",
            &format!("entry_points = [\"https://app.acme.test:{port}/login?next=https://evil.test/steal\", "),
            1,
        )
    });
    let report = audit(&setup, "redirects.canonical");
    let off: Vec<_> = evidence(&report, "redirects.canonical")
        .into_iter()
        .filter(|(_, subject, _)| subject.contains("/login?next="))
        .collect();
    assert_eq!(off.len(), 1);
    assert_eq!(off[0].0, "FAIL");
    assert!(
        off[0]
            .2
            .contains("hops to https://evil.test/steal, a host the profile does not name"),
        "{off:?}"
    );
}

/// `has_no = ["return_urls"]`: an app where no page takes a return URL states it, and the
/// open-redirect check is N/A instead of an ERROR on a page that reads none; naming such a
/// page beside that statement is a profile error at the page.
#[test]
fn an_app_without_return_urls_says_so() {
    let stated = |text: String| {
        let text = text.replace("has_no = [", "has_no = [\"return_urls\", ");
        text.replace("paths = [\"/login\", \"/logout\"]\n", "")
    };
    let setup = Setup::start_edited(Mode::Hardened, stated);
    let report = audit(&setup, "redirects.open-redirect");
    assert_eq!(status_of(&report, "redirects.open-redirect"), "N/A");

    let contradicted = Setup::start_edited(Mode::Hardened, |text| {
        text.replace("has_no = [", "has_no = [\"return_urls\", ")
    });
    let output = contradicted.run(&[]);
    let said = crate::support::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(
        said.contains("redirects.paths[0]") && said.contains("no page takes a return URL"),
        "{said}"
    );
}

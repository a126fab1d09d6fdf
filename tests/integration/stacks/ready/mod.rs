//! Issue 36: a correct app reaches READY, and one flaw gives one FAIL.
//!
//! The baseline is the real Express stack configured right (tests/stacks/express/app.js,
//! `right`) with everything a launch needs around it, each part real and on loopback:
//! - its domain, `express.test`, served by an authoritative nameserver (hickory, from the
//!   zone file below) with SPF, DKIM, DMARC, MX and CAA;
//! - its mail (sign-up verification, password reset) sent through MailDev 2's SMTP server,
//!   DKIM-signed by nodemailer with the key the zone publishes, and read back by the
//!   journeys from MailDev's API;
//! - plain HTTP redirecting to HTTPS, a git repository, the app's request log;
//! - every handover item attested, and the parts it does not have stated in `has_no`.
//!
//! The same is done for Flask (`flask.rs`: Flask-Limiter, mail DKIM-signed by dkimpy) and
//! for a GraphQL API on GraphQL Yoga and on Apollo Server (`graphql.rs`: their `right`
//! variants complete, API-only deploys whose domain sends no mail), for PocketBase
//! (`pocketbase.rs`: its own sign-in, mail and limiter, the mail DKIM-signed by a relay in
//! front of MailDev), and for a Supabase-style data API (`supabase.rs`, NOT VERIFIED on
//! what only its absent auth server could show). Express is `express.rs`; what they share
//! is here.
//!
//! A complete profile audits that READY, exit 0. Then each single planted misconfiguration
//! (one change in the app, or one record in the zone) moves exactly the check it should,
//! to FAIL (DMARC's monitoring-only policy to WARN, by design), and no other.

use std::path::Path;
use std::process::Command;

mod express;
mod flask;
mod graphql;
mod pocketbase;
mod supabase;

/// One misconfiguration, where it is planted, and the checks it must move (each to the
/// status named): nothing else may move.
struct Flaw {
    name: &'static str,
    plant: Plant,
    moves: &'static [(&'static str, &'static str)],
}

enum Plant {
    /// `LAUNCH_AUDIT_FLAW` in the app (tests/stacks/express/app.js, FLAWS).
    App(&'static str),
    /// One record of the zone rewritten: (what the right zone says, what it says instead).
    Zone(&'static str, &'static str),
    /// One SQL statement run on the right schema before the app starts.
    Sql(&'static str),
}

/// Flaws the Express and Flask apps both plant (`LAUNCH_AUDIT_FLAW`), each moving one check.
const CORS_REFLECT: Flaw = Flaw {
    name: "CORS reflects any origin, with credentials",
    plant: Plant::App("cors-reflect"),
    moves: &[("cors.origin-policy", "FAIL")],
};
const NO_LOGIN_LIMIT: Flaw = Flaw {
    name: "the login has no rate limit",
    plant: Plant::App("no-login-limit"),
    moves: &[("ratelimit.login", "FAIL")],
};
const REUSABLE_RESET: Flaw = Flaw {
    name: "a reset link that works twice",
    plant: Plant::App("reusable-reset"),
    moves: &[("tokens.single-use", "FAIL")],
};

/// The zone of a `domain` that sends mail: everything resolves to loopback, mail is
/// authenticated as the email checks expect, and only one CA may issue.
fn mail_zone(domain: &str) -> String {
    let public_key: String = std::fs::read_to_string(keys().join("jwt-rs256.pub.pem"))
        .expect("the test DKIM public key")
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    // TXT strings are at most 255 octets each.
    let dkim = format!("v=DKIM1; k=rsa; p={public_key}")
        .as_bytes()
        .chunks(200)
        .map(|chunk| format!("\"{}\"", String::from_utf8_lossy(chunk)))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        r#"$ORIGIN {domain}.
$TTL 300
@       IN SOA  ns1.{domain}. hostmaster.{domain}. ( 2026120601 3600 600 86400 300 )
@       IN NS   ns1.{domain}.
ns1     IN A    127.0.0.1
@       IN A    127.0.0.1
www     IN A    127.0.0.1
mx1     IN A    127.0.0.1
@       IN MX   10 mx1.{domain}.
@       IN TXT  "v=spf1 ip4:127.0.0.1 -all"
_dmarc  IN TXT  "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@{domain}"
s1._domainkey IN TXT {dkim}
@       IN CAA  0 issue "launch-audit-test-ca.{domain}"
@       IN CAA  0 iodef "mailto:security@{domain}"
"#
    )
}

/// The zone of a `domain` that sends no mail (`has_no = ["mail"]`): SPF authorises nothing,
/// DMARC rejects, and a null MX says it takes none.
fn no_mail_zone(domain: &str) -> String {
    format!(
        r#"$ORIGIN {domain}.
$TTL 300
@       IN SOA  ns1.{domain}. hostmaster.{domain}. ( 2026120601 3600 600 86400 300 )
@       IN NS   ns1.{domain}.
ns1     IN A    127.0.0.1
@       IN A    127.0.0.1
@       IN MX   0 .
@       IN TXT  "v=spf1 -all"
_dmarc  IN TXT  "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@{domain}"
@       IN CAA  0 issue "launch-audit-test-ca.{domain}"
@       IN CAA  0 iodef "mailto:security@{domain}"
"#
    )
}

/// The fixture's test keys (fixtures/keys): the RSA pair the zone publishes for DKIM.
fn keys() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys")
}

/// The app's repository: what it ships, no secret in it or its history.
fn repository(dir: &Path) {
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).expect("repo dir");
    std::fs::write(
        repo.join("README.md"),
        "# Acme API\n\nSecrets come from the environment.\n",
    )
    .expect("README");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/express/package.json"),
        repo.join("package.json"),
    )
    .expect("package.json");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "."],
        &[
            "-c",
            "user.name=Dana Developer",
            "-c",
            "user.email=dana@express.test",
            "commit",
            "-q",
            "-m",
            "The API",
        ],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(&repo)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }
}

/// Audits an app that sends mail, complete, with `flaw` planted: its zone for `domain`,
/// MailDev 2, the app `start` launches (in a scratch dir, with MailDev's SMTP port, the
/// domain, the DKIM key the zone publishes and the app's flaw), a repository, and the
/// profile `profile` writes (for the app, the zone's nameserver and MailDev's web port).
fn audit_mail_app(
    domain: &str,
    flaw: Option<&Flaw>,
    start: impl FnOnce(&Path, u16, &str, &Path, Option<&str>) -> crate::stacks::Child,
    profile: impl FnOnce(&crate::stacks::Child, std::net::SocketAddr, u16) -> String,
) -> (i32, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dns = serve_zone(domain, mail_zone(domain), flaw);
    let maildev = crate::stacks::mail::MailDev::start(crate::stacks::mail::MailDevVersion::Two);
    let server = start(
        scratch.path(),
        maildev.smtp,
        domain,
        &keys().join("jwt-rs256.key.pem"),
        app_flaw(flaw),
    );
    repository(scratch.path());
    let profile = profile(&server, dns.addr(), maildev.web);
    run_complete(scratch.path(), &profile, &[], &[])
}

/// The zone for `domain`, with the flaw's record rewritten when it plants one there.
fn serve_zone(
    domain: &str,
    text: String,
    flaw: Option<&Flaw>,
) -> fixtures::dns_zone::ZoneDnsServer {
    let text = match flaw.map(|f| &f.plant) {
        Some(Plant::Zone(right, wrong)) => {
            assert!(text.contains(right), "the zone says {right}");
            text.replace(right, wrong)
        }
        _ => text,
    };
    fixtures::dns_zone::ZoneDnsServer::start(vec![(domain.to_string(), text)])
        .expect("the zone's nameserver starts")
}

/// The flaw the app plants itself (`LAUNCH_AUDIT_FLAW`), if that is where it goes.
fn app_flaw(flaw: Option<&Flaw>) -> Option<&'static str> {
    match flaw.map(|f| &f.plant) {
        Some(Plant::App(name)) => Some(*name),
        _ => None,
    }
}

/// Audits `profile` (written into `dir`) with the whole catalogue; (exit code, report).
fn run_complete(
    dir: &Path,
    profile: &str,
    flags: &[&str],
    env: &[(&str, &str)],
) -> (i32, serde_json::Value) {
    let path = dir.join("complete.toml");
    std::fs::write(&path, profile).expect("profile");
    let report = dir.join("complete.json");
    let mut args = vec![
        "run",
        "-c",
        path.to_str().expect("utf-8"),
        "-q",
        "--format",
        "json",
        "--out",
        report.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(flags);
    let output = crate::support::launch_audit(&args, env);
    let code = output.status.code().expect("an exit code");
    let text = std::fs::read_to_string(&report).unwrap_or_else(|_| {
        panic!(
            "no report (exit {code}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, serde_json::from_str(&text).expect("JSON report"))
}

/// Every result as (id, status, summary), in id order.
fn statuses(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_string(),
                r["status"].as_str().unwrap_or_default().to_string(),
                r["summary"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// What the right app's audit must come to.
enum Baseline {
    /// READY, exit 0.
    Ready,
    /// NOT VERIFIED, exit 1, with no problem found: exactly these checks are left to
    /// verify, each for a reason the stack cannot remove (said where the matrix is).
    NotVerified(&'static [&'static str]),
}

/// The baseline comes to what it should, and each flaw moves exactly its checks, each to
/// its status; a FAIL makes the run NOT READY, a warning alone leaves the baseline's verdict.
fn meets_the_one_flaw_matrix(
    expected: Baseline,
    flaws: &[Flaw],
    audit: impl Fn(Option<&Flaw>) -> (i32, serde_json::Value),
) {
    let (code, baseline) = audit(None);
    let baseline = match expected {
        Baseline::Ready => statuses_checked_ready(code, &baseline),
        Baseline::NotVerified(left) => statuses_checked_unverified(code, &baseline, left),
    };
    let unflawed = match expected {
        Baseline::Ready => "READY",
        Baseline::NotVerified(_) => "NOT VERIFIED",
    };
    let mut wrong = Vec::new();
    for flaw in flaws {
        let (_, report) = audit(Some(flaw));
        let moved: Vec<(String, String, String)> = statuses(&report)
            .into_iter()
            .filter(|(id, status, _)| {
                baseline
                    .iter()
                    .find(|(base, _, _)| base == id)
                    .is_none_or(|(_, was, _)| was != status)
            })
            .collect();
        let seen: Vec<(&str, &str)> = moved
            .iter()
            .map(|(id, status, _)| (id.as_str(), status.as_str()))
            .collect();
        if seen != flaw.moves {
            wrong.push(format!(
                "{}: expected exactly {:?} to move, got {moved:#?}",
                flaw.name, flaw.moves
            ));
        }
        let verdict = if flaw.moves.iter().any(|(_, status)| *status == "FAIL") {
            "NOT READY"
        } else {
            unflawed
        };
        assert_eq!(
            report["decision"]["verdict"], verdict,
            "{}: {}",
            flaw.name, report["decision"]
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The baseline's exit code and decision, with every result that is not a verdict of
/// "fine" named when it is not READY; returns its statuses.
fn statuses_checked_ready(code: i32, report: &serde_json::Value) -> Vec<(String, String, String)> {
    let all = statuses(report);
    let not_fine: Vec<&(String, String, String)> = all
        .iter()
        .filter(|(_, status, _)| !matches!(status.as_str(), "PASS" | "N/A" | "ATTESTED" | "INFO"))
        .collect();
    assert_eq!(
        (code, report["decision"]["verdict"].as_str()),
        (0, Some("READY")),
        "the complete right app is READY; what is not: {not_fine:#?}\n{}",
        report["decision"]
    );
    all
}

/// What an app that sends mail adds to its profile: the domain's mail authentication, the
/// catcher its mail is read back from, the sign-up and password-reset journeys through
/// that mail, and their links as `[[tokens]]`. The Express and Flask apps serve the same
/// routes for these (`/auth/signup`, `/auth/verify`, `/auth/account`, `/auth/reset-request`,
/// `/auth/reset`).
fn mail_sections(domain: &str, catcher: u16) -> String {
    format!(
        r#"[email]
dkim_selectors = ["s1"]
senders = ["127.0.0.1"]

[mail]
catcher = "http://127.0.0.1:{catcher}"
wait = "10s"
sender = "no-reply@{domain}"

[[journeys]]
name = "onboarding"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "sign up", path = "/auth/signup", body = {{ email = "founder+{{run}}@{domain}", password = "launch-audit-journey-pw" }}, expect = {{ status = 201 }}, extract = {{ session = {{ json = "/session" }} }} }},
  {{ name = "verification mail", mail = {{ to = "founder+{{run}}@{domain}", subject = "Verify" }}, extract = {{ verify_link = {{ link = "/auth/verify" }} }} }},
  {{ name = "verify", follow = "{{verify_link}}", headers = {{ Authorization = "Bearer {{session}}" }}, expect = {{ status = 200 }} }},
  {{ name = "verified", method = "GET", path = "/auth/account", headers = {{ Authorization = "Bearer {{session}}" }}, expect = {{ json = {{ "/verified" = true }} }} }},
]

[[journeys]]
name = "password reset"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "sign up", path = "/auth/signup", body = {{ email = "reset+{{run}}@{domain}", password = "launch-audit-journey-pw" }}, expect = {{ status = 201 }}, extract = {{ session = {{ json = "/session" }} }} }},
  {{ name = "signed in before the reset", method = "GET", path = "/auth/account", headers = {{ Authorization = "Bearer {{session}}" }}, expect = {{ status = 200 }} }},
  {{ name = "ask for a reset", path = "/auth/reset-request", body = {{ email = "reset+{{run}}@{domain}" }}, expect = {{ status = 202 }} }},
  {{ name = "reset mail", mail = {{ to = "reset+{{run}}@{domain}", subject = "Reset" }}, extract = {{ reset_token = {{ regex = "token=([0-9a-f]+)" }} }} }},
  {{ name = "set a new password", path = "/auth/reset", body = {{ token = "{{reset_token}}", password = "a-new-journey-password" }}, expect = {{ status = 200 }} }},
]

[[tokens]]
kind = "verification"
journey = "onboarding"
issued_by = "verification mail"
used_by = "verify"

[[tokens]]
kind = "reset"
journey = "password reset"
issued_by = "reset mail"
used_by = "set a new password"
lifetime = "1s"
signed_in_by = ["signed in before the reset"]
"#
    )
}

/// What a launch keeps running: the load on the onboarding routes, the repository (written
/// by `repository`) and the app's log file.
fn operations(log: &str) -> String {
    format!(
        r#"[latency]
p95 = "500ms"
rate = 20
duration = "500ms"
warmup = "100ms"

[source]
path = "repo"

[logs]
files = ["{log}"]
"#
    )
}

/// Every handover item, attested.
fn attestations() -> String {
    [
        "environments-separated",
        "rollback-plan",
        "uptime-monitoring",
        "dns-ownership",
        "backups",
        "error-tracking",
        "onboarding-by-hand",
    ]
    .iter()
    .map(|item| {
        format!(
            "\n[attest.{item}]\nby = \"Dana Developer\"\non = 2026-12-01\nnote = \"done for the launch\"\n"
        )
    })
    .collect()
}

/// The baseline's statuses, checked NOT VERIFIED with no problem and exactly `left` to
/// verify (its blockers).
fn statuses_checked_unverified(
    code: i32,
    report: &serde_json::Value,
    left: &[&str],
) -> Vec<(String, String, String)> {
    let decision = &report["decision"];
    let mut blockers: Vec<&str> = decision["blockers"]
        .as_array()
        .expect("blockers")
        .iter()
        .filter_map(|b| b["id"].as_str())
        .collect();
    blockers.sort_unstable();
    let mut expected = left.to_vec();
    expected.sort_unstable();
    assert_eq!(
        (
            code,
            decision["verdict"].as_str(),
            decision["problems"].as_u64(),
            blockers
        ),
        (1, Some("NOT VERIFIED"), Some(0), expected),
        "the complete right app has no problem and only what the stack cannot verify left: {decision}"
    );
    statuses(report)
}

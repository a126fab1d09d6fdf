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
//! The same is done for a GraphQL API, on GraphQL Yoga and on Apollo Server (their `right`
//! variants complete: HTTPS, an API-only deploy whose domain sends no mail).
//!
//! A complete profile audits that READY, exit 0. Then each single planted misconfiguration
//! (one change in the app, or one record in the zone) moves exactly the check it should,
//! to FAIL (DMARC's monitoring-only policy to WARN, by design), and no other.

use std::path::Path;
use std::process::Command;

use super::mail::{MailDev, MailDevVersion};
use super::{Child, express};

const DOMAIN: &str = "express.test";

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
}

const FLAWS: &[Flaw] = &[
    Flaw {
        name: "CORS reflects any origin, with credentials",
        plant: Plant::App("cors-reflect"),
        moves: &[("cors.origin-policy", "FAIL")],
    },
    Flaw {
        name: "the login has no rate limit",
        plant: Plant::App("no-login-limit"),
        moves: &[("ratelimit.login", "FAIL")],
    },
    Flaw {
        name: "a scoped record route beside an unscoped list",
        plant: Plant::App("unscoped-list"),
        moves: &[("access.tenant-isolation", "FAIL")],
    },
    Flaw {
        name: "a reset link that works twice",
        plant: Plant::App("reusable-reset"),
        moves: &[("tokens.single-use", "FAIL")],
    },
    Flaw {
        name: "SPF +all",
        plant: Plant::Zone("\"v=spf1 ip4:127.0.0.1 -all\"", "\"v=spf1 +all\""),
        moves: &[("email.spf", "FAIL")],
    },
    Flaw {
        name: "DMARC that only monitors",
        plant: Plant::Zone("p=reject; sp=reject;", "p=none;"),
        // A deliberate stage of a DMARC rollout, so a warning, not a FAIL: READY stays.
        moves: &[("email.dmarc", "WARN")],
    },
];

/// The zone of `express.test`: everything resolves to loopback, mail is authenticated as
/// the email checks expect, and only one CA may issue.
fn zone() -> String {
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
        r#"$ORIGIN {DOMAIN}.
$TTL 300
@       IN SOA  ns1.{DOMAIN}. hostmaster.{DOMAIN}. ( 2026120601 3600 600 86400 300 )
@       IN NS   ns1.{DOMAIN}.
ns1     IN A    127.0.0.1
@       IN A    127.0.0.1
www     IN A    127.0.0.1
mx1     IN A    127.0.0.1
@       IN MX   10 mx1.{DOMAIN}.
@       IN TXT  "v=spf1 ip4:127.0.0.1 -all"
_dmarc  IN TXT  "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@{DOMAIN}"
s1._domainkey IN TXT {dkim}
@       IN CAA  0 issue "launch-audit-test-ca.{DOMAIN}"
@       IN CAA  0 iodef "mailto:security@{DOMAIN}"
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

/// The complete profile: the Express stack's own (routes, identities, tenants, login burst)
/// with the domain, mail, journeys, load, logs, repository and attestations added.
fn complete_profile(server: &Child, dns: std::net::SocketAddr, catcher: u16) -> String {
    let text = express::profile("right", server);
    // Its JSON-token reset journey gives way to the real mail journeys below.
    let text = &text[..text.find("[[journeys]]").expect("the stack's journey")];
    let http = server.port("http_port");
    let text = text
        .replace(
            "environment = \"staging\"\nhas_no = [\"webhooks\", \"ai_endpoints\"]\n",
            &format!(
                "environment = \"staging\"\ndomain = \"{DOMAIN}\"\nentry_points = [\"http://127.0.0.1:{http}/\"]\nhas_no = [\"webhooks\", \"ai_endpoints\", \"audit_trail\", \"baas\", \"graphql\"]\n"
            ),
        )
        .replace(
            "[network]\n",
            &format!("[network]\nnameservers = [\"{dns}\"]\n"),
        )
        .replace(
            "name = \"current user\"\npath = \"/api/me\"\nauth = \"required\"\n",
            "name = \"current user\"\npath = \"/api/me\"\nauth = \"required\"\nonboarding = true\n",
        );
    assert!(text.contains(&format!("domain = \"{DOMAIN}\"")), "{text}");
    let attestations = attestations();
    let operations = operations("app.log");
    format!(
        r#"{text}
[email]
dkim_selectors = ["s1"]
senders = ["127.0.0.1"]

{operations}
[mail]
catcher = "http://127.0.0.1:{catcher}"
wait = "10s"
sender = "no-reply@{DOMAIN}"

[[journeys]]
name = "onboarding"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "sign up", path = "/auth/signup", body = {{ email = "founder+{{run}}@{DOMAIN}", password = "launch-audit-journey-pw" }}, expect = {{ status = 201 }}, extract = {{ session = {{ json = "/session" }} }} }},
  {{ name = "verification mail", mail = {{ to = "founder+{{run}}@{DOMAIN}", subject = "Verify" }}, extract = {{ verify_link = {{ link = "/auth/verify" }} }} }},
  {{ name = "verify", follow = "{{verify_link}}", headers = {{ Authorization = "Bearer {{session}}" }}, expect = {{ status = 200 }} }},
  {{ name = "verified", method = "GET", path = "/auth/account", headers = {{ Authorization = "Bearer {{session}}" }}, expect = {{ json = {{ "/verified" = true }} }} }},
]

[[journeys]]
name = "password reset"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "sign up", path = "/auth/signup", body = {{ email = "reset+{{run}}@{DOMAIN}", password = "launch-audit-journey-pw" }}, expect = {{ status = 201 }}, extract = {{ session = {{ json = "/session" }} }} }},
  {{ name = "signed in before the reset", method = "GET", path = "/auth/account", headers = {{ Authorization = "Bearer {{session}}" }}, expect = {{ status = 200 }} }},
  {{ name = "ask for a reset", path = "/auth/reset-request", body = {{ email = "reset+{{run}}@{DOMAIN}" }}, expect = {{ status = 202 }} }},
  {{ name = "reset mail", mail = {{ to = "reset+{{run}}@{DOMAIN}", subject = "Reset" }}, extract = {{ reset_token = {{ regex = "token=([0-9a-f]+)" }} }} }},
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
{attestations}"#
    )
}

/// Starts the complete stack with `flaw` planted (none: the baseline), audits it with the
/// whole catalogue, and returns (exit code, JSON report).
fn audit_complete(flaw: Option<&Flaw>) -> (i32, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dns = serve_zone(DOMAIN, zone(), flaw);
    let maildev = MailDev::start(MailDevVersion::Two);
    let server = express::start_complete(
        scratch.path(),
        maildev.smtp,
        DOMAIN,
        &keys().join("jwt-rs256.key.pem"),
        app_flaw(flaw),
    );
    repository(scratch.path());
    let profile = complete_profile(&server, dns.addr(), maildev.web);
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

#[test]
fn a_correct_app_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(FLAWS, audit_complete);
}

/// The baseline is READY, and each flaw moves exactly its checks, each to its status;
/// a FAIL makes the run NOT READY, a warning alone leaves it READY.
fn meets_the_one_flaw_matrix(
    flaws: &[Flaw],
    audit: impl Fn(Option<&Flaw>) -> (i32, serde_json::Value),
) {
    let (code, baseline) = audit(None);
    let baseline = statuses_checked_ready(code, &baseline);
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
            "READY"
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

/// The GraphQL API's domain (one per server): it sends no mail (`has_no = ["mail"]`), so SPF
/// authorises nothing, DMARC rejects, and a null MX says it takes none.
fn graphql_zone(domain: &str) -> String {
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

const GRAPHQL_FLAWS: &[Flaw] = &[
    Flaw {
        name: "introspection left on",
        plant: Plant::App("introspection"),
        // On staging, by the family's rule (FAIL on production): the baseline is staging, as
        // its certificate comes from a private CA, which production would FAIL.
        moves: &[("graphql.schema-exposure", "WARN")],
    },
    Flaw {
        name: "resolver errors unmasked",
        plant: Plant::App("unmasked-errors"),
        // The same leak seen twice: in the graph's `errors`, and by the input family's probe of
        // the POST route the profile declares.
        moves: &[("graphql.errors", "FAIL"), ("input.error-leak", "FAIL")],
    },
];

/// The GraphQL API complete: `name`'s right variant (tests/stacks/graphql) over HTTPS at
/// `domain`, an API-only deploy with no mail and no roles, its reads declared as POST
/// routes that only read, its login limited per e-mail (`limit_errors`), a journey through
/// the graph.
fn graphql_profile(name: &str, domain: &str, server: &Child, dns: std::net::SocketAddr) -> String {
    let port = server.port("port");
    let http = server.port("http_port");
    let expired = server.text("/expired");
    let app = super::graphql::app_sections();
    let attestations: String = attestations();
    let operations = operations("access.log");
    format!(
        r#"[target]
name = "{name} (right, complete)"
base_url = "https://127.0.0.1:{port}/"
entry_points = ["http://127.0.0.1:{http}/"]
domain = "{domain}"
allowed_origins = ["https://app.acme.test"]
environment = "staging"
has_no = ["frontend", "mail", "roles", "webhooks", "ai_endpoints", "audit_trail", "baas"]

[network]
nameservers = ["{dns}"]
ca_file = "ca.pem"
timeout = "5s"

[auth]
error_pointer = "/errors"

{app}
[identities.alice_expired]
token = "{expired}"
tenant = "acme"
expired = true

[health]
path = "/health"

[[routes]]
name = "an org"
method = "POST"
path = "/graphql"
auth = "required"
reads = true
body = {{ query = "{{{{ org(id: \"{{org_id}}\") {{{{ name }}}} }}}}" }}

[[routes]]
name = "my invoices"
method = "POST"
path = "/graphql"
auth = "required"
reads = true
onboarding = true
body = {{ query = "{{{{ invoices {{{{ id title }}}} }}}}" }}

[[rate_limits]]
name = "login"
path = "/graphql"
body = {{ query = "mutation($e: String!, $p: String!) {{ login(email: $e, password: $p) {{ token }} }}", variables = {{ e = "burst@acme.test", p = "not-the-password" }} }}
limit_errors = ["RATE_LIMITED"]
max_attempts = 6
burst = 10

{operations}
[[journeys]]
name = "sign in and see my invoices"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "sign in", path = "/graphql", body = {{ query = "mutation($e: String!, $p: String!) {{ login(email: $e, password: $p) {{ token }} }}", variables = {{ e = "${{ALICE_USER}}", p = "${{ALICE_PASSWORD}}" }} }}, expect = {{ status = 200 }}, extract = {{ session = {{ json = "/data/login/token" }} }} }},
  {{ name = "my invoices", path = "/graphql", headers = {{ Authorization = "Bearer {{session}}" }}, body = {{ query = "{{ invoices {{ id }} }}" }}, expect = {{ json = {{ "/data/invoices/0/id" = "10" }} }} }},
]
{attestations}"#
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

/// Audits `server` (tests/stacks/graphql/`server`.js) complete, with `flaw` planted.
fn audit_graphql(server: &str, flaw: Option<&Flaw>) -> (i32, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let domain = format!("{server}.test");
    let dns = serve_zone(&domain, graphql_zone(&domain), flaw);
    let child = super::graphql::start_complete(server, scratch.path(), app_flaw(flaw));
    repository(scratch.path());
    let profile = graphql_profile(server, &domain, &child, dns.addr());
    run_complete(scratch.path(), &profile, &[], &super::graphql::LOGINS)
}

#[test]
fn a_correct_graphql_yoga_api_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(GRAPHQL_FLAWS, |flaw| audit_graphql("yoga", flaw));
}

#[test]
fn a_correct_apollo_server_api_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(GRAPHQL_FLAWS, |flaw| audit_graphql("apollo", flaw));
}

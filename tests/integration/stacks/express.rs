//! Express 5 with cors, helmet, express-rate-limit, express-session, cookie-parser and
//! jsonwebtoken (npm, pinned by tests/stacks/express/package-lock.json), over HTTPS with a
//! minted chain, in the variants `tests/stacks/express/app.js` describes.

use std::path::Path;
use std::process::Command;

use super::{Child, find_program, stacks_dir};
use crate::support::{result, status_of};

fn start(variant: &str, dir: &Path) -> Child {
    start_serving(variant, dir, None)
}

/// The app with a front end a real bundler built (tests/stacks/frontend: Vite's `right` or
/// `wrong` build, or `webpack`) as its pages: `/` is the built index.html, whose entry
/// chunk loads the projects screen lazily.
pub(super) fn start_with_front_end(variant: &str, build: &str, dir: &Path) -> Child {
    let dist = stacks_dir().join(format!("frontend/dist-{build}"));
    assert!(
        dist.join("index.html").exists(),
        "{} is not built: run `scripts/test`, which builds the front end with Vite and webpack",
        dist.display()
    );
    start_serving(variant, dir, Some(&dist))
}

/// The app serving the built front end at `dist` (a copy a test changed).
pub(super) fn start_with_dist(variant: &str, dist: &Path, dir: &Path) -> Child {
    start_serving(variant, dir, Some(dist))
}

/// The complete right app (the READY baseline): its mail through MailDev's SMTP port,
/// DKIM-signed for `domain` with the key at `dkim_key`; `flaw` plants one mistake.
pub(super) fn start_complete(
    dir: &Path,
    smtp: u16,
    domain: &str,
    dkim_key: &Path,
    flaw: Option<&str>,
) -> Child {
    let mut env = vec![
        ("SMTP_PORT", smtp.to_string()),
        ("MAIL_DOMAIN", domain.to_string()),
        ("DKIM_KEY", dkim_key.display().to_string()),
    ];
    if let Some(flaw) = flaw {
        env.push(("LAUNCH_AUDIT_FLAW", flaw.to_string()));
    }
    launch("right", dir, None, &env)
}

fn start_serving(variant: &str, dir: &Path, front_end: Option<&Path>) -> Child {
    launch(variant, dir, front_end, &[])
}

fn launch(variant: &str, dir: &Path, front_end: Option<&Path>, env: &[(&str, String)]) -> Child {
    crate::stacks::write_tls_chain(dir, &["127.0.0.1", "127.0.0.2"]);
    let modules = stacks_dir().join("express/node_modules");
    assert!(
        modules.join("express").exists(),
        "{} lacks express: run `scripts/test`, which installs the npm packages the tests drive",
        modules.display()
    );
    let node = find_program("node", &["/usr/bin", "/usr/local/bin"]);
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/express/app.js");
    let mut command = Command::new(node);
    command
        .arg(app)
        .arg(variant)
        .arg(dir)
        .env("NODE_PATH", &modules);
    if let Some(dist) = front_end {
        command.env("FRONTEND_DIST", dist);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    Child::start(command, &format!("express ({variant})"))
}

pub(super) fn profile(variant: &str, server: &Child) -> String {
    let port = server.port("port");
    let cdn = server.port("cdn_port");
    let token = |name: &str| server.text(&format!("/tokens/{name}")).to_string();
    let password = server.text("/password");
    format!(
        r#"[target]
name = "Express ({variant})"
base_url = "https://127.0.0.1:{port}/"
asset_hosts = ["https://127.0.0.2:{cdn}"]
allowed_origins = ["https://app.acme.test"]
environment = "staging"
has_no = ["webhooks", "ai_endpoints"]

[network]
ca_file = "ca.pem"
timeout = "5s"

[health]
path = "/healthz"

[redirects]
paths = ["/login"]

[identities.alice]
token = "{alice}"
tenant = "acme"
roles = ["member"]

[identities.mallory]
token = "{mallory}"
tenant = "globex"
roles = ["member"]

[identities.ada]
token = "{ada}"
tenant = "acme"
roles = ["admin"]

[identities.alice_expired]
token = "{expired}"
tenant = "acme"
roles = ["member"]
expired = true

[tenants.acme]
org = "101"
project = "p-101"

[tenants.globex]
org = "202"
project = "p-202"

[session]
path = "/auth/login"
json = {{ email = "alice@acme.test", password = "{password}" }}

[[routes]]
name = "org members (nested)"
path = "/api/orgs/{{org}}/members"
auth = "required"
roles = ["member", "admin"]

[[routes]]
name = "project (flat)"
path = "/api/projects/{{project}}"
auth = "required"

[[routes]]
name = "admin: users"
path = "/api/admin/users"
auth = "required"
roles = ["admin"]

[[routes]]
name = "notes"
path = "/api/notes"
auth = "required"

[[routes]]
name = "add a note"
method = "POST"
path = "/api/notes"
auth = "required"
body = {{ text = "from launch-audit" }}
allow_writes = true

[[routes]]
name = "current user"
path = "/api/me"
auth = "required"

[[routes]]
name = "reports"
path = "/api/reports"
auth = "required"

[[routes]]
name = "note on an org's board"
method = "POST"
path = "/api/orgs/{{org}}/notes"
auth = "required"
body = {{ text = "from launch-audit" }}
allow_writes = true

[[routes]]
name = "projects (list)"
path = "/api/projects"
auth = "required"
{invoices}
[[rate_limits]]
name = "login"
path = "/auth/login"
body = {{ email = "nobody@acme.test", password = "wrong" }}
max_attempts = 10
burst = 20

[[journeys]]
name = "password reset"
allow_writes = true
steps = [
  {{ name = "ask for a reset", path = "/auth/reset-request", body = {{ email = "alice@acme.test" }}, expect = {{ status = 202 }}, extract = {{ reset_token = {{ json = "/token" }} }} }},
  {{ name = "set a new password", path = "/auth/reset", body = {{ token = "{{reset_token}}", password = "{password}" }}, expect = {{ status = 200 }} }},
]

[[tokens]]
kind = "reset"
journey = "password reset"
issued_by = "ask for a reset"
used_by = "set a new password"
lifetime = "1s"
"#,
        invoices = if variant == "empty-page" {
            "\n[[routes]]\nname = \"invoices (an empty page)\"\npath = \"/api/orgs/{org}/invoices\"\nauth = \"required\"\n"
        } else {
            ""
        },
        alice = token("alice"),
        mallory = token("mallory"),
        ada = token("ada"),
        expired = token("alice_expired"),
    )
}

#[test]
fn express_variants_meet_the_verdict_matrix() {
    super::meets_the_matrix(
        "express",
        start,
        profile,
        &["alice", "mallory", "ada", "alice_expired"],
    );
}

/// A profile of only `[[rate_limits]]` entries against the app on `port`.
fn login_bursts(port: u16, entries: &str) -> String {
    format!(
        r#"[target]
name = "Express (login bursts)"
base_url = "https://127.0.0.1:{port}/"
environment = "staging"

[network]
ca_file = "ca.pem"
timeout = "5s"

{entries}"#
    )
}

/// express-rate-limit allows 5 logins a minute per address and account and refuses the 6th.
/// At the boundary the attempts go one at a time, so the count is the server's: a budget of
/// 6 PASSes and one of 5 FAILs, in every run (before, with 6 attempts in flight, the refused
/// one was "attempt 3" to "attempt 7" by arrival order).
#[test]
fn a_limiter_at_the_boundary_is_counted_as_the_server_saw_it() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start("right", scratch.path());
    let port = server.port("port");
    for run in 1..=2 {
        // Each run and entry on an account of its own: the limiter keys on address and email.
        let profile = login_bursts(
            port,
            &format!(
                r#"[[rate_limits]]
name = "at-the-limit"
path = "/auth/login"
body = {{ email = "boundary-a{run}@acme.test", password = "wrong" }}
max_attempts = 6
burst = 12

[[rate_limits]]
name = "one-short"
path = "/auth/login"
body = {{ email = "boundary-b{run}@acme.test", password = "wrong" }}
max_attempts = 5
burst = 12
"#
            ),
        );
        let report = super::audit(
            &format!("boundary-{run}"),
            &profile,
            &["ratelimit"],
            scratch.path(),
        );
        let of = |id: &str| result(&report, id).clone();
        let within = of("ratelimit.at-the-limit");
        assert_eq!(within["status"], "PASS", "run {run}: {within}");
        assert!(
            within["summary"]
                .as_str()
                .unwrap_or("")
                .contains("attempt 6"),
            "run {run}: {within}"
        );
        let short = of("ratelimit.one-short");
        assert_eq!(short["status"], "FAIL", "run {run}: {short}");
        assert!(
            short["summary"]
                .as_str()
                .unwrap_or("")
                .contains("attempt 6"),
            "run {run}: {short}"
        );
    }
}

/// When no legitimate caller is served (every live token refused, as when each login was
/// limited), the expired identity's refusal proves nothing: `auth.expired-token` is ERROR,
/// never PASS, while the same profile with working tokens PASSes (the control).
#[test]
fn an_expired_token_refused_where_nobody_is_served_proves_nothing() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start("right", scratch.path());
    let working = profile("right", &server);
    let report = super::audit(
        "expired-control",
        &working,
        &["auth.expired-token"],
        scratch.path(),
    );
    assert_eq!(
        status_of(&report, "auth.expired-token"),
        "PASS",
        "{report:#}"
    );
    let mut nobody_served = working.clone();
    for name in ["alice", "mallory", "ada"] {
        let token = server.text(&format!("/tokens/{name}"));
        nobody_served = nobody_served.replace(
            &format!("token = \"{token}\""),
            "token = \"refused-everywhere\"",
        );
    }
    assert_ne!(nobody_served, working, "the live tokens were replaced");
    let report = super::audit(
        "expired-no-control",
        &nobody_served,
        &["auth.expired-token"],
        scratch.path(),
    );
    let expired = result(&report, "auth.expired-token");
    assert_eq!(expired["status"], "ERROR", "{expired:#}");
    assert!(
        expired["summary"]
            .as_str()
            .unwrap_or("")
            .contains("no legitimate caller was served"),
        "{expired:#}"
    );
}

/// The same burst twice in a row: the second run finds express-rate-limit still engaged by
/// the first (limited from its first attempt, `Retry-After: 60`), waits the minute out once,
/// and reaches the same verdict instead of an ERROR. (This test waits that minute.)
#[test]
fn a_limiter_an_earlier_run_left_engaged_is_waited_out() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start("right", scratch.path());
    let profile = profile("right", &server);
    let first = super::audit("engaged-1", &profile, &["ratelimit.login"], scratch.path());
    let second = super::audit("engaged-2", &profile, &["ratelimit.login"], scratch.path());
    assert_eq!(status_of(&first, "ratelimit.login"), "PASS", "{first:#}");
    assert_eq!(status_of(&second, "ratelimit.login"), "PASS", "{second:#}");
    let waited = result(&second, "ratelimit.login")["evidence"].to_string();
    assert!(
        waited.contains("an earlier burst left the limiter engaged"),
        "{waited}"
    );
}

/// The control of a burst is that the app judged its attempts as logins. Against the
/// limiter-less variant, a body the validator rejects ("not-an-address") gets 400
/// "email must be an email address" every time: ERROR, since no password was ever tried.
/// The same burst with an address the app accepts is 20 failed logins: FAIL.
#[test]
fn a_burst_the_validator_refuses_proves_nothing() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start("wrong", scratch.path());
    let port = server.port("port");
    let profile = login_bursts(
        port,
        r#"[[rate_limits]]
name = "malformed"
path = "/auth/login"
body = { email = "not-an-address", password = "wrong" }
max_attempts = 10
burst = 20

[[rate_limits]]
name = "well-formed"
path = "/auth/login"
body = { email = "launch-audit-nobody@acme.test", password = "wrong" }
max_attempts = 10
burst = 20
"#,
    );
    let report = super::audit("malformed-burst", &profile, &["ratelimit"], scratch.path());
    let malformed = result(&report, "ratelimit.malformed");
    assert_eq!(malformed["status"], "ERROR", "{malformed:#}");
    assert!(
        malformed["summary"]
            .as_str()
            .unwrap_or("")
            .contains("every one refused as malformed input (400"),
        "{malformed:#}"
    );
    assert_eq!(
        status_of(&report, "ratelimit.well-formed"),
        "FAIL",
        "{report:#}"
    );
}

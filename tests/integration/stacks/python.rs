//! Flask 3 with flask-cors on Werkzeug's server (PyPI, pinned by
//! tests/stacks/python/requirements.txt, in a virtualenv under the build directory), in the
//! variants `tests/stacks/python/app.py` describes.

use std::path::Path;
use std::process::Command;

use super::{Child, stacks_dir};

fn start(variant: &str, dir: &Path) -> Child {
    Child::start(command(variant, dir), &format!("flask ({variant})"))
}

/// The app in `variant`, its project folder under `dir`.
fn command(variant: &str, dir: &Path) -> Command {
    let python = stacks_dir().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `scripts/test`, which installs the PyPI packages the tests drive",
        python.display()
    );
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/python/app.py");
    let project = dir.join("project");
    let mut command = Command::new(python);
    // No bytecode written beside the app (its `mail` module) in the clone.
    command.arg("-B").arg(app).arg(variant).arg(&project);
    command
}

/// The complete right app (the READY baseline): HTTPS with a minted chain (its root as
/// `ca.pem` in `dir`), plain HTTP redirecting to it, each request logged to `dir/app.log`,
/// its mail through MailDev's SMTP port, DKIM-signed for `domain` with the key at
/// `dkim_key`; `flaw` plants one mistake.
pub(super) fn start_complete(
    dir: &Path,
    smtp: u16,
    domain: &str,
    dkim_key: &Path,
    flaw: Option<&str>,
) -> Child {
    crate::stacks::write_tls_chain(dir, &["127.0.0.1"]);
    let mut command = command("right", dir);
    command
        .env("TLS_DIR", dir)
        .env("ACCESS_LOG", dir.join("app.log"))
        .env("SMTP_PORT", smtp.to_string())
        .env("MAIL_DOMAIN", domain)
        .env("DKIM_KEY", dkim_key);
    if let Some(flaw) = flaw {
        command.env("LAUNCH_AUDIT_FLAW", flaw);
    }
    Child::start(command, "flask (right, complete)")
}

fn profile(variant: &str, server: &Child) -> String {
    let port = server.port("port");
    format!(
        r#"[target]
name = "Flask ({variant})"
base_url = "http://127.0.0.1:{port}/"
allowed_origins = ["https://app.acme.test"]
environment = "staging"
has_no = ["webhooks", "ai_endpoints"]

[network]
timeout = "5s"

[health]
path = "/healthz"

[identities.alice]
token = "{alice}"
tenant = "acme"
roles = ["member"]

[identities.mallory]
token = "{mallory}"
tenant = "globex"
roles = ["member"]

[tenants.acme]
org = "101"

[tenants.globex]
org = "202"

[session]
path = "/auth/login"
json = {{ email = "alice@acme.test", password = "{password}" }}

[[routes]]
name = "invoices of an org"
path = "/api/invoices"
query = {{ org = "{{org}}" }}
auth = "required"

[[routes]]
name = "add a note"
method = "POST"
path = "/api/notes"
auth = "required"
body = {{ text = "from launch-audit" }}
allow_writes = true
"#,
        alice = server.text("/tokens/alice"),
        mallory = server.text("/tokens/mallory"),
        password = server.text("/password"),
    )
}

#[test]
fn flask_variants_meet_the_verdict_matrix() {
    super::meets_the_matrix("flask", start, profile, &["alice", "mallory"]);
}

/// The checks init must match on Flask (it has no login limiter in either variant, and its
/// hand-written profile declares none).
const FROM_THE_URL: &[&str] = &[
    "access.tenant-isolation",
    "auth.unauthenticated",
    "auth.invalid-token",
    "cors.origin-policy",
    "secrets.client-bundle",
];

/// From the URL and two logins: init reads the page's script (sign-in, `/api/me`, the
/// org's invoices by `?org=`), measures each tenant's org from what `/api/me` tells each
/// identity, and its profile reaches the hand-written verdicts, right and wrong.
#[test]
fn init_from_the_url_and_two_logins_reaches_the_hand_written_verdicts() {
    for variant in ["right", "wrong"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start(variant, scratch.path());
        let target = super::discovered::Target {
            name: format!("flask-{variant}"),
            url: format!("http://127.0.0.1:{}/", server.port("port")),
            ca: None,
            password: server.text("/password").to_string(),
            env: Vec::new(),
            hand_profile: profile(variant, &server),
            checks: FROM_THE_URL,
        };
        let (text, _) = super::discovered::init_and_compare(&target, scratch.path(), &[]);
        assert!(
            text.contains(
                "path = \"/api/invoices\"\nauth = \"required\"\nquery = { org = \"{org}\" }"
            ),
            "{text}"
        );
    }
}

/// With no protected route declared, `auth.unauthenticated` still judges the reads the
/// page's script makes (`/api/me`, the org's invoices): each served to alice, each refused
/// to a caller with no credential, so it passes on evidence instead of skipping. With the
/// identities gone too, nothing can be judged and it says which key to add.
#[test]
fn with_no_routes_declared_the_scripts_reads_are_asked_without_credentials() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start("right", scratch.path());
    let full = profile("right", &server);
    let without_routes = &full[..full.find("[[routes]]").expect("routes")];
    let path = scratch.path().join("audit.toml");
    std::fs::write(&path, without_routes).expect("profile");
    let report = crate::support::run_checks(
        &path,
        &["auth.unauthenticated"],
        &[],
        &scratch.path().join("run.json"),
    );
    let result = crate::support::result(&report, "auth.unauthenticated");
    assert_eq!(result["status"], "PASS", "{result}");
    let subjects: Vec<&str> = result["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|o| o["subject"].as_str())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("GET /api/me (discovered: called by")),
        "{result}"
    );
    // No identity to be served the reads: nothing is judged, and the key is named.
    let anonymous: String = without_routes
        .split("\n[")
        .filter(|section| !section.starts_with("identities.") && !section.starts_with("session]"))
        .collect::<Vec<_>>()
        .join("\n[");
    std::fs::write(&path, &anonymous).expect("profile");
    let report = crate::support::run_checks(
        &path,
        &["auth.unauthenticated"],
        &[],
        &scratch.path().join("run2.json"),
    );
    let result = crate::support::result(&report, "auth.unauthenticated");
    assert_eq!(
        (result["status"].as_str(), result["needs"].as_str()),
        (Some("SKIP"), Some("routes")),
        "{result}\n{anonymous}"
    );
}

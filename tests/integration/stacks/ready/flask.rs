//! The Flask stack complete (tests/stacks/python/app.py, `right`, with SMTP_PORT): HTTPS,
//! Flask-Limiter on the login, sign-up and reset mail DKIM-signed by dkimpy through
//! MailDev 2, with its domain's zone, journeys, load, logs, repository and attestations.

use crate::stacks::Child;

use super::{
    Baseline, CORS_REFLECT, Flaw, NO_LOGIN_LIMIT, Plant, REUSABLE_RESET, attestations,
    audit_mail_app, mail_sections, meets_the_one_flaw_matrix, operations,
};

const DOMAIN: &str = "flask.test";

const FLAWS: &[Flaw] = &[
    CORS_REFLECT,
    NO_LOGIN_LIMIT,
    Flaw {
        name: "the invoice list filtered by the org the client asks for",
        plant: Plant::App("unscoped-list"),
        // The same missing check seen twice: another tenant's org is served, and an org
        // that is nobody's (`-1`, `0`, twenty digits) is no longer refused but answered
        // with an empty list (the right app refuses any org but the caller's).
        moves: &[
            ("access.tenant-isolation", "FAIL"),
            ("input.malformed", "WARN"),
        ],
    },
    REUSABLE_RESET,
];

/// The complete profile: the app's tenants, routes and login limit, with the domain, mail,
/// journeys, load, logs, repository and attestations. Flask's app has no roles.
fn complete_profile(server: &Child, dns: std::net::SocketAddr, catcher: u16) -> String {
    let port = server.port("port");
    let http = server.port("http_port");
    let token = |name: &str| server.text(&format!("/tokens/{name}")).to_string();
    let password = server.text("/password");
    let mail = mail_sections(DOMAIN, catcher);
    let operations = operations("app.log");
    let attestations = attestations();
    format!(
        r#"[target]
name = "Flask (right, complete)"
base_url = "https://127.0.0.1:{port}/"
entry_points = ["http://127.0.0.1:{http}/"]
domain = "{DOMAIN}"
allowed_origins = ["https://app.acme.test"]
environment = "staging"
has_no = ["roles", "webhooks", "ai_endpoints", "audit_trail", "baas", "graphql"]

[network]
nameservers = ["{dns}"]
ca_file = "ca.pem"
timeout = "5s"

[health]
path = "/healthz"

[redirects]
paths = ["/login"]

[identities.alice]
token = "{alice}"
tenant = "acme"

[identities.mallory]
token = "{mallory}"
tenant = "globex"

[identities.alice_expired]
token = "{expired}"
tenant = "acme"
expired = true

[tenants.acme]
org = "101"

[tenants.globex]
org = "202"

[session]
path = "/auth/login"
json = {{ email = "alice@acme.test", password = "{password}" }}

[[routes]]
name = "current user"
path = "/api/me"
auth = "required"
onboarding = true

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

[[rate_limits]]
name = "login"
path = "/auth/login"
body = {{ email = "nobody@acme.test", password = "wrong" }}
max_attempts = 10
burst = 20

{mail}
{operations}{attestations}"#,
        alice = token("alice"),
        mallory = token("mallory"),
        expired = token("alice_expired"),
    )
}

/// Starts the complete stack with `flaw` planted (none: the baseline), audits it with the
/// whole catalogue, and returns (exit code, JSON report).
fn audit_complete(flaw: Option<&Flaw>) -> (i32, serde_json::Value) {
    audit_mail_app(
        DOMAIN,
        flaw,
        crate::stacks::python::start_complete,
        complete_profile,
    )
}

#[test]
fn a_correct_flask_app_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(Baseline::Ready, FLAWS, audit_complete);
}

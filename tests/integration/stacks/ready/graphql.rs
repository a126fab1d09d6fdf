//! A GraphQL API complete: GraphQL Yoga's and Apollo Server's `right` variants
//! (tests/stacks/graphql) over HTTPS, API-only deploys whose domain sends no mail.

use super::{
    Baseline, Flaw, Plant, app_flaw, attestations, meets_the_one_flaw_matrix, no_mail_zone,
    operations, repository, run_complete, serve_zone,
};
use crate::stacks::Child;

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
    let app = crate::stacks::graphql::app_sections();
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

/// Audits `server` (tests/stacks/graphql/`server`.js) complete, with `flaw` planted.
fn audit_graphql(server: &str, flaw: Option<&Flaw>) -> (i32, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let domain = format!("{server}.test");
    let dns = serve_zone(&domain, no_mail_zone(&domain), flaw);
    let child = crate::stacks::graphql::start_complete(server, scratch.path(), app_flaw(flaw));
    repository(scratch.path());
    let profile = graphql_profile(server, &domain, &child, dns.addr());
    run_complete(
        scratch.path(),
        &profile,
        &[],
        &crate::stacks::graphql::LOGINS,
    )
}

#[test]
fn a_correct_graphql_yoga_api_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(Baseline::Ready, GRAPHQL_FLAWS, |flaw| {
        audit_graphql("yoga", flaw)
    });
}

#[test]
fn a_correct_apollo_server_api_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(Baseline::Ready, GRAPHQL_FLAWS, |flaw| {
        audit_graphql("apollo", flaw)
    });
}

//! A Supabase-style app complete: the notes app's `right` schema (tests/stacks/supabase)
//! on PostgreSQL with the PostgREST-compatible server, behind nginx over HTTPS as one
//! origin: the built front end (supabase-js, tests/stacks/frontend/baas) and the gateway
//! at `/rest/v1/`. Its users' JWTs come from the environment (no auth server runs in the
//! suite); its domain sends no mail.

use std::path::Path;

use crate::stacks::baas::{Postgres, Process, front_end, gateway_locations, key, start_data_api};
use crate::stacks::free_port;
use crate::stacks::nginx::{Nginx, preamble};

use super::{
    Baseline, Flaw, Plant, attestations, meets_the_one_flaw_matrix, no_mail_zone, operations,
    repository, run_complete, serve_zone,
};

const DOMAIN: &str = "notes.test";

const FLAWS: &[Flaw] = &[Flaw {
    name: "a table without row security",
    plant: Plant::Sql("alter table public.profiles disable row level security"),
    // One switch, three capabilities, each seen by the family that enumerates the data API
    // and, where the profile declares the table as a route, by the route checks too:
    // - the public key reads every profile (baas.public-read; auth.unauthenticated on the
    //   declared `my profile` route);
    // - each user reads the other's (baas.cross-tenant; access.tenant-isolation there);
    // - each user rewrites the other's (baas.public-write: the grants let `authenticated`
    //   update, and no policy stands in the way any more).
    moves: &[
        ("access.tenant-isolation", "FAIL"),
        ("auth.unauthenticated", "FAIL"),
        ("baas.cross-tenant", "FAIL"),
        ("baas.public-read", "FAIL"),
        ("baas.public-write", "FAIL"),
    ],
}];

/// The running stack; everything stops on drop.
struct Stack {
    _postgres: Postgres,
    _server: Process,
    nginx: Nginx,
    port: u16,
    http_port: u16,
}

/// The security headers nginx adds to every answer (repeated per `location`, since a
/// location with an `add_header` of its own inherits none from the server).
const HEADERS: &str = "add_header Strict-Transport-Security \"max-age=63072000; includeSubDomains\" always;
        add_header X-Content-Type-Options nosniff always;
        add_header Referrer-Policy strict-origin-when-cross-origin always;
        add_header Content-Security-Policy \"default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'\" always;";

fn start(dir: &Path, sql: Option<&str>) -> Stack {
    let (postgres, server, server_port) = start_data_api(dir, "right");
    if let Some(sql) = sql {
        postgres.psql(&["-c", sql]);
    }
    crate::stacks::write_tls_chain(dir, &["127.0.0.1"]);
    let port = free_port();
    let http_port = free_port();
    let nginx_dir = tempfile::tempdir_in(dir).expect("nginx dir");
    for sub in ["tmp", "logs"] {
        std::fs::create_dir_all(nginx_dir.path().join(sub)).expect("nginx dirs");
    }
    let www = front_end("supabase-right", &format!("https://127.0.0.1:{port}"), dir);
    let conf = format!(
        "{preamble}
    server_tokens off;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        root {www};
{locations}
        location / {{
            {HEADERS}
            try_files $uri /index.html;
        }}
    }}
    server {{
        listen 127.0.0.1:{http_port};
        return 301 https://127.0.0.1:{port}$request_uri;
    }}
}}
",
        preamble = preamble(nginx_dir.path()),
        dir = dir.display(),
        www = www.display(),
        locations = gateway_locations(
            server_port,
            &format!("{HEADERS}\n            add_header Cache-Control no-store always;")
        ),
    );
    let nginx = Nginx::launch(nginx_dir, &conf, port, "supabase (complete)");
    Stack {
        _postgres: postgres,
        _server: server,
        nginx,
        port,
        http_port,
    }
}

fn complete_profile(stack: &Stack, dns: std::net::SocketAddr) -> String {
    let port = stack.port;
    let http = stack.http_port;
    let log = stack.nginx.dir().join("logs/access.log");
    let operations = operations(&log.display().to_string());
    let attestations = attestations();
    format!(
        r#"[target]
name = "Supabase notes (right, complete)"
base_url = "https://127.0.0.1:{port}/"
entry_points = ["http://127.0.0.1:{http}/"]
domain = "{DOMAIN}"
environment = "staging"
has_no = ["mail", "roles", "webhooks", "ai_endpoints", "audit_trail", "graphql"]

[network]
nameservers = ["{dns}"]
ca_file = "ca.pem"
timeout = "5s"

# The data API answering a read of the public table: what the uptime monitor asks.
[health]
path = "/rest/v1/posts?select=id&limit=1"

[identities.alice]
token = "${{ALICE_JWT}}"
tenant = "acme"

[identities.mallory]
token = "${{MALLORY_JWT}}"
tenant = "globex"

[identities.alice_expired]
token = "${{ALICE_EXPIRED_JWT}}"
tenant = "acme"
expired = true

[tenants.acme]
note = "1"
user_id = "11111111-1111-4111-8111-111111111111"

[tenants.globex]
note = "2"
user_id = "22222222-2222-4222-8222-222222222222"

# The data API's own routes: declared under /rest/v1/, they carry the public key as the
# app's client does ([baas] key), and a read that row security filters to nothing is the
# refusal it is.
[[routes]]
name = "my notes"
path = "/rest/v1/notes"
query = {{ select = "id,body" }}
auth = "required"
onboarding = true

[[routes]]
name = "a note"
path = "/rest/v1/notes"
query = {{ id = "eq.{{note}}", select = "id,body" }}
auth = "required"

[[routes]]
name = "my profile"
path = "/rest/v1/profiles"
query = {{ id = "eq.{{user_id}}", select = "email,full_name" }}
auth = "required"

[[journeys]]
name = "write a note and read it back"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "add a note", path = "/rest/v1/notes", headers = {{ Authorization = "Bearer ${{ALICE_JWT}}", Prefer = "return=representation" }}, body = {{ body = "journey note {{run}}" }}, expect = {{ status = 201 }}, extract = {{ note = {{ json = "/0/id" }} }} }},
  {{ name = "read it back", method = "GET", path = "/rest/v1/notes?id=eq.{{note}}&select=body", headers = {{ Authorization = "Bearer ${{ALICE_JWT}}" }}, expect = {{ status = 200, body = "journey note" }} }},
  {{ name = "delete it", method = "DELETE", path = "/rest/v1/notes?id=eq.{{note}}", headers = {{ Authorization = "Bearer ${{ALICE_JWT}}" }}, expect = {{ status = 204 }} }},
]

[baas]
kind = "supabase"
url = "https://127.0.0.1:{port}"
key = "${{SUPABASE_ANON_KEY}}"
service_key = "${{SUPABASE_SERVICE_ROLE_KEY}}"
identities = ["alice", "mallory"]
public = ["posts"]

{operations}{attestations}"#
    )
}

fn env() -> Vec<(String, String)> {
    [
        ("ALICE_JWT", "alice"),
        ("MALLORY_JWT", "mallory"),
        ("ALICE_EXPIRED_JWT", "alice_expired"),
        ("SUPABASE_ANON_KEY", "anon"),
        ("SUPABASE_SERVICE_ROLE_KEY", "service_role"),
    ]
    .into_iter()
    .map(|(var, name)| (var.to_string(), key(name)))
    .collect()
}

fn audit_complete(flaw: Option<&Flaw>) -> (i32, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dns = serve_zone(DOMAIN, no_mail_zone(DOMAIN), flaw);
    let sql = match flaw.map(|f| &f.plant) {
        Some(Plant::Sql(sql)) => Some(*sql),
        _ => None,
    };
    let stack = start(scratch.path(), sql);
    repository(scratch.path());
    let profile = complete_profile(&stack, dns.addr());
    let secrets = env();
    let env: Vec<(&str, &str)> = secrets
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (code, report) = run_complete(scratch.path(), &profile, &[], &env);
    // The keys and JWTs went out as headers (routes, journey steps): none comes back.
    let text = report.to_string();
    for (name, secret) in &secrets {
        assert!(!text.contains(secret.as_str()), "{name} is redacted");
    }
    (code, report)
}

/// What the right Supabase app leaves to verify, because no auth server runs in the suite
/// (Supabase Auth, GoTrue, is in none of these registries): its login, sign-up, reset and
/// OTP limits are the auth server's, and so is the only page that takes a return URL (its
/// `redirect_to`, held to the project's allow-list). Everything else reaches a verdict.
const NOT_VERIFIABLE_HERE: &[&str] = &["ratelimit", "redirects.open-redirect"];

#[test]
fn a_correct_supabase_app_has_no_problem_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(
        Baseline::NotVerified(NOT_VERIFIABLE_HERE),
        FLAWS,
        audit_complete,
    );
}

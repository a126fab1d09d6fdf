//! A PocketBase app complete: the notes app's `right` collections
//! (tests/stacks/pocketbase/pb_migrations) with its launch settings (`1700000001_launch.js`:
//! sender, short-lived links, the sign-in limiter keyed on nginx's X-Real-IP, CORS for its
//! own origin), serving its built front end (the PocketBase SDK,
//! tests/stacks/frontend/baas) behind nginx over HTTPS. Its mail goes out through a
//! provider that DKIM-signs it (tests/stacks/python/dkim_relay.py: aiosmtpd and dkimpy, as
//! PocketBase signs nothing itself) into MailDev 2, and the journeys read it back there.

use std::path::Path;
use std::process::Command;

use crate::stacks::baas::{PocketBase, front_end, http, launch_pocketbase};
use crate::stacks::mail::{MailDev, MailDevVersion};
use crate::stacks::nginx::{Nginx, preamble};
use crate::stacks::{Child, free_port, stacks_dir};

use super::{
    Baseline, Flaw, Plant, attestations, keys, mail_zone, meets_the_one_flaw_matrix, operations,
    repository, run_complete, serve_zone,
};

const DOMAIN: &str = "pbnotes.test";

/// A reset link's lifetime: PocketBase allows nothing shorter than 10 s.
const LINK_SECONDS: u64 = 10;

const FLAWS: &[Flaw] = &[
    Flaw {
        name: "the notes list rule left open",
        plant: Plant::App("open-notes"),
        // One rule, seen by the family that enumerates the collections and by the route
        // checks on the declared `my notes` list: anyone is served every note
        // (baas.public-read; auth.unauthenticated), and so is each user the other's
        // (baas.cross-tenant; access.tenant-isolation). PocketBase serves an invalid or
        // expired token as a guest there, which is that same finding, left to
        // auth.unauthenticated: the token checks still judge `a note`.
        moves: &[
            ("access.tenant-isolation", "FAIL"),
            ("auth.unauthenticated", "FAIL"),
            ("baas.cross-tenant", "FAIL"),
            ("baas.public-read", "FAIL"),
        ],
    },
    Flaw {
        name: "the sign-in limiter off",
        plant: Plant::App("no-login-limit"),
        moves: &[("ratelimit.login", "FAIL")],
    },
    Flaw {
        name: "SPF +all",
        plant: Plant::Zone("\"v=spf1 ip4:127.0.0.1 -all\"", "\"v=spf1 +all\""),
        moves: &[("email.spf", "FAIL")],
    },
];

/// The security headers nginx adds to every answer, beside those PocketBase sets itself
/// (X-Content-Type-Options, X-Frame-Options, Cross-Origin-Opener-Policy).
const HEADERS: &str = "add_header Strict-Transport-Security \"max-age=63072000; includeSubDomains\" always;
        add_header Referrer-Policy strict-origin-when-cross-origin always;
        add_header Content-Security-Policy \"default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'\" always;";

/// The running stack; everything stops on drop.
struct Stack {
    _maildev: MailDev,
    _relay: Child,
    pocketbase: PocketBase,
    nginx: Nginx,
    port: u16,
    http_port: u16,
    catcher: u16,
    expired: String,
}

fn start(dir: &Path, flaw: Option<&str>) -> Stack {
    let maildev = MailDev::start(MailDevVersion::Two);
    let mut relay = Command::new(stacks_dir().join("venv/bin/python"));
    relay
        .arg("-B")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/python/dkim_relay.py"))
        .env("MAIL_DOMAIN", DOMAIN)
        .env("DKIM_KEY", keys().join("jwt-rs256.key.pem"))
        .env("SMTP_PORT", maildev.smtp.to_string());
    let relay = Child::start(relay, "the DKIM-signing mail relay");

    crate::stacks::write_tls_chain(dir, &["127.0.0.1"]);
    let port = free_port();
    let http_port = free_port();
    let origin = format!("https://127.0.0.1:{port}");
    let www = front_end("pocketbase-right", &origin, dir);
    let expired = dir.join("alice-expired.jwt");
    let mut env = vec![
        ("LAUNCH_AUDIT_PB_APP_URL", origin.clone()),
        ("LAUNCH_AUDIT_PB_SENDER", format!("no-reply@{DOMAIN}")),
        ("LAUNCH_AUDIT_PB_SMTP_PORT", relay.port("port").to_string()),
        ("LAUNCH_AUDIT_PB_LINK_SECONDS", LINK_SECONDS.to_string()),
        (
            "LAUNCH_AUDIT_PB_EXPIRED_TOKEN",
            expired.display().to_string(),
        ),
    ];
    if let Some(flaw) = flaw {
        env.push(("LAUNCH_AUDIT_FLAW", flaw.to_string()));
    }
    let pb_port = free_port();
    let pocketbase = launch_pocketbase("right", dir, pb_port, &www, &env, &origin);
    let expired = std::fs::read_to_string(&expired).expect("the migration wrote the expired JWT");

    let nginx_dir = tempfile::tempdir_in(dir).expect("nginx dir");
    for sub in ["tmp", "logs"] {
        std::fs::create_dir_all(nginx_dir.path().join(sub)).expect("nginx dirs");
    }
    // PocketBase's limiter reads the client's address from X-Real-IP, which nginx sets
    // itself, whatever the client sent.
    let conf = format!(
        "{preamble}
    server_tokens off;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location /api/ {{
            {HEADERS}
            add_header Cache-Control no-store always;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:{pb_port};
        }}
        location / {{
            {HEADERS}
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:{pb_port};
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
    );
    let nginx = Nginx::launch(nginx_dir, &conf, port, "pocketbase (complete)");
    Stack {
        catcher: maildev.web,
        _maildev: maildev,
        _relay: relay,
        pocketbase,
        nginx,
        port,
        http_port,
        expired,
    }
}

impl Stack {
    /// The id of `owner`'s note, as the superuser lists it.
    fn note_of(&self, owner: &str) -> String {
        let answer = http(
            self.pocketbase.port,
            "GET",
            &format!(
                "/api/collections/notes/records?filter=(owner.email%3D%27{owner}%27)&fields=id"
            ),
            Some(&self.pocketbase.superuser_token),
            None,
        );
        let json: serde_json::Value = serde_json::from_str(&answer).expect("notes list");
        json["items"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{owner}'s note: {answer}"))
            .to_string()
    }
}

fn complete_profile(stack: &Stack, dns: std::net::SocketAddr) -> String {
    let port = stack.port;
    let http = stack.http_port;
    let catcher = stack.catcher;
    let log = stack.nginx.dir().join("logs/access.log");
    let operations = operations(&log.display().to_string());
    let attestations = attestations();
    let alice_note = stack.note_of("alice@acme.test");
    let mallory_note = stack.note_of("mallory@globex.test");
    let login = |who: &str| {
        format!(
            r#"login = {{ path = "/api/collections/users/auth-with-password", json = {{ identity = "${{{who}_USER}}", password = "${{{who}_PASSWORD}}" }}, token_pointer = "/token" }}"#
        )
    };
    let (alice, mallory) = (login("ALICE"), login("MALLORY"));
    let users = "/api/collections/users";
    format!(
        r#"[target]
name = "PocketBase notes (right, complete)"
base_url = "https://127.0.0.1:{port}/"
entry_points = ["http://127.0.0.1:{http}/"]
domain = "{DOMAIN}"
environment = "staging"
has_no = ["roles", "webhooks", "ai_endpoints", "audit_trail", "graphql", "return_urls"]

[network]
nameservers = ["{dns}"]
ca_file = "ca.pem"
timeout = "5s"

[health]
path = "/api/health"

[identities.alice]
{alice}
tenant = "acme"

[identities.mallory]
{mallory}
tenant = "globex"

[identities.alice_expired]
token = "${{ALICE_EXPIRED_JWT}}"
tenant = "acme"
expired = true

[tenants.acme]
note = "{alice_note}"

[tenants.globex]
note = "{mallory_note}"

[[routes]]
name = "my notes"
path = "/api/collections/notes/records"
auth = "required"
onboarding = true

# PocketBase answers a record its view rule refuses with 404, to strangers too.
[[routes]]
name = "a note"
path = "/api/collections/notes/records/{{note}}"
auth = "required"
hidden = true

[[rate_limits]]
name = "login"
path = "{users}/auth-with-password"
body = {{ identity = "nobody@acme.test", password = "not-the-password" }}
max_attempts = 30
burst = 40

[email]
dkim_selectors = ["s1"]
senders = ["127.0.0.1"]

[mail]
catcher = "http://127.0.0.1:{catcher}"
wait = "10s"
sender = "no-reply@{DOMAIN}"

[[journeys]]
name = "onboarding"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "sign up", path = "{users}/records", body = {{ email = "founder+{{run}}@{DOMAIN}", password = "launch-audit-journey-pw", passwordConfirm = "launch-audit-journey-pw" }}, expect = {{ status = 200 }} }},
  {{ name = "ask for the verification mail", path = "{users}/request-verification", body = {{ email = "founder+{{run}}@{DOMAIN}" }}, expect = {{ status = 204 }} }},
  {{ name = "verification mail", mail = {{ to = "founder+{{run}}@{DOMAIN}", subject = "Verify" }}, extract = {{ verify_token = {{ regex = "/verify#([A-Za-z0-9_.-]+)" }} }} }},
  {{ name = "verify", path = "{users}/confirm-verification", body = {{ token = "{{verify_token}}" }}, expect = {{ status = 204 }} }},
  {{ name = "verified", path = "{users}/auth-with-password", body = {{ identity = "founder+{{run}}@{DOMAIN}", password = "launch-audit-journey-pw" }}, expect = {{ json = {{ "/record/verified" = true }} }} }},
]

[[journeys]]
name = "password reset"
allow_writes = true
budget = "10s"
steps = [
  {{ name = "sign up", path = "{users}/records", body = {{ email = "reset+{{run}}@{DOMAIN}", password = "launch-audit-journey-pw", passwordConfirm = "launch-audit-journey-pw" }}, expect = {{ status = 200 }} }},
  {{ name = "sign in", path = "{users}/auth-with-password", body = {{ identity = "reset+{{run}}@{DOMAIN}", password = "launch-audit-journey-pw" }}, expect = {{ status = 200 }}, extract = {{ session = {{ json = "/token" }} }} }},
  {{ name = "signed in before the reset", method = "POST", path = "{users}/auth-refresh", headers = {{ Authorization = "{{session}}" }}, expect = {{ status = 200, body = "\"token\"" }} }},
  {{ name = "ask for a reset", path = "{users}/request-password-reset", body = {{ email = "reset+{{run}}@{DOMAIN}" }}, expect = {{ status = 204 }} }},
  {{ name = "reset mail", mail = {{ to = "reset+{{run}}@{DOMAIN}", subject = "Reset" }}, extract = {{ reset_token = {{ regex = "/reset#([A-Za-z0-9_.-]+)" }} }} }},
  {{ name = "set a new password", path = "{users}/confirm-password-reset", body = {{ token = "{{reset_token}}", password = "a-new-journey-password", passwordConfirm = "a-new-journey-password" }}, expect = {{ status = 204 }} }},
]

# PocketBase answers a second use of a verification link with the same 204: the address
# is verified already and nothing changes (tokens.single-use: WARN, not FAIL). The link
# names its account, so spent in another's session it verifies its own (the step after
# `verify` shows which).
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
lifetime = "{LINK_SECONDS}s"
signed_in_by = ["signed in before the reset"]

[baas]
kind = "pocketbase"
url = "https://127.0.0.1:{port}"
service_key = "${{PB_SUPERUSER_TOKEN}}"
identities = ["alice", "mallory"]
public = ["posts"]

{operations}{attestations}"#
    )
}

fn audit_complete(flaw: Option<&Flaw>) -> (i32, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dns = serve_zone(DOMAIN, mail_zone(DOMAIN), flaw);
    let app_flaw = match flaw.map(|f| &f.plant) {
        Some(Plant::App(name)) => Some(*name),
        _ => None,
    };
    let stack = start(scratch.path(), app_flaw);
    repository(scratch.path());
    let profile = complete_profile(&stack, dns.addr());
    let secrets = [
        ("ALICE_USER", "alice@acme.test".to_string()),
        ("ALICE_PASSWORD", "AlicePassw0rd!".to_string()),
        ("MALLORY_USER", "mallory@globex.test".to_string()),
        ("MALLORY_PASSWORD", "MalloryPassw0rd!".to_string()),
        ("ALICE_EXPIRED_JWT", stack.expired.clone()),
        (
            "PB_SUPERUSER_TOKEN",
            stack.pocketbase.superuser_token.clone(),
        ),
    ];
    let env: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, report) = run_complete(scratch.path(), &profile, &[], &env);
    let text = report.to_string();
    for (name, secret) in &secrets {
        if name.ends_with("_USER") {
            continue;
        }
        assert!(!text.contains(secret.as_str()), "{name} is redacted");
    }
    (code, report)
}

#[test]
fn a_correct_pocketbase_app_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(Baseline::Ready, FLAWS, audit_complete);
}

//! Kinto 26.5 (PyPI), a real JSON storage platform that serves its own Swagger 2.0 document
//! (`/v1/__api__`), with accounts (HTTP Basic) and a personal bucket per user
//! (tests/stacks/kinto/kinto.ini). Its document states no security scheme and calls every
//! operation public (`security: []`), so init has to measure what it cannot read: the
//! scheme from the app's own challenge, which routes refuse strangers, and each tenant's
//! ids down the nested collections (bucket → collection → record). Right: each user reads
//! only their own bucket. Wrong: `collection_read_principals` and `record_read_principals`
//! set to every signed-in user, so mallory reads alice's notes.

use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine as _;

use super::baas::{Process, http, until_it_answers};
use super::discovered::{Target, init_and_compare, status_from_init};
use super::{free_port, stacks_dir};

/// What the two identities are compared on: the same checks as the other stacks' init
/// parity, less the bundle's (Kinto serves no front end) and the login burst (HTTP Basic
/// has no login route).
const CHECKS: &[&str] = &[
    "access.tenant-isolation",
    "auth.unauthenticated",
    "auth.invalid-token",
    "cors.origin-policy",
];

const USERS: [&str; 2] = ["alice", "mallory"];

fn basic(user: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    format!("Basic {}", engine.encode(format!("{user}:{user}-Passw0rd")))
}

struct Kinto {
    _process: Process,
    port: u16,
    /// Each user's personal bucket, as Kinto names it.
    buckets: Vec<String>,
}

fn start(variant: &str, dir: &Path) -> Kinto {
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/kinto/kinto.ini"),
    )
    .expect("kinto.ini");
    let flaw = match variant {
        "wrong" => {
            "kinto.collection_read_principals = system.Authenticated\nkinto.record_read_principals = system.Authenticated"
        }
        _ => "",
    };
    let ini = dir.join("kinto.ini");
    std::fs::write(&ini, template.replace("# LAUNCH_AUDIT_FLAW", flaw)).expect("ini");
    let port = free_port();
    let process = Process(
        Command::new(stacks_dir().join("venv/bin/kinto"))
            .args(["start", "--ini"])
            .arg(&ini)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kinto starts (scripts/test installs it)"),
    );
    until_it_answers(port, "/v1/__heartbeat__", "kinto");
    let mut buckets = Vec::new();
    for user in USERS {
        let auth = basic(user);
        http(
            port,
            "PUT",
            &format!("/v1/accounts/{user}"),
            None,
            Some(&format!(r#"{{"data":{{"password":"{user}-Passw0rd"}}}}"#)),
        );
        http(
            port,
            "PUT",
            "/v1/buckets/default/collections/notes",
            Some(&auth),
            None,
        );
        http(
            port,
            "POST",
            "/v1/buckets/default/collections/notes/records",
            Some(&auth),
            Some(&format!(r#"{{"data":{{"body":"{user} private note"}}}}"#)),
        );
        let listed: serde_json::Value =
            serde_json::from_str(&http(port, "GET", "/v1/buckets", Some(&auth), None))
                .expect("bucket list");
        buckets.push(
            listed["data"][0]["id"]
                .as_str()
                .expect("a bucket")
                .to_string(),
        );
    }
    Kinto {
        _process: process,
        port,
        buckets,
    }
}

/// What a user who knows Kinto writes: HTTP Basic, each tenant's bucket, the notes
/// collection's records and one record route.
fn hand_profile(kinto: &Kinto) -> String {
    let [alice_bucket, mallory_bucket] = [&kinto.buckets[0], &kinto.buckets[1]];
    format!(
        r#"[target]
name = "kinto-by-hand"
base_url = "http://127.0.0.1:{port}/v1"
allowed_origins = []

[identities.alice]
token = "{alice}"
header = "Authorization"
tenant = "a"

[identities.mallory]
token = "{mallory}"
header = "Authorization"
tenant = "b"

[tenants.a]
bucket = "{alice_bucket}"

[tenants.b]
bucket = "{mallory_bucket}"

[[routes]]
name = "buckets"
method = "GET"
path = "/buckets"
auth = "required"

[[routes]]
name = "collections"
method = "GET"
path = "/buckets/{{bucket}}/collections"
auth = "required"

[[routes]]
name = "notes"
method = "GET"
path = "/buckets/{{bucket}}/collections/notes/records"
auth = "required"
"#,
        port = kinto.port,
        alice = basic("alice"),
        mallory = basic("mallory"),
    )
}

/// `init --url … --openapi …/__api__ --probe` on Kinto, right and wrong: the Swagger 2.0
/// document is read, the Basic scheme is measured from Kinto's challenge, the routes that
/// refuse strangers are written required although the document calls them public, the
/// buckets, collections and records are measured per tenant down the nesting, and the
/// profile validates as written and reaches the hand-written verdicts.
#[test]
fn init_from_kintos_swagger_document_and_two_logins_reaches_the_hand_written_verdicts() {
    for variant in ["right", "wrong"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let kinto = start(variant, scratch.path());
        let target = Target {
            name: format!("kinto-{variant}"),
            url: format!("http://127.0.0.1:{}/v1/", kinto.port),
            ca: None,
            password: "unused: Kinto takes HTTP Basic".into(),
            env: vec![
                ("ALICE_TOKEN", basic("alice")),
                ("MALLORY_TOKEN", basic("mallory")),
            ],
            hand_profile: hand_profile(&kinto),
            checks: CHECKS,
        };
        let spec = format!("http://127.0.0.1:{}/v1/__api__", kinto.port);
        let (text, said) = init_and_compare(&target, scratch.path(), &["--openapi", &spec]);
        assert!(
            said.contains("callers authenticate with HTTP Basic")
                && text.contains("header = \"Authorization\""),
            "{said}"
        );
        assert!(
            said.contains("GET /buckets: the spec says public, but it refuses strangers (401): written as required"),
            "{said}"
        );
        // The verdicts both profiles reached: the leak is found, and only where planted.
        let expected = if variant == "wrong" { "FAIL" } else { "PASS" };
        assert_eq!(
            status_from_init(
                scratch.path(),
                &format!("kinto-{variant}"),
                "access.tenant-isolation"
            ),
            expected
        );
        let (alice_bucket, mallory_bucket) = (&kinto.buckets[0], &kinto.buckets[1]);
        assert!(
            said.contains(&format!(
                "{{bucket_id}}: {alice_bucket} for alice, {mallory_bucket} for mallory"
            )) && said.contains("{collection_id}: notes for alice, notes for mallory")
                && said.contains("{records_id}: "),
            "{said}"
        );
    }
}

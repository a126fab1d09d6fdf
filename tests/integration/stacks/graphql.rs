//! GraphQL, real servers: Apollo Server 5 (on Express 5) and GraphQL Yoga 5 from npm
//! (tests/stacks/graphql, pinned by its package-lock), each right and wrong, serving one
//! app with two tenants. Every case of `tests/verdicts.toml` for stacks `apollo` and `yoga`
//! must be met, and each planted mistake must show as its own evidence line.

use std::process::Command;

use super::{Child, cases_of, checks_of, off_the_matrix, stacks_dir};
use crate::support::{launch_audit, run_checks_with};

/// Runs `checks` on the profile at `path` (production: the login burst and the mutation
/// probe, which undoes its write, have consent).
fn run_checks(
    path: &std::path::Path,
    checks: &[&str],
    env: &[(&str, &str)],
    json: &std::path::Path,
) -> serde_json::Value {
    run_checks_with(
        path,
        checks,
        &["--allow-production-load", "--allow-production-writes"],
        env,
        json,
    )
}

fn start(server: &str, variant: &str) -> Child {
    start_logging(server, variant, None)
}

/// Starts a server; with `log`, Apollo writes one line per request there (its size).
fn start_logging(server: &str, variant: &str, log: Option<&std::path::Path>) -> Child {
    let dir = stacks_dir().join("graphql");
    let mut command = Command::new("node");
    command
        .arg(dir.join(format!("{server}.js")))
        .arg(variant)
        .env("NODE_PATH", dir.join("node_modules"))
        .current_dir(&dir);
    if let Some(log) = log {
        command.env("LAUNCH_AUDIT_REQUEST_LOG", log);
    }
    Child::start(command, &format!("{server} ({variant})"))
}

/// `server`'s right variant, complete (the READY baseline): over HTTPS with a minted chain
/// (its root as `ca.pem` in `dir`), plain HTTP redirecting to it, each request logged to
/// `dir/access.log`; `flaw` plants one mistake.
pub(super) fn start_complete(server: &str, dir: &std::path::Path, flaw: Option<&str>) -> Child {
    crate::stacks::write_tls_chain(dir, &["127.0.0.1"]);
    let stack = stacks_dir().join("graphql");
    let mut command = Command::new("node");
    command
        .arg(stack.join(format!("{server}.js")))
        .arg("right")
        .env("NODE_PATH", stack.join("node_modules"))
        .env("TLS_DIR", dir)
        .env("ACCESS_LOG", dir.join("access.log"))
        .current_dir(&stack);
    if let Some(flaw) = flaw {
        command.env("LAUNCH_AUDIT_FLAW", flaw);
    }
    Child::start(command, &format!("{server} (right, complete)"))
}

/// The `[identities.*]` that log in through the login mutation.
fn login_identities() -> String {
    let login = |who: &str| {
        format!(
            r#"[identities.{name}]
tenant = "{tenant}"
[identities.{name}.login]
path = "/graphql"
json = {{ query = "mutation($e: String!, $p: String!) {{ login(email: $e, password: $p) {{ token }} }}", variables = {{ e = "${{{who}_USER}}", p = "${{{who}_PASSWORD}}" }} }}
token_pointer = "/data/login/token"
"#,
            name = who.to_ascii_lowercase(),
            tenant = if who == "ALICE" { "acme" } else { "globex" },
        )
    };
    format!(
        "{}
{}",
        login("ALICE"),
        login("MALLORY")
    )
}

/// The app's two tenants, `[[graphql]]` with its login and operations: what every profile
/// of these stacks holds after its `[target]`.
pub(super) fn app_sections() -> String {
    format!(
        r#"{identities}
[tenants.acme]
invoice_id = "10"
org_id = "1"

[tenants.globex]
invoice_id = "20"
org_id = "2"

[[graphql]]
path = "/graphql"
public_fields = ["posts"]

[graphql.login]
field = "login"
arguments = {{ email = "nobody@acme.test", password = "not-the-password" }}
selection = "token"
max_attempts = 4

[[graphql.operations]]
name = "invoice by id"
query = "query($id: ID!) {{ invoice(id: $id) {{ id title }} }}"
variables = {{ id = "{{invoice_id}}" }}

[[graphql.operations]]
name = "org by id"
query = "query($id: ID!) {{ org(id: $id) {{ name }} }}"
variables = {{ id = "{{org_id}}" }}

[[graphql.operations]]
name = "search"
query = "query($term: String!) {{ search(term: $term) {{ id }} }}"
variables = {{ term = "hosting" }}

[[graphql.operations]]
name = "posts"
query = "{{ posts {{ title }} }}"

[[graphql.operations]]
name = "rename an invoice"
query = "mutation($id: ID!, $title: String!) {{ renameInvoice(id: $id, title: $title) {{ id }} }}"
variables = {{ id = "{{invoice_id}}", title = "renamed by launch-audit" }}
allow_writes = true
read_back = "invoice by id"
restore = {{ title = "/data/invoice/title" }}
"#,
        identities = login_identities(),
    )
}

fn profile(server: &str, variant: &str, port: u16) -> String {
    format!(
        r#"# The GraphQL app on {server} ({variant})
[target]
name = "{server}-{variant}"
base_url = "http://127.0.0.1:{port}/"
environment = "production"

{}"#,
        app_sections()
    )
}

pub(super) const LOGINS: [(&str, &str); 4] = [
    ("ALICE_USER", "alice@acme.test"),
    ("ALICE_PASSWORD", "AlicePassw0rd!"),
    ("MALLORY_USER", "mallory@globex.test"),
    ("MALLORY_PASSWORD", "MalloryPassw0rd!"),
];

/// (check, evidence subject it starts with, status on wrong, on right); `{url}` is the
/// endpoint.
type Item = (&'static str, &'static str, &'static str, &'static str);

const ITEMS: &[Item] = &[
    (
        "graphql.schema-exposure",
        "introspection at",
        "FAIL",
        "PASS",
    ),
    (
        "graphql.schema-exposure",
        "field suggestions at",
        "FAIL",
        "PASS",
    ),
    ("graphql.schema-exposure", "GET ", "FAIL", "PASS"),
    ("graphql.limits", "100 aliases", "FAIL", "PASS"),
    ("graphql.limits", "a 12-deep document", "FAIL", "PASS"),
    // graphql-js 16 itself aborts validating a selection repeated this often ("Validation
    // aborted."), so the wrong servers refuse it too; the right ones name the token limit.
    (
        "graphql.limits",
        "a document of about 1500 tokens",
        "PASS",
        "PASS",
    ),
    (
        "graphql.csrf",
        "mutation { __typename } by POST as an HTML form",
        "FAIL",
        "PASS",
    ),
    (
        "graphql.csrf",
        "mutation { __typename } by GET",
        "PASS",
        "PASS",
    ),
    (
        "graphql.access",
        "`invoice by id` (alice's) as mallory",
        "FAIL",
        "PASS",
    ),
    (
        "graphql.access",
        "`org by id` (alice's) as no login",
        "FAIL",
        "PASS",
    ),
    (
        "graphql.access",
        "`search` (alice's) as mallory",
        "PASS",
        "PASS",
    ),
    (
        "graphql.access",
        "`posts` (alice's) as anyone",
        "INFO",
        "INFO",
    ),
    // renameInvoice checks the login but, on the wrong servers, not the owner.
    (
        "graphql.access",
        "`rename an invoice` (alice's) as mallory",
        "FAIL",
        "PASS",
    ),
    (
        "graphql.access",
        "`rename an invoice` (alice's) as no login",
        "PASS",
        "PASS",
    ),
];

/// Alice's invoice title as the server holds it, asked as alice over plain HTTP.
fn invoice_title(port: u16) -> String {
    use std::io::{Read, Write};
    let body = r#"{"query":"{ invoice(id: \"10\") { title } }"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer tok-alice-6f1c0d8e2b\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let json = &answer[answer.find("\r\n\r\n").expect("a body") + 4..];
    let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    value["data"]["invoice"]["title"]
        .as_str()
        .expect("a title")
        .to_string()
}

/// Lines for each item whose evidence is missing or not at its variant's status.
fn items_off(report: &serde_json::Value, variant: &str, extra: &[Item]) -> Vec<String> {
    let mut off = Vec::new();
    for (check, subject, wrong, right) in ITEMS.iter().chain(extra) {
        let expected = if variant == "wrong" { wrong } else { right };
        let lines: Vec<&serde_json::Value> = report["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["id"] == *check)
            .flat_map(|r| r["evidence"].as_array().into_iter().flatten())
            .filter(|o| {
                o["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(subject))
            })
            .collect();
        if lines.is_empty() || lines.iter().any(|l| l["status"] != *expected) {
            off.push(format!(
                "{variant} {check} {subject}: expected {expected}, saw {lines:?}"
            ));
        }
    }
    off
}

fn meets(server: &str, extra: &[Item]) {
    let mut wrong = Vec::new();
    for (variant, cases) in &cases_of(server) {
        let scratch = tempfile::tempdir().expect("temp dir");
        let child = start(server, variant);
        let text = profile(server, variant, child.port("port"));
        let path = scratch.path().join("audit.toml");
        std::fs::write(&path, &text).expect("profile");
        let json = scratch.path().join("run.json");
        let title = invoice_title(child.port("port"));
        let report = run_checks(&path, &checks_of(cases), &LOGINS, &json);
        wrong.extend(off_the_matrix(server, variant, cases, &report));
        wrong.extend(items_off(&report, variant, extra));
        // The mutation probe renamed alice's invoice on the wrong server, and put it back.
        assert_eq!(
            invoice_title(child.port("port")),
            title,
            "{server}/{variant}: the mutation probe's write is undone"
        );
        let mutation = report["writes"]
            .as_array()
            .expect("writes")
            .iter()
            .find(|w| {
                w["request"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("mutation `rename an invoice`"))
            })
            .unwrap_or_else(|| {
                panic!(
                    "{server}/{variant}: the mutation is in the writes: {}",
                    report["writes"]
                )
            });
        assert_eq!(
            mutation["state"],
            if *variant == "wrong" {
                "restored"
            } else {
                "unchanged"
            },
            "{server}/{variant}: {mutation}"
        );
        let out = report.to_string();
        for token in ["tok-alice-6f1c0d8e2b", "tok-mallory-93ab77e1c4"] {
            assert!(
                !out.contains(token),
                "{server}/{variant}: a session token is redacted"
            );
        }
        let again = run_checks(
            &path,
            &checks_of(cases),
            &LOGINS,
            &scratch.path().join("again.json"),
        );
        assert_eq!(
            super::statuses(&report),
            super::statuses(&again),
            "{server}/{variant}: the same verdicts in a second run"
        );
    }
    assert!(wrong.is_empty(), "off the matrix:\n{}", wrong.join("\n"));
}

#[test]
fn apollo_server_variants_meet_the_verdict_matrix() {
    meets(
        "apollo",
        &[
            ("graphql.errors", "an unknown field", "FAIL", "PASS"),
            ("graphql.limits", "a batch of 20", "FAIL", "PASS"),
        ],
    );
}

#[test]
fn graphql_yoga_variants_meet_the_verdict_matrix() {
    meets(
        "yoga",
        &[
            ("graphql.errors", "an unknown field", "PASS", "PASS"),
            // `batching: true` caps a batch at 10 operations by default: 20 are refused.
            ("graphql.limits", "a batch of 20", "PASS", "PASS"),
        ],
    );
}

/// Nothing the family sends exceeds its documented caps: the server counts what arrives
/// (the wrong Apollo, which executes everything, so no probe stops early).
#[test]
fn the_family_sends_bounded_documents_a_bounded_number_of_times() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let log = scratch.path().join("requests.log");
    let child = start_logging("apollo", "wrong", Some(&log));
    let path = scratch.path().join("audit.toml");
    std::fs::write(&path, profile("apollo", "wrong", child.port("port"))).expect("profile");
    let family = [
        "graphql.schema-exposure",
        "graphql.limits",
        "graphql.csrf",
        "graphql.errors",
        "graphql.access",
        "graphql.login-limit",
    ];
    run_checks(&path, &family, &LOGINS, &scratch.path().join("run.json"));
    let lines = std::fs::read_to_string(&log).expect("request log");
    let sizes: Vec<usize> = lines
        .lines()
        .map(|l| {
            l.split(' ')
                .skip(1)
                .map(|n| n.parse::<usize>().unwrap_or(usize::MAX))
                .sum()
        })
        .collect();
    // The token probe is the largest document: about 1,500 tokens, 17 KiB.
    let largest = sizes.iter().copied().max().unwrap_or(0);
    assert!(
        largest <= 20 * 1024,
        "a request of {largest} bytes:\n{lines}"
    );
    // Confirmation 1, schema 1+1+1, limits 2+2+2+1, csrf 4, errors 3, access 4 operations
    // x 4 callers, logins 2, the login burst 2: about 45; the bound leaves room, never a
    // thousand.
    assert!(sizes.len() <= 60, "{} requests:\n{lines}", sizes.len());
}

/// `init --url` on the app's page writes `[[graphql]]` from the endpoint its script asks,
/// with the script's operation as a suggestion; the run from that profile finds what a
/// stranger can see on the wrong server.
#[test]
fn init_writes_graphql_from_the_pages_script() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let child = start("apollo", "wrong");
    let url = format!("http://127.0.0.1:{}/", child.port("port"));
    let out = scratch.path().join("init.toml");
    let text = crate::support::init_profile(&["--url", &url], &[], &out);
    assert!(text.contains("[[graphql]]\npath = \"/graphql\""), "{text}");
    assert!(
        text.contains("# query = \"query Invoice($id: ID!)"),
        "{text}"
    );
    // The identities sign in with the mutation the page's script sends.
    let env = LOGINS;
    let report = run_checks(
        &out,
        &[
            "graphql.schema-exposure",
            "graphql.csrf",
            "graphql.errors",
            "graphql.access",
        ],
        &env,
        &scratch.path().join("run.json"),
    );
    let status = |id: &str| {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    // init writes staging: schema exposure is a WARN there.
    assert_eq!(status("graphql.schema-exposure"), "WARN", "{report}");
    assert_eq!(status("graphql.csrf"), "FAIL", "{report}");
    assert_eq!(status("graphql.errors"), "FAIL", "{report}");
    // Its operation is a suggestion until the user gives its ids.
    assert_eq!(status("graphql.access"), "SKIP", "{report}");
}

/// With two logins, `init --url --probe` measures what the suggestion needed: the plural
/// of the script's `invoice(id: $id)`, `{ invoices { id } }`, shows each identity an id of
/// its own, so the operation is written live beside that list (graphql.access takes each
/// identity's id from its own answer); the sign-in mutation the page's script sends
/// becomes `[graphql.login]`, tried with a wrong password; the endpoint is the graphql
/// family's, not a `[[routes]]` entry. The profile validates as written and reaches the
/// hand-written profile's verdicts on access, the login burst, CORS, the bundle and the
/// auth checks (which neither profile gives a REST route), and on CSRF, errors and limits.
#[test]
fn init_with_probe_reaches_the_hand_written_verdicts() {
    for variant in ["wrong", "right"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let child = start("apollo", variant);
        let port = child.port("port");
        let url = format!("http://127.0.0.1:{port}/");
        let out = scratch.path().join("init.toml");
        // Two logins are all the user gives: the identities sign in with the page's own
        // sign-in mutation.
        let env = LOGINS;
        let text = crate::support::init_profile(&["--url", &url, "--probe"], &env, &out);
        assert!(
            text.contains("[identities.alice.login]\npath = \"/graphql\"\njson = { query = \"mutation")
                && text.contains("variables = { email = \"${ALICE_USER}\", password = \"${ALICE_PASSWORD}\" } }\ntoken_pointer = \"/data/login/token\""),
            "{variant}: {text}"
        );
        assert!(
            text.contains(
                "query = \"{ invoices { id } }\"\nids = { invoice_id = \"/data/invoices/0/id\" }"
            ) && text.contains("variables = { id = \"{invoice_id}\" }"),
            "{variant}: {text}"
        );
        assert!(
            text.contains("[graphql.login]\nfield = \"login\"\narguments = { email = \"launch-audit-nobody@acme.test\", password = \"not-the-password\" }\nselection = \"token\"")
                && !text.lines().any(|line| line == "[[routes]]"),
            "{variant}: {text}"
        );
        let hand = profile("apollo", variant, port);
        reaches_the_hand_written_verdicts(&out, &hand, variant, variant, &env, scratch.path());
    }
}

/// GraphQL Yoga serves no page and no spec: init finds its endpoint at the usual path (it
/// answers `{__typename}`) and reads the schema from what the server hands out (wrong:
/// introspection); where introspection is refused (right), it recovers the schema from the
/// server's validation errors, asking common names in documents that never execute; with
/// the app's own SDL (`--graphql-schema`) it reads the whole of it. From the schema: the
/// sign-in mutation, each root field read by one id with where each identity is shown an
/// id of its own (`invoices`, `me { org }`), the search given text from alice's own
/// records, and the field that serves strangers exactly what it serves both identities
/// (`posts`, public); the identities sign in with that mutation, so two logins are all the
/// user gives. Each profile validates as written and reaches the hand-written profile's
/// verdicts.
#[test]
fn init_finds_an_endpoint_no_page_names_and_reads_its_schema() {
    let sdl = stacks_dir().join("graphql/schema.graphql");
    let sdl = sdl.to_str().expect("path");
    for (variant, with_sdl, how) in [
        ("wrong", false, "its schema was read by introspection"),
        (
            "right",
            false,
            "the schema was recovered from its validation errors",
        ),
        ("right", true, "its schema was read from"),
    ] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let child = start("yoga", variant);
        let port = child.port("port");
        let url = format!("http://127.0.0.1:{port}/");
        let env = LOGINS;
        let out = scratch.path().join("init.toml");
        let mut args = vec!["--url", &url, "--probe"];
        if with_sdl {
            args.extend(["--graphql-schema", sdl]);
        }
        let text = crate::support::init_profile(&args, &env, &out);
        let case = format!("{variant} {}", if with_sdl { "with its SDL" } else { "" });
        for expected in [
            how,
            "[identities.mallory.login]\npath = \"/graphql\"\njson = { query = \"mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }\", variables = { email = \"${MALLORY_USER}\", password = \"${MALLORY_PASSWORD}\" } }\ntoken_pointer = \"/data/login/token\"",
            "public_fields = [\"posts\"]",
            "[graphql.login]\nfield = \"login\"\narguments = { email = \"launch-audit-nobody@acme.test\", password = \"not-the-password\" }\nselection = \"token\"",
            "query = \"{ invoices { id } }\"\nids = { invoice_id = \"/data/invoices/0/id\" }",
            "query = \"{ me { org { id } } }\"\nids = { org_id = \"/data/me/org/id\" }",
            "query = \"query($id: ID!) { org(id: $id) { id name } }\"\nvariables = { id = \"{org_id}\" }",
            // The search, given text from one of alice's own records (her org, her invoice).
            "name = \"search\"\nquery = \"query($term: String!) { search(term: $term) { id title amount } }\"\nvariables = { term = \"acme",
        ] {
            assert!(text.contains(expected), "{case}: {expected}\n{text}");
        }
        let hand = profile("yoga", variant, port);
        reaches_the_hand_written_verdicts(&out, &hand, variant, &case, &env, scratch.path());
    }
}

/// The profile init wrote at `out` validates as written and gives the `hand`-written
/// profile's verdicts on [`PARITY`]; access and the login burst FAIL on the wrong server
/// and PASS on the right one.
fn reaches_the_hand_written_verdicts(
    out: &std::path::Path,
    hand: &str,
    variant: &str,
    case: &str,
    env: &[(&str, &str)],
    dir: &std::path::Path,
) {
    let text = std::fs::read_to_string(out).expect("init's profile");
    let validate = launch_audit(&["validate", "-c", out.to_str().expect("path")], env);
    assert_eq!(validate.status.code(), Some(0), "{case}: {text}");
    let from_init = run_checks(out, PARITY, env, &dir.join("from-init.json"));
    let hand_path = dir.join("hand.toml");
    std::fs::write(&hand_path, hand).expect("profile");
    let hand = run_checks(&hand_path, PARITY, env, &dir.join("hand.json"));
    for check in PARITY {
        assert_eq!(
            crate::support::status_of(&from_init, check),
            crate::support::status_of(&hand, check),
            "{case} {check}: from init {:#}\nby hand {:#}\n{text}",
            crate::support::result(&from_init, check),
            crate::support::result(&hand, check)
        );
    }
    let expected = if variant == "wrong" { "FAIL" } else { "PASS" };
    for check in ["graphql.access", "graphql.login-limit"] {
        assert_eq!(
            crate::support::status_of(&from_init, check),
            expected,
            "{case} {check}: {from_init:#}"
        );
    }
}

/// What init's profile and the hand-written one are compared on. (Not
/// `graphql.schema-exposure`: the hand-written profile states production, where an open
/// schema is a FAIL rather than init's staging WARN.)
const PARITY: &[&str] = &[
    "graphql.access",
    "graphql.login-limit",
    "graphql.csrf",
    "graphql.errors",
    "graphql.limits",
    "cors.origin-policy",
    "secrets.client-bundle",
    "exposure.source-maps",
    "auth.unauthenticated",
    "auth.invalid-token",
    "access.tenant-isolation",
];

/// A stranger whose token the server does not take is refused everything: that refusal of
/// the owner's object is not the owner check, so it is never a PASS.
#[test]
fn a_stranger_who_is_not_signed_in_proves_no_owner_check() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let child = start("apollo", "right");
    let text = profile("apollo", "right", child.port("port"));
    // mallory presents a token the app never issued instead of logging in.
    let start = text
        .find("[identities.mallory.login]")
        .expect("mallory's login");
    let end = start + text[start..].find("token_pointer").expect("pointer");
    let end = end + text[end..].find('\n').expect("line end") + 1;
    let text = format!(
        "{}token = \"not-a-session\"\n{}",
        &text[..start],
        &text[end..]
    );
    let path = scratch.path().join("audit.toml");
    std::fs::write(&path, &text).expect("profile");
    let report = run_checks(
        &path,
        &["graphql.access"],
        &LOGINS,
        &scratch.path().join("run.json"),
    );
    let access = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == "graphql.access")
        .expect("graphql.access");
    let lines: Vec<&serde_json::Value> = access["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter(|o| {
            o["subject"]
                .as_str()
                .is_some_and(|s| s.contains("as mallory"))
        })
        .collect();
    assert!(!lines.is_empty(), "{access}");
    for line in lines {
        assert_eq!(line["status"], "INFO", "{line}");
    }
}

/// A route whose body is a GraphQL document: literal braces written `{{` and `}}` beside a
/// tenant placeholder, a POST stated to only read (`reads = true`), so the route checks
/// probe it like a GET, without `allow_writes`, on production. On Yoga, wrong answers
/// `org(id)` to a stranger and to the other tenant; right refuses both with an error in
/// `errors` (`[auth] error_pointer`), after serving the owner.
#[test]
fn a_graphql_query_declared_as_a_route_is_probed_like_a_get() {
    for (variant, expected) in [("wrong", "FAIL"), ("right", "PASS")] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let child = start("yoga", variant);
        let text = format!(
            r#"{}
[auth]
error_pointer = "/errors"

[[routes]]
name = "an org, by a GraphQL query"
method = "POST"
path = "/graphql"
auth = "required"
reads = true
body = {{ query = "{{{{ org(id: \"{{org_id}}\") {{{{ name }}}} }}}}" }}
"#,
            profile("yoga", variant, child.port("port"))
        );
        let path = scratch.path().join("audit.toml");
        std::fs::write(&path, &text).expect("profile");
        let checks = ["auth.unauthenticated", "access.tenant-isolation"];
        let report = run_checks(&path, &checks, &LOGINS, &scratch.path().join("run.json"));
        for check in checks {
            let result = crate::support::result(&report, check);
            assert_eq!(result["status"], expected, "{variant} {check}: {result}");
            assert!(
                result.to_string().contains("POST /graphql"),
                "{variant} {check} sent the route: {result}"
            );
        }
    }
}

/// A `[[rate_limits]]` entry naming a GraphQL mutation: its limiter answers 200 with an
/// error (`RATE_LIMITED`), which `limit_errors` names. Right Yoga limits logins per
/// e-mail and is seen to at attempt 6 (a WARN only because its answer does not say when
/// to come back: no Retry-After); wrong counts HTTP requests against an allowance the
/// burst stays under (FAIL).
#[test]
fn a_rate_limit_on_a_login_mutation_reads_the_limiter_in_errors() {
    const LOGIN: &str = r#"body = { query = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }", variables = { e = "burst@acme.test", p = "not-the-password" } }"#;
    for (variant, expected) in [("wrong", "FAIL"), ("right", "WARN")] {
        let result = login_burst(variant, LOGIN);
        assert_eq!(result["status"], expected, "{variant}: {result}");
        let limited = result
            .to_string()
            .contains("limited at attempt 6 of at most 6 (200 with a limit error");
        assert_eq!(limited, variant == "right", "{variant}: {result}");
    }
    // A document the server refuses before running it (no `data`) never judged a password:
    // the burst proves nothing, an ERROR, not the wrong server's FAIL.
    let result = login_burst(
        "wrong",
        r#"body = { query = "mutation { logn(email: \"burst@acme.test\", password: \"x\") { token } }" }"#,
    );
    assert_eq!(result["status"], "ERROR", "{result}");
    assert!(result.to_string().contains("malformed"), "{result}");
}

/// `ratelimit.graphql-login` on Yoga's `variant`, its burst sending `body` (a TOML line)
/// and reading the limiter in `errors`: the check's result.
fn login_burst(variant: &str, body: &str) -> serde_json::Value {
    let scratch = tempfile::tempdir().expect("temp dir");
    let child = start("yoga", variant);
    let text = format!(
        "{}\n[[rate_limits]]\nname = \"graphql-login\"\npath = \"/graphql\"\n{body}\nlimit_errors = [\"RATE_LIMITED\"]\nmax_attempts = 6\nburst = 10\n",
        profile("yoga", variant, child.port("port"))
    );
    let path = scratch.path().join("audit.toml");
    std::fs::write(&path, &text).expect("profile");
    let report = run_checks(
        &path,
        &["ratelimit.graphql-login"],
        &LOGINS,
        &scratch.path().join("run.json"),
    );
    crate::support::result(&report, "ratelimit.graphql-login").clone()
}

/// `check` run on `server`'s `variant` with a profile that declares nothing but the
/// target: (its port, the report).
fn audit_undeclared(server: &str, variant: &str, check: &str) -> (u16, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let child = start(server, variant);
    let port = child.port("port");
    let path = scratch.path().join("audit.toml");
    std::fs::write(
        &path,
        format!(
            "[target]\nname = \"{server}-{variant}, nothing declared\"\nbase_url = \"http://127.0.0.1:{port}/\"\nenvironment = \"staging\"\n"
        ),
    )
    .expect("profile");
    let report = run_checks(&path, &[check], &[], &scratch.path().join("run.json"));
    (port, report)
}

/// With nothing declared, the queries the app's own page carries name the fields the
/// suggestion probe misspells (Apollo's page asks `invoice`), before any guessed name and
/// before the schema introspection may hand out (staging: a suggestion is a WARN).
#[test]
fn the_pages_own_queries_name_the_fields_suggestions_are_asked_about() {
    for (variant, expected) in [("wrong", "WARN"), ("right", "PASS")] {
        let (port, report) = audit_undeclared("apollo", variant, "graphql.schema-exposure");
        let subject =
            format!("field suggestions at http://127.0.0.1:{port}/graphql ({{ invoic }})");
        let result = crate::support::result(&report, "graphql.schema-exposure");
        let line = result["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .find(|o| o["subject"] == subject.as_str())
            .unwrap_or_else(|| panic!("apollo/{variant}: no `{subject}` line: {result}"));
        assert_eq!(line["status"], expected, "apollo/{variant}: {line}");
    }
}

/// Ids measured, never guessed: with no `invoice_id` in `[tenants.*]`, each identity's own
/// `invoices` answer gives its own (`ids`), and the owner check on `invoice(id:)` and on
/// the rename mutation is judged as with declared ids.
#[test]
fn ids_come_from_each_identitys_own_answers() {
    for variant in ["wrong", "right"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let child = start("yoga", variant);
        let text = profile("yoga", variant, child.port("port"))
            .replace("invoice_id = \"10\"\n", "")
            .replace("invoice_id = \"20\"\n", "")
            + "\n[[graphql.operations]]\nname = \"my invoices\"\nquery = \"{ invoices { id } }\"\nids = { invoice_id = \"/data/invoices/0/id\" }\n";
        assert!(!text.contains("invoice_id = \"10\""), "{text}");
        let path = scratch.path().join("audit.toml");
        std::fs::write(&path, &text).expect("profile");
        let report = run_checks(
            &path,
            &["graphql.access"],
            &LOGINS,
            &scratch.path().join("run.json"),
        );
        // Every graphql.access item of the matrix (the other checks did not run), among
        // them `invoice by id` and `rename an invoice` as mallory.
        let off: Vec<String> = items_off(&report, variant, &[])
            .into_iter()
            .filter(|line| line.starts_with(&format!("{variant} graphql.access")))
            .collect();
        assert!(off.is_empty(), "yoga/{variant}: {off:?}");
    }
}

/// With nothing declared, a field strangers may ask is learnt rather than named: on the
/// wrong Apollo the page's `invoice` needs an id, so the server's own suggestions name
/// `posts`, which executes with no login and is aliased 100 times; the right one suggests
/// nothing, and the alias probe says it has no field to judge with.
#[test]
fn a_public_field_is_learnt_from_the_servers_suggestions() {
    for (variant, subject, expected) in [
        ("wrong", "100 aliases of `posts { __typename }`", "FAIL"),
        ("right", "100 aliases at", "INFO"),
    ] {
        let (_, report) = audit_undeclared("apollo", variant, "graphql.limits");
        let off: Vec<String> = items_off(
            &report,
            variant,
            &[("graphql.limits", subject, expected, expected)],
        )
        .into_iter()
        .filter(|line| line.starts_with(&format!("{variant} graphql.limits {subject}:")))
        .collect();
        let result = crate::support::result(&report, "graphql.limits");
        assert!(off.is_empty(), "apollo/{variant}: {off:?}\n{result}");
    }
}

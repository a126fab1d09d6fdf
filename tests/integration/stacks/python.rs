//! Flask 3 with flask-cors on Werkzeug's server (PyPI, pinned by
//! tests/stacks/python/requirements.txt, in a virtualenv under the build directory), in the
//! variants `tests/stacks/python/app.py` describes.

use std::path::Path;
use std::process::Command;

use super::{Child, PLANTED_KEY, audit, cases_of, checks_of, matrix, off_the_matrix, stacks_dir};

fn start(variant: &str, dir: &Path) -> Child {
    let python = stacks_dir().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `scripts/test`, which installs the PyPI packages the tests drive",
        python.display()
    );
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/python/app.py");
    let project = dir.join("project");
    let mut command = Command::new(python);
    command.arg(app).arg(variant).arg(&project);
    Child::start(command, &format!("flask ({variant})"))
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
    let mut wrong = Vec::new();
    for (variant, cases) in &cases_of(&matrix(), "flask") {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start(variant, scratch.path());
        let name = format!("flask-{variant}");
        let report = audit(
            &name,
            &profile(variant, &server),
            &checks_of(cases),
            scratch.path(),
        );
        wrong.extend(off_the_matrix("flask", variant, cases, &report));
        let text = report.to_string();
        assert!(!text.contains(PLANTED_KEY), "the planted key is masked");
        for name in ["alice", "mallory"] {
            let token = server.text(&format!("/tokens/{name}"));
            assert!(!text.contains(token), "{name}'s token is redacted");
        }
    }
    assert!(
        wrong.is_empty(),
        "verdicts off the matrix:\n{}",
        wrong.join("\n")
    );
}

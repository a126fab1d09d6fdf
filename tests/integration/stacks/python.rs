//! Flask 3 with flask-cors on Werkzeug's server (PyPI, pinned by
//! tests/stacks/python/requirements.txt, in a virtualenv under the build directory), in the
//! variants `tests/stacks/python/app.py` describes.

use std::path::Path;
use std::process::Command;

use super::{Child, stacks_dir};

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
    super::meets_the_matrix("flask", start, profile, &["alice", "mallory"]);
}

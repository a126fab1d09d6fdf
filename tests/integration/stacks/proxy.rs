//! nginx as the TLS-terminating reverse proxy in front of an app (a second nginx server
//! block answering JSON per bearer token), with names (`acme.test`, `www.acme.test`) served
//! by a DNS server the test starts, and a minted chain. Variants:
//!
//! - `proxy-right`: http → https, www → apex, HSTS, security headers repeated where a
//!   location adds its own, the whole chain sent, /api/ answers passed through uncached;
//!   the page's http:// logo upgraded by `upgrade-insecure-requests`.
//! - `proxy-wrong`: the mistakes nginx users make: the app also served over http, www served
//!   as a second site, no HSTS, a `location /` whose own `add_header` silently drops the
//!   server's security headers, /api/ cached by nginx under a key without the caller, and
//!   an analytics script over http:// on the https page, and an access log format that
//!   records the Authorization header.
//! - `proxy-loop`: www → apex and apex → www.
//! - `proxy-chain`: right, but `ssl_certificate` names the leaf without its intermediate.

use std::net::Ipv4Addr;

use fixtures::dns_map::{MapDnsServer, RecordMap};
use hickory_proto::rr::RData;
use hickory_proto::rr::rdata::A;

use super::nginx::Nginx;
use super::{audit, cases_of, checks_of, free_port, off_the_matrix};

/// Tokens the upstream app knows (nginx `map`s them to users).
const ALICE: &str = "proxy-alice-token-0123456789";
const MALLORY: &str = "proxy-mallory-token-0123456789";

struct Ports {
    http: u16,
    https: u16,
    upstream: u16,
}

/// Headers every HTML answer carries; a file so that a location can include it again.
const SECURITY_HEADERS: &str = "add_header X-Content-Type-Options nosniff always;
add_header X-Frame-Options DENY always;
add_header Referrer-Policy strict-origin-when-cross-origin always;
add_header Content-Security-Policy \"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'\" always;
";
const HSTS: &str =
    "add_header Strict-Transport-Security \"max-age=63072000; includeSubDomains\" always;\n";

fn conf(root: &std::path::Path, variant: &str, ports: &Ports) -> String {
    let preamble = super::nginx::preamble(root);
    let root_s = root.display();
    let Ports {
        http,
        https,
        upstream,
    } = ports;
    let wrong = variant == "proxy-wrong";
    let log_format = if wrong { "leaky" } else { "clean" };
    let certificate = if variant == "proxy-chain" {
        "leaf.pem"
    } else {
        "fullchain.pem"
    };
    let tls =
        format!("ssl_certificate {root_s}/{certificate}; ssl_certificate_key {root_s}/key.pem;");
    let site = |extra: &str| {
        format!(
            "root {root_s}/www;
        location / {{
            # index.html must be revalidated after each deploy.
            add_header Cache-Control no-cache;
            {extra}
            try_files $uri /index.html;
        }}
        location /api/ {{
            proxy_pass http://127.0.0.1:{upstream};
            {api}
        }}
        location = /healthz {{ proxy_pass http://127.0.0.1:{upstream}; }}",
            api = if wrong {
                // A "micro-cache" for the API, keyed on the URL alone.
                "proxy_cache api; proxy_cache_valid 200 10m;
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
            proxy_hide_header Cache-Control;
            add_header Cache-Control \"public, max-age=600\";
            add_header X-Cache-Status $upstream_cache_status;"
            } else {
                ""
            }
        )
    };
    let (plain, www, apex) = match variant {
        "proxy-wrong" => (
            site(""),
            format!("{tls} {}", site("")),
            format!("{tls} include {root_s}/security-headers.conf; {}", site("")),
        ),
        "proxy-loop" => (
            format!("return 301 https://acme.test:{https}$request_uri;"),
            format!("{tls} return 301 https://acme.test:{https}$request_uri;"),
            format!("{tls} return 301 https://www.acme.test:{https}$request_uri;"),
        ),
        _ => (
            // To https on the same host first, so the host's own HSTS is set.
            format!("return 301 https://$host:{https}$request_uri;"),
            format!("{tls} {HSTS} return 301 https://acme.test:{https}$request_uri;"),
            format!(
                "{tls} include {root_s}/security-headers.conf; {}",
                // add_header in a location replaces the server's: include them again.
                site(&format!("include {root_s}/security-headers.conf;"))
            ),
        ),
    };
    format!(
        "{preamble}    proxy_cache_path {root_s}/cache keys_zone=api:1m;
    types {{ text/html html; application/javascript js; }}
    default_type application/octet-stream;
    gzip on;
    gzip_proxied any;
    gzip_min_length 0;
    gzip_types application/json application/javascript;
    # proxy-wrong logs the Authorization header (\"to debug auth problems\"); the
    # others log the path without its query string.
    log_format leaky '$remote_addr \"$request\" $status \"$http_authorization\"';
    log_format clean '$remote_addr \"$request_method $uri\" $status';
    map $http_authorization $api_user {{
        \"Bearer {ALICE}\" alice;
        \"Bearer {MALLORY}\" mallory;
        default \"\";
    }}
    # The app behind the proxy.
    server {{
        listen 127.0.0.1:{upstream};
        default_type application/json;
        location = /healthz {{ return 200 '{{\"status\":\"ok\",\"db\":\"up\"}}'; }}
        location = /api/me {{
            if ($api_user = \"\") {{ return 401 '{{\"error\":\"authentication required\"}}'; }}
            add_header Cache-Control \"private, no-store\" always;
            return 200 '{{\"data\":{{\"user\":\"$api_user\",\"email\":\"$api_user@$api_user.test\"}}}}';
        }}
        location / {{ return 404 '{{\"error\":\"not found\"}}'; }}
    }}
    server {{
        listen 127.0.0.1:{http};
        server_name acme.test www.acme.test;
        {plain}
    }}
    server {{
        listen 127.0.0.1:{https} ssl;
        server_name www.acme.test;
        {www}
    }}
    server {{
        listen 127.0.0.1:{https} ssl default_server;
        server_name acme.test;
        access_log {root_s}/logs/site.log {log_format};
        {apex}
    }}
}}
"
    )
}

struct Proxy {
    _nginx: Nginx,
    _dns: MapDnsServer,
    dns: std::net::SocketAddr,
    ports: Ports,
}

fn start(variant: &str) -> Proxy {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    for sub in ["www", "tmp", "logs", "cache"] {
        std::fs::create_dir_all(root.join(sub)).expect("nginx dirs");
    }
    let chain = fixtures::tls::mint_pem_chain(&["acme.test", "www.acme.test"]).expect("a chain");
    let leaf_end = chain.chain_pem[1..]
        .find("-----BEGIN CERTIFICATE-----")
        .map_or(chain.chain_pem.len(), |i| i + 1);
    std::fs::write(root.join("fullchain.pem"), &chain.chain_pem).expect("fullchain.pem");
    std::fs::write(root.join("leaf.pem"), &chain.chain_pem[..leaf_end]).expect("leaf.pem");
    std::fs::write(root.join("key.pem"), &chain.key_pem).expect("key.pem");
    std::fs::write(root.join("ca.pem"), &chain.root_pem).expect("ca.pem");
    let headers = if variant == "proxy-wrong" {
        SECURITY_HEADERS.to_string()
    } else {
        // The logo still comes from an http:// URL: the policy has browsers upgrade it.
        let upgrading = SECURITY_HEADERS.replace(
            "frame-ancestors 'none'",
            "frame-ancestors 'none'; upgrade-insecure-requests",
        );
        format!("{upgrading}{HSTS}server_tokens off;\n")
    };
    std::fs::write(root.join("security-headers.conf"), headers).expect("headers");
    std::fs::write(
        root.join("www/index.html"),
        // An old template: its analytics script (proxy-wrong only) and logo over http.
        format!(
            "<!doctype html><html><head><title>Acme</title>{}</head>\
             <body><img src=\"http://static.acme.test/logo.png\">Acme</body></html>\n",
            if variant == "proxy-wrong" {
                "<script src=\"http://static.acme.test/analytics.js\"></script>"
            } else {
                ""
            }
        ),
    )
    .expect("index.html");
    let ports = Ports {
        http: free_port(),
        https: free_port(),
        upstream: free_port(),
    };
    let mut records = RecordMap::new();
    for name in ["acme.test", "www.acme.test"] {
        records
            .add(name, RData::A(A(Ipv4Addr::LOCALHOST)))
            .expect("record");
    }
    let dns = MapDnsServer::start(records).expect("DNS server starts");
    let conf = conf(root, variant, &ports);
    let https = ports.https;
    Proxy {
        _nginx: Nginx::launch(dir, &conf, https, variant),
        dns: dns.addr(),
        _dns: dns,
        ports,
    }
}

fn profile(variant: &str, proxy: &Proxy) -> String {
    let Ports { http, https, .. } = proxy.ports;
    let ca = proxy._nginx.dir().join("ca.pem");
    format!(
        r#"[target]
name = "nginx reverse proxy ({variant})"
base_url = "https://acme.test:{https}/"
entry_points = ["http://acme.test:{http}", "http://www.acme.test:{http}", "https://www.acme.test:{https}"]
canonical = "https://acme.test:{https}"
environment = "staging"
has_no = ["webhooks", "ai_endpoints"]

[network]
nameservers = ["{dns}"]
ca_file = "{ca}"
timeout = "5s"

[health]
path = "/healthz"

[identities.alice]
token = "{ALICE}"
tenant = "acme"

[identities.mallory]
token = "{MALLORY}"
tenant = "globex"

[tenants.acme]
name = "acme"

[tenants.globex]
name = "globex"

[[routes]]
name = "current user"
path = "/api/me"
auth = "required"

[logs]
files = ["{logs}/*.log"]
# The same site log read as a command's output, as `docker logs` would give it.
command = "tail -n 1000 {logs}/site.log"
"#,
        dns = proxy.dns,
        ca = ca.display(),
        logs = proxy._nginx.dir().join("logs").display(),
    )
}

#[test]
fn nginx_proxy_variants_meet_the_verdict_matrix() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut wrong = Vec::new();
    for (variant, cases) in &cases_of("nginx-proxy") {
        let proxy = start(variant);
        let report = audit(
            variant,
            &profile(variant, &proxy),
            &checks_of(cases),
            scratch.path(),
        );
        wrong.extend(off_the_matrix("nginx-proxy", variant, cases, &report));
        super::the_same_again(
            &format!("nginx-proxy/{variant}"),
            variant,
            &profile(variant, &proxy),
            cases,
            scratch.path(),
            &report,
        );
        if variant == "proxy-chain" {
            let causes = report["causes"].as_array().expect("causes");
            assert!(
                causes.len() == 1
                    && causes[0]
                        .as_str()
                        .unwrap_or("")
                        .contains("failed certificate verification"),
                "the broken chain is said once, as the cause: {causes:?}"
            );
        }
        if variant == "proxy-right" {
            let mixed = report["results"]
                .as_array()
                .and_then(|results| results.iter().find(|r| r["id"] == "tls.mixed-content"));
            assert!(
                mixed.is_some_and(|r| r.to_string().contains("upgraded to https")),
                "the upgrade is what made the page pass, and the report says so: {mixed:?}"
            );
        }
        let text = report.to_string();
        assert!(
            !text.contains(ALICE) && !text.contains(MALLORY),
            "tokens are redacted"
        );
    }
    assert!(
        wrong.is_empty(),
        "verdicts off the matrix:\n{}",
        wrong.join("\n")
    );
}

/// nginx as a plain reverse proxy in front of an app on `port`, the way a first deploy
/// puts it there: stock connection handling (HTTP/1.0 to the app, no upstream keep-alive,
/// `keepalive_timeout` 75 s to clients) but only 32 worker connections, sixteen proxied
/// requests at once, TLS with the app's
/// own certificate when the profile speaks https (`cert.pem`, `key.pem` in `dir`), and the
/// app's own `Server` header passed through (with nginx's version off) so the banner check
/// judges the app, not the proxy.
pub(super) fn in_front(profile: &str, port: u16, dir: &std::path::Path) -> Nginx {
    let tls = profile.contains(&format!("https://127.0.0.1:{port}/"));
    let root = tempfile::tempdir().expect("temp dir");
    for sub in ["tmp", "logs"] {
        std::fs::create_dir_all(root.path().join(sub)).expect("nginx dirs");
    }
    let listen_port = free_port();
    let (listen, scheme) = if tls {
        (
            format!(
                "listen 127.0.0.1:{listen_port} ssl; ssl_certificate {0}/cert.pem; ssl_certificate_key {0}/key.pem;",
                dir.display()
            ),
            "https",
        )
    } else {
        (format!("listen 127.0.0.1:{listen_port};"), "http")
    };
    let conf = format!(
        "{preamble}    server_tokens off;
    server {{
        {listen}
        location / {{
            proxy_pass {scheme}://127.0.0.1:{port};
            proxy_set_header Host $http_host;
            proxy_pass_header Server;
        }}
    }}
}}
",
        // Fewer worker connections than stock (256), so an audit that opened one connection
        // per probe (two each through the proxy) would overflow it: the per-origin cap must
        // keep the verdicts whole.
        preamble = super::nginx::preamble(root.path())
            .replace("worker_connections 256;", "worker_connections 32;"),
    );
    Nginx::launch(root, &conf, listen_port, "in front")
}

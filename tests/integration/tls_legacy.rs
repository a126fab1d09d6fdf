//! The TLS 1.0/1.1 probe against a real legacy-capable server: Debian's `openssl s_server`
//! with the old versions and ciphers enabled (and a 1024-bit RSA, SHA-1 certificate), and a
//! second one with them disabled. Our answers must agree with `openssl s_client` on the
//! same ports. `.ci/run` installs openssl where it is missing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fixtures::Mode;
use launch_audit::net::Dns;
use launch_audit::net::legacy_tls::{self, Legacy, Reply};
use launch_audit::net::tls::{self, Offer};

use crate::support::{Setup, evidence, read_json};

const OPENSSL_MISSING: &str = "openssl is needed (Debian package openssl; .ci/run installs it)";

/// An `openssl s_server` on an ephemeral loopback port; killed when dropped.
struct OpensslServer {
    child: Child,
    port: u16,
}

impl OpensslServer {
    fn start(dir: &std::path::Path, extra: &[&str]) -> OpensslServer {
        let mut child = Command::new("openssl")
            .current_dir(dir)
            .args([
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-cert",
                "cert.pem",
                "-key",
                "key.pem",
            ])
            .args(["-cipher", "ALL:@SECLEVEL=0", "-www"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(OPENSSL_MISSING);
        // s_server prints `ACCEPT 127.0.0.1:PORT` once it listens.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = lines
            .by_ref()
            .take(5)
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("ACCEPT 127.0.0.1:")?.trim().parse().ok())
            .expect("s_server says where it listens");
        // Keep reading what it logs, so it never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        OpensslServer { child, port }
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate with the flaws a legacy server tends to have.
fn legacy_certificate(dir: &std::path::Path) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(["req", "-x509", "-newkey", "rsa:1024", "-sha1", "-nodes"])
        .args(["-keyout", "key.pem", "-out", "cert.pem", "-days", "30"])
        .args([
            "-subj",
            "/CN=app.acme.test",
            "-addext",
            "subjectAltName=DNS:app.acme.test",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect(OPENSSL_MISSING);
    assert!(status.success(), "openssl req");
}

/// Whether `openssl s_client -<flag>` completes a handshake on `port`.
fn openssl_accepts(port: u16, flag: &str) -> bool {
    let output = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), flag])
        .args(["-cipher", "ALL:@SECLEVEL=0"])
        .stdin(Stdio::null())
        .output()
        .expect(OPENSSL_MISSING);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("New, "),
        "s_client printed its summary: {text}"
    );
    !text.contains("Cipher is (NONE)")
}

/// Our answer for each version on `port`: `[1.3, 1.2, 1.1, 1.0]`.
fn ours(port: u16) -> [bool; 4] {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Only IP literals are used: this resolver is never asked anything.
        let dns = Dns::new(&["127.0.0.1:9".parse().unwrap()], Duration::from_secs(5)).unwrap();
        let timeout = Duration::from_secs(5);
        let modern = |offer| {
            let dns = &dns;
            async move {
                tls::handshake(dns, "127.0.0.1", port, timeout, offer)
                    .await
                    .unwrap()
                    .version
                    .is_some()
            }
        };
        let legacy = |version| {
            let dns = &dns;
            async move {
                match legacy_tls::probe(dns, "127.0.0.1", port, version, timeout)
                    .await
                    .unwrap()
                {
                    Reply::Accepted => true,
                    Reply::Refused(_) => false,
                    Reply::Unrecognised(what) => panic!("unrecognised answer: {what}"),
                }
            }
        };
        [
            modern(Offer::Tls13Only).await,
            modern(Offer::Tls12Only).await,
            legacy(Legacy::Tls11).await,
            legacy(Legacy::Tls10).await,
        ]
    })
}

#[test]
fn legacy_probe_agrees_with_openssl_on_the_same_ports() {
    let dir = tempfile::tempdir().unwrap();
    legacy_certificate(dir.path());
    let legacy = OpensslServer::start(dir.path(), &[]);
    let modern = OpensslServer::start(dir.path(), &["-no_tls1", "-no_tls1_1"]);
    let flags = ["-tls1_3", "-tls1_2", "-tls1_1", "-tls1"];

    for (server, expected) in [
        (&legacy, [true, true, true, true]),
        (&modern, [true, true, false, false]),
    ] {
        let openssl: Vec<bool> = flags
            .iter()
            .map(|f| openssl_accepts(server.port, f))
            .collect();
        assert_eq!(openssl, expected, "openssl s_client on :{}", server.port);
        assert_eq!(
            ours(server.port).to_vec(),
            openssl,
            "our probe on :{} agrees with openssl",
            server.port
        );
    }
}

#[test]
fn audit_fails_a_legacy_server_on_protocols_key_and_signature() {
    let dir = tempfile::tempdir().unwrap();
    legacy_certificate(dir.path());
    let server = OpensslServer::start(dir.path(), &[]);
    let port = server.port;
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        text.replacen(
            "[tls]\nhosts = []",
            &format!("[tls]\nhosts = [\"https://app.acme.test:{port}\"]"),
            1,
        )
    });
    let json = setup.path("legacy.json");
    let output = setup.run(&[
        "--only",
        "tls.protocols",
        "--only",
        "tls.certificate",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = read_json(&json);
    let on_legacy = |id: &str| -> (String, String) {
        let (status, _, detail) = evidence(&report, id)
            .into_iter()
            .find(|(_, subject, _)| *subject == format!("app.acme.test:{port}"))
            .unwrap_or_else(|| panic!("{id} looked at the openssl server"));
        (status, detail)
    };
    let (status, detail) = on_legacy("tls.protocols");
    assert_eq!(status, "FAIL");
    assert!(
        detail.starts_with("TLS 1.1 and TLS 1.0 still accepted"),
        "{detail}"
    );
    let (status, detail) = on_legacy("tls.certificate");
    assert_eq!(status, "FAIL");
    for problem in [
        "self-signed",
        "a 1024-bit RSA key (needs ≥ 2048)",
        "signed with SHA-1 with RSA",
    ] {
        assert!(detail.contains(problem), "{problem} in {detail}");
    }
}

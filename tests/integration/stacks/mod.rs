//! Real stacks as targets: each variant of a real server (nginx from Debian's package, as
//! origin and as TLS reverse proxy; Express from npm; Flask from PyPI) is started on
//! loopback by the test, audited by the real binary, and every check in a `[[case]]` of
//! `tests/verdicts.toml` must reach the status the case records for it.
//! `scripts/test` installs the servers; a missing one fails here, it never skips.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::verdicts::{Case, cases};

mod baas;
mod baas_parity;
mod directus;
pub(super) mod discovered;
mod express;
mod graphql;
mod kinto;
mod mail;
mod nginx;
mod proxy;
mod python;
mod ready;

/// A Stripe live key that no Stripe account holds (secret-shaped, for the scan only); the
/// Express and Flask apps plant the same one.
const PLANTED_KEY: &str = "sk_live_LaunchAuditPlanted0000000000000";

/// Where `scripts/test` installs the stacks' registry packages (npm, PyPI): under the build
/// directory, never in the source tree.
fn stacks_dir() -> PathBuf {
    std::env::var_os("LAUNCH_AUDIT_STACKS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/stacks"))
}

/// A minted chain for `hosts` written into `dir` as the stacks read it: `cert.pem` (the
/// chain), `key.pem`, and its root as `ca.pem` for the profile's `ca_file`.
fn write_tls_chain(dir: &std::path::Path, hosts: &[&str]) {
    let chain = fixtures::tls::mint_pem_chain(hosts).expect("a chain");
    std::fs::write(dir.join("cert.pem"), &chain.chain_pem).expect("cert.pem");
    std::fs::write(dir.join("key.pem"), &chain.key_pem).expect("key.pem");
    std::fs::write(dir.join("ca.pem"), &chain.root_pem).expect("ca.pem");
}

/// A loopback port for a program the test starts, free when this returns. It is taken
/// outside the kernel's ephemeral range (`ip_local_port_range`), which every outgoing
/// connection draws its local port from: a port handed to a server that binds it seconds
/// later (nginx, after the app behind it is up) cannot meanwhile become some test's client
/// connection, as a port the kernel handed out could (`bind(): Address already in use`).
/// Each port is handed out once per run.
fn free_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut bounds = text.split_whitespace().map(|n| n.parse::<u32>().ok());
            Some((bounds.next()??, bounds.next()??))
        })
        .unwrap_or((32768, 60999));
    let (start, end) = if range.0 > 12_000 {
        (10_000, range.0)
    } else {
        (range.1 + 1, 65_536)
    };
    let span = end.saturating_sub(start).max(1);
    // Spread concurrent test binaries apart; within one, a counter.
    let offset = std::process::id() % span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let port = u16::try_from(start + (offset + n) % span).expect("a port");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port outside the ephemeral range {range:?}")
}

fn find_program(name: &str, places: &[&str]) -> PathBuf {
    for place in places {
        let path = Path::new(place).join(name);
        if path.exists() {
            return path;
        }
    }
    panic!(
        "{name} is not installed: run `scripts/test`, which installs the servers the tests drive"
    );
}

/// A server process the test started (node, python): it prints one JSON line once it
/// listens, and exits when its stdin closes; dropping this closes it and reaps the process.
struct Child {
    process: std::process::Child,
    /// What the server printed once it was listening.
    ready: serde_json::Value,
}

impl Child {
    fn start(mut command: Command, what: &str) -> Child {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut process = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
        let stdout = process.stdout.take().expect("stdout");
        let mut line = String::new();
        // The line comes once the server listens; EOF means it died first.
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the server's ready line");
        if line.trim().is_empty() {
            let _ = process.kill();
            let output = process.wait_with_output().expect("server output");
            panic!(
                "{what} exited before listening: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let ready = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{what} printed {line:?}, not its ready line: {e}"));
        Child { process, ready }
    }

    fn port(&self, key: &str) -> u16 {
        self.ready[key]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or_else(|| panic!("the ready line names {key}"))
    }

    fn text(&self, pointer: &str) -> &str {
        self.ready
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("the ready line holds {pointer}"))
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        drop(self.process.stdin.take());
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Audits one running variant with the checks the matrix names; returns the JSON report.
fn audit(name: &str, profile: &str, checks: &[&str], dir: &Path) -> serde_json::Value {
    crate::support::audit_profile(name, profile, checks, dir)
}

/// Each variant of a child-process stack (Express, Flask): started, audited with the
/// matrix's checks, compared; then audited twice more through nginx in front of it, with
/// nginx's stock connection handling (two connections per proxied request, no keep-alive to
/// the app) but 32 worker connections, and both runs must reach the same verdicts, the
/// matrix's. (With 64 requests in flight per origin, about what the audit opened before its
/// per-origin cap, Express and Flask both fall off the matrix behind it.)
/// The planted key and every token the app printed (`tokens`, pointers into its ready
/// line) never appear in a report.
fn meets_the_matrix(
    stack: &str,
    start: impl Fn(&str, &Path) -> Child,
    profile: impl Fn(&str, &Child) -> String,
    tokens: &[&str],
) {
    let mut wrong = Vec::new();
    for (variant, cases) in &cases_of(stack) {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start(variant, scratch.path());
        let name = format!("{stack}-{variant}");
        let direct = profile(variant, &server);
        let mut reports = vec![audit(&name, &direct, &checks_of(cases), scratch.path())];
        let port = server.port("port");
        let proxy = proxy::in_front(&direct, port, scratch.path());
        let proxied = direct.replace(
            &format!("127.0.0.1:{port}/"),
            &format!("127.0.0.1:{}/", proxy.port()),
        );
        let mut seen_through_nginx = Vec::new();
        for run in 1..=2 {
            // Each audit's login burst on an address of its own: the apps limit per
            // address and account for a minute, and an earlier run's burst would leave
            // the limiter engaged (limited on the first attempt: ERROR, by design).
            let proxied =
                proxied.replace("nobody@acme.test", &format!("nobody+nginx{run}@acme.test"));
            let report = audit(
                &format!("{name}-nginx-{run}"),
                &proxied,
                &checks_of(cases),
                scratch.path(),
            );
            seen_through_nginx.push(statuses(&report));
            reports.push(report);
        }
        assert_eq!(
            seen_through_nginx[0], seen_through_nginx[1],
            "{stack}/{variant} behind nginx: the same verdicts in both runs"
        );
        for (index, report) in reports.iter().enumerate() {
            let how = if index == 0 { "" } else { " behind nginx" };
            wrong.extend(
                off_the_matrix(stack, variant, cases, report)
                    .into_iter()
                    .map(|line| format!("{line}{how}")),
            );
            let text = report.to_string();
            assert!(!text.contains(PLANTED_KEY), "the planted key is masked");
            for name in tokens {
                let token = server.text(&format!("/tokens/{name}"));
                assert!(!text.contains(token), "{name}'s token is redacted");
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "verdicts off the matrix:\n{}",
        wrong.join("\n")
    );
}

/// Audits `profile` once more, at once, and asserts the verdicts `first` had: the same
/// audit of the same target gives the same verdicts every time.
fn the_same_again(
    what: &str,
    name: &str,
    profile: &str,
    cases: &[Case],
    dir: &Path,
    first: &serde_json::Value,
) {
    let again = audit(&format!("{name}-again"), profile, &checks_of(cases), dir);
    assert_eq!(
        statuses(first),
        statuses(&again),
        "{what}: the same verdicts in a second run"
    );
}

/// Every check's status in a report, ordered by id.
fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut statuses = crate::support::statuses(report);
    statuses.sort();
    statuses
}

/// The matrix's cases for one stack, by variant; every case says why and how to see it.
fn cases_of(stack: &str) -> BTreeMap<String, Vec<Case>> {
    let mut by_variant: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for case in cases().iter().filter(|c| c.stack == stack) {
        assert!(
            !case.why.is_empty() && case.curl.contains("PORT"),
            "{stack} {}: a case says why and gives a curl with PORT",
            case.check
        );
        by_variant
            .entry(case.variant.clone())
            .or_default()
            .push(case.clone());
    }
    assert!(!by_variant.is_empty(), "the matrix has {stack} cases");
    by_variant
}

/// Every case's check in `report` reached the status the matrix records, or a line saying
/// what it reached instead.
#[allow(clippy::print_stdout)] // STACKS_VERBOSE output, for whoever adds a row
fn off_the_matrix(
    stack: &str,
    variant: &str,
    cases: &[Case],
    report: &serde_json::Value,
) -> Vec<String> {
    let results = report["results"].as_array().expect("results");
    let mut wrong = Vec::new();
    for case in cases {
        let result = results
            .iter()
            .find(|r| r["id"] == case.check.as_str())
            .unwrap_or_else(|| panic!("{stack}/{variant}: no result for {}", case.check));
        if std::env::var_os("STACKS_VERBOSE").is_some() {
            // For whoever adds a row: every verdict with its summary.
            println!(
                "{stack}/{variant} {}: {} — {}",
                case.check, result["status"], result["summary"]
            );
        }
        if result["status"] != case.expect.as_str() {
            wrong.push(format!(
                "{stack}/{variant} {}: expected {}, got {} — {}",
                case.check, case.expect, result["status"], result["summary"]
            ));
        }
    }
    wrong
}

fn checks_of(cases: &[Case]) -> Vec<&str> {
    cases.iter().map(|c| c.check.as_str()).collect()
}

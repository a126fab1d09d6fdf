//! A full audit of the hostile target (`fixtures::hostile`): redirect loops, a redirect to
//! a foreign host carrying the token, endless and 100 MB bodies, a gzip bomb, headers a
//! byte a second, silence, resets, a stalled TLS handshake, a 40-intermediate chain,
//! garbage DNS, a 12 MiB one-line script, a 5xx storm, a Retry-After of a year. Every
//! check must end in its expected fail-closed verdict within the check timeout, the run
//! must exit 1 without a panic, memory must stay under a bound, and nothing may reach the
//! foreign host.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use fixtures::hostile::Target;

use crate::support::read_json;

/// The audit's peak RSS may not exceed this. The caps bound it by design: 1 MiB per body,
/// 10 MiB of client scripts, headers refused past the client's limit; the rest is the
/// runtime, TLS and the check set (a debug build measures about 85 MiB).
const PEAK_RSS_BOUND_MIB: u64 = 192;

/// Runs the binary to completion under GNU time; returns its exit status and peak RSS
/// in MiB as the kernel accounted them (`.ci/run` installs `time` where it is missing).
fn run_measured(args: &[&str], stdout: File, stderr: File, rss: &Path) -> (Option<i32>, u64) {
    let status = Command::new("/usr/bin/time")
        .args(["-o", rss.to_str().unwrap(), "-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_launch-audit"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .status()
        .expect("GNU time runs the binary");
    let report = std::fs::read_to_string(rss).unwrap();
    // GNU time says "Command exited with non-zero status 1" first, then the figure (KiB).
    let kib: u64 = report
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or_else(|| panic!("no RSS figure in {report:?}"));
    (status.code(), kib / 1024)
}

#[test]
fn a_full_audit_of_a_hostile_target_fails_closed_within_bounds() {
    let target = Target::start().expect("hostile target starts");
    let dir = tempfile::tempdir().unwrap();
    let profile = target.write_profile(dir.path()).unwrap();
    let json = dir.path().join("hostile.json");
    let (stdout_path, stderr_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let (status, peak_mib) = run_measured(
        &[
            "run",
            "-c",
            profile.to_str().unwrap(),
            "--format",
            "table",
            "--format",
            "json",
            "--out",
            json.to_str().unwrap(),
        ],
        File::create(&stdout_path).unwrap(),
        File::create(&stderr_path).unwrap(),
        &dir.path().join("rss"),
    );
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    let stdout = std::fs::read_to_string(&stdout_path).unwrap();
    assert_eq!(status, Some(1), "exit 1 (NOT READY)\n{stderr}\n{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains("NOT READY"), "{stdout}");
    assert!(
        peak_mib <= PEAK_RSS_BOUND_MIB,
        "peak RSS {peak_mib} MiB over the {PEAK_RSS_BOUND_MIB} MiB bound"
    );

    let report = read_json(&json);
    let results = report["results"].as_array().unwrap();
    let mut seen: Vec<(String, String)> = results
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    let expected = crate::verdicts::hostile();
    assert_eq!(
        seen.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        expected
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        "the same checks"
    );
    let wrong: Vec<String> = seen
        .iter()
        .zip(&expected)
        .filter(|((_, status), (_, allowed))| !allowed.contains(status))
        .map(|((id, status), (_, allowed))| format!("{id}: {status}, expected {allowed:?}"))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}\n{stdout}");
    // Within the check timeout (30 s in the hostile profile), every one of them.
    for result in results {
        let ms = result["duration_ms"].as_u64().unwrap();
        assert!(ms <= 30_500, "{} took {ms} ms", result["id"]);
    }

    // The scope guard: the foreign host, which DNS resolves to a loopback port of its own
    // and which three behaviours point at (a redirect carrying the token, an open
    // redirect, a script tag), received no connection at all.
    let foreign = target.foreign_requests();
    assert!(foreign.is_empty(), "reached the foreign host: {foreign:?}");
    // Everything the target's own servers saw was for a host the profile names.
    let named = [
        "app.hostile.test",
        "hostile.test",
        "www.hostile.test",
        "chain.hostile.test",
    ];
    for request in target.requests() {
        let name = request.host.split(':').next().unwrap_or_default();
        assert!(named.contains(&name), "a request for {}", request.host);
    }
    // Credentials went only to the app's own origins.
    for request in target.requests() {
        if let Some(authorization) = &request.authorization {
            assert!(
                request.host.starts_with("app.hostile.test:")
                    || request.host.starts_with("hostile.test:"),
                "{authorization:?} sent to {}",
                request.host
            );
        }
    }
    // No token appears in any report output.
    let report_text = std::fs::read_to_string(&json).unwrap();
    for token in target.tokens() {
        assert!(
            !report_text.contains(token) && !stdout.contains(token),
            "{token} leaked"
        );
    }
}

/// `latency.p95` over a route that answers 100 MB: each answer is cut at the body cap, so
/// its time is not the answer's, and no p95 is claimed (it once PASSed timed to 1 MiB).
#[test]
fn a_load_over_answers_cut_at_the_cap_claims_no_p95() {
    let target = Target::start().expect("hostile target starts");
    let dir = tempfile::tempdir().unwrap();
    // The profile and its CA file, then the onboarding route pointed at the 100 MB one.
    let profile = target.write_profile(dir.path()).unwrap();
    let text = std::fs::read_to_string(&profile)
        .unwrap()
        .replace(
            "path = \"/api/onboarding/checklist\"",
            "path = \"/api/export\"",
        )
        .replace(
            "rate = 20\nduration = \"1s\"",
            "rate = 4\nduration = \"1s\"",
        );
    std::fs::write(&profile, text).unwrap();
    let json = dir.path().join("run.json");
    let output = crate::support::launch_audit(
        &[
            "run",
            "-c",
            profile.to_str().unwrap(),
            "-q",
            "--only",
            "latency.p95",
            "--format",
            "json",
            "--out",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = crate::support::read_json(&json);
    let latency = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "latency.p95")
        .unwrap();
    assert_eq!(latency["status"], "ERROR", "{latency}");
    assert!(
        latency["summary"]
            .as_str()
            .unwrap_or("")
            .contains("cut there"),
        "{latency}"
    );
}

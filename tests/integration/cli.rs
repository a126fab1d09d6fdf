//! The command line itself: help, catalogue, explain, validate, usage errors.

use fixtures::Mode;

use crate::support::{Setup, launch_audit, stderr, stdout, without_section};

#[test]
fn help_reads_well_and_exits_0() {
    let output = launch_audit(&["--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    for word in ["run", "validate", "checks", "explain", "demo", "Exit codes"] {
        assert!(help.contains(word), "{word} missing from --help:\n{help}");
    }
    let run_help = stdout(&launch_audit(&["run", "--help"], &[]));
    for flag in [
        "--config",
        "--only",
        "--skip",
        "--format",
        "--out",
        "--fail-on",
        "--no-color",
        "--quiet",
        "--verbose",
    ] {
        assert!(run_help.contains(flag), "{flag} missing from run --help");
    }
}

#[test]
fn checks_lists_and_explain_tells_the_catalogue() {
    let list = stdout(&launch_audit(&["checks"], &[]));
    for id in ["dns.resolution", "health.endpoint", "headers.security"] {
        assert!(list.contains(id), "{list}");
    }
    let explained = launch_audit(&["explain", "headers.security"], &[]);
    assert_eq!(explained.status.code(), Some(0));
    let text = stdout(&explained);
    for part in [
        "Passes when",
        "Why it matters",
        "What breaks if it fails",
        "Fix",
        "References",
        "nosniff",
    ] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    let unknown = launch_audit(&["explain", "nope.nothing"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("headers.security"),
        "suggests known ids"
    );
}

#[test]
fn run_without_a_profile_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("audit.toml");
    let output = launch_audit(&["run", "-c", missing.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("launch-audit demo") && err.contains("audit.example.toml"),
        "{err}"
    );
}

#[test]
fn validate_shows_what_would_run_and_sends_nothing() {
    let setup = Setup::start_edited(Mode::Hardened, |text| without_section(&text, "[health]"));
    let output = launch_audit(&["validate", "-c", setup.profile.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("dns.resolution") && out.contains("would run"),
        "{out}"
    );
    assert!(
        out.contains("health.endpoint") && out.contains("SKIP, needs `health.path`"),
        "{out}"
    );
    assert!(setup.target.requests().is_empty() && setup.target.dns_queries().is_empty());
}

#[test]
fn usage_errors_exit_2_before_any_traffic() {
    let setup = Setup::start(Mode::Hardened);
    for args in [
        vec!["--only", "no-such-family"],
        vec!["--format", "json", "--format", "table"],
        vec!["--out", "x.json", "--format", "json"],
        vec!["--format", "yaml"],
    ] {
        let output = setup.run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(setup.target.requests().is_empty() && setup.target.dns_queries().is_empty());
}

#[test]
fn only_selects_by_family_and_quiet_prints_just_the_decision() {
    let setup = Setup::start(Mode::Vulnerable);
    let output = setup.run(&["--only", "headers", "-q"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.starts_with("NOT READY"), "{out}");
    assert!(out.contains("headers.security [medium, FAIL]"));
    // dns.resolution was not selected: reported as not run, never as a FAIL.
    assert!(out.contains("dns.resolution [high, SKIP]"), "{out}");
    assert!(
        !setup
            .target
            .requests()
            .iter()
            .any(|r| r.path_and_query == "/healthz")
    );
}

/// On a terminal the whole audit shows progress on standard error (checks done of total,
/// the phase, the slowest check running or the one waiting on purpose); with -q nothing. util-linux's `script` gives the
/// binary a real pseudo-terminal.
#[test]
fn a_terminal_sees_the_audit_progress_and_quiet_sees_none() {
    let binary = env!("CARGO_BIN_EXE_launch-audit");
    let on_terminal = |command: &str, exit: i32| {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("terminal.log");
        let output = std::process::Command::new("script")
            .args(["-q", "-e", "-c"])
            .arg(format!("{binary} {command}"))
            .arg(&log)
            .output()
            .expect("util-linux script runs");
        let shown = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
        assert_eq!(
            output.status.code(),
            Some(exit),
            "{}{shown}",
            stderr(&output)
        );
        shown
    };
    let shown = on_terminal("demo --hardened", 0);
    assert!(
        shown.contains(" checks · ") && shown.contains("probes"),
        "{shown}"
    );
    // Without an old link to try, tokens.expiry waits the fixture's 2s link lifetime out on
    // purpose, and says so.
    let waiting = crate::support::Setup::start_edited(fixtures::Mode::Hardened, |text| {
        text.lines()
            .filter(|line| !line.starts_with("expired = "))
            .collect::<Vec<_>>()
            .join("\n")
    });
    // Exit 1: NOT VERIFIED, as the checks left out did not run.
    let shown = on_terminal(
        &format!("run -c {} --only tokens.expiry", waiting.profile.display()),
        1,
    );
    assert!(
        shown.contains("tokens.expiry is waiting for the reset link to expire (3s)")
            || shown.contains("tokens.expiry is waiting for the invite link to expire (3s)"),
        "{shown}"
    );
    let quiet = on_terminal("demo --hardened -q", 0);
    assert!(!quiet.contains(" checks · "), "{quiet}");
}

/// Completions and the man page come from the clap definitions: every subcommand is in
/// them, and a closed pipe is no panic.
#[test]
fn completions_and_the_man_page_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let output = launch_audit(&["completions", shell], &[]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            stderr(&output)
        );
        let script = stdout(&output);
        for command in [
            "run",
            "validate",
            "explain",
            "demo",
            "report",
            "completions",
        ] {
            assert!(
                script.contains(command),
                "{shell} completions lack {command}"
            );
        }
    }
    let output = launch_audit(&["man"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(
        page.starts_with(".ie") || page.contains(".TH launch-audit 1"),
        "{page}"
    );
    assert!(
        page.contains("Exit codes"),
        "the long description is in the page"
    );
}

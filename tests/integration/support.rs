//! Shared helpers: a running fixture target with its profile on disk, and the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fixtures::{Mode, Target};

/// A fixture target plus its profile written to a temporary directory.
pub struct Setup {
    pub target: Target,
    pub dir: tempfile::TempDir,
    pub profile: PathBuf,
    pub text: String,
}

impl Setup {
    pub fn start(mode: Mode) -> Setup {
        Setup::start_edited(mode, |text| text)
    }

    /// Starts the target and writes its profile after `edit` has changed the text.
    pub fn start_edited(mode: Mode, edit: impl FnOnce(String) -> String) -> Setup {
        let target = Target::start(mode).expect("fixture target starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = target.write_profile(dir.path()).expect("write profile");
        let text = edit(target.profile_toml());
        std::fs::write(&profile, &text).expect("write profile");
        Setup {
            target,
            dir,
            profile,
            text,
        }
    }

    /// Runs the binary with `run -c <profile>` followed by `args`.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut all = vec!["run", "-c", self.profile.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        launch_audit(&all, &[])
    }

    /// Runs the audit verbose, to the table and to a JSON file; returns (table, JSON text).
    pub fn run_every_format(&self, extra: &[&str]) -> (String, String) {
        let json = self.path("every-format.json");
        let mut args = vec![
            "-v",
            "--format",
            "table",
            "--format",
            "json",
            "--out",
            json.to_str().expect("utf-8 path"),
        ];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        (
            stdout(&output),
            std::fs::read_to_string(&json).expect("JSON report written"),
        )
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Parses the profile in-process (the environment is empty).
    pub fn load(&self) -> launch_audit::profile::Profile {
        launch_audit::profile::load(&self.profile, &|_| None).expect("profile loads")
    }
}

/// Runs the real binary with `args` and extra environment variables.
pub fn launch_audit(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_launch-audit"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

/// `launch-audit init ARGS --out OUT` with `env`, which must succeed; the profile it wrote.
pub fn init_profile(args: &[&str], env: &[(&str, &str)], out: &Path) -> String {
    let mut all = vec!["init"];
    all.extend(args);
    all.extend(["--out", out.to_str().expect("UTF-8 path")]);
    let init = launch_audit(&all, env);
    assert_eq!(
        init.status.code(),
        Some(0),
        "init {args:?}: {}",
        stderr(&init)
    );
    std::fs::read_to_string(out).expect("profile written")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON report as a value.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("JSON report written");
    serde_json::from_str(&text).expect("JSON report parses")
}

/// `check id → status` from a JSON report.
pub fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .expect("results array")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `text` without the `[name]` section (its header up to the next section header).
pub fn without_section(text: &str, header: &str) -> String {
    let Some(start) = text.find(header) else {
        return text.to_string();
    };
    let rest = &text[start + header.len()..];
    let end = rest
        .find("\n[")
        .map_or(text.len(), |i| start + header.len() + i + 1);
    format!("{}{}", &text[..start], &text[end..])
}

/// The result of check `id` in a JSON report.
pub fn result<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in the report"))
}

/// The status of check `id` in a JSON report.
pub fn status_of(report: &serde_json::Value, id: &str) -> String {
    result(report, id)["status"].as_str().unwrap().to_string()
}

/// Every observation of check `id` as (status, subject, detail).
pub fn evidence(report: &serde_json::Value, id: &str) -> Vec<(String, String, String)> {
    observations_of(result(report, id))
}

/// Every observation of one result as (status, subject, detail).
pub fn observations_of(result: &serde_json::Value) -> Vec<(String, String, String)> {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["status"].as_str().unwrap().into(),
                o["subject"].as_str().unwrap().into(),
                o["detail"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// The fixture's HTTPS port, read from its profile text (base_url's port).
pub fn https_port(profile_text: &str) -> String {
    profile_text
        .split("base_url = \"https://app.acme.test:")
        .nth(1)
        .expect("the fixture profile names base_url")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// Writes `profile` as `<name>.toml` in `dir`, runs the audit with only `checks`, and
/// returns its JSON report; exit 0 or 1 (a decision) is required.
pub fn audit_profile(name: &str, profile: &str, checks: &[&str], dir: &Path) -> serde_json::Value {
    let profile_path = dir.join(format!("{name}.toml"));
    std::fs::write(&profile_path, profile).expect("profile");
    let report = dir.join(format!("{name}.json"));
    let mut args = vec![
        "run".to_string(),
        "-c".into(),
        profile_path.display().to_string(),
        "-q".into(),
        "--format".into(),
        "json".into(),
        "--out".into(),
        report.display().to_string(),
    ];
    for check in checks {
        args.push("--only".into());
        args.push((*check).to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = launch_audit(&args, &[]);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{name}: exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&report).expect("JSON report written");
    serde_json::from_str(&text).expect("JSON report parses")
}

/// Runs the profile at `profile` with only `checks`, the environment `env` holding its
/// secrets, and returns the JSON report (written to `json`). A run that could not decide
/// (exit other than 0 or 1) fails the test with what it printed.
pub fn run_checks(
    profile: &Path,
    checks: &[&str],
    env: &[(&str, &str)],
    json: &Path,
) -> serde_json::Value {
    run_checks_with(profile, checks, &[], env, json)
}

/// [`run_checks`] with more arguments (a consent flag).
pub fn run_checks_with(
    profile: &Path,
    checks: &[&str],
    extra: &[&str],
    env: &[(&str, &str)],
    json: &Path,
) -> serde_json::Value {
    let mut args = vec![
        "run",
        "-c",
        profile.to_str().expect("UTF-8 path"),
        "--format",
        "json",
        "--out",
        json.to_str().expect("UTF-8 path"),
    ];
    args.extend(extra);
    for check in checks {
        args.extend(["--only", check]);
    }
    let run = launch_audit(&args, env);
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
    read_json(json)
}

//! `secrets.repository` and the handover items, through the real binary: repositories
//! written by the fixture (gix) and by the `git` command line (loose and packed objects,
//! tags, branches, a shallow clone), and `[attest]` answers in every report format.

use std::path::Path;
use std::process::Command;

use fixtures::Mode;
use fixtures::repo::{self, AWS_KEY_ID, GITHUB_TOKEN, STRIPE_LIVE_KEY};

use crate::support::{Setup, evidence, launch_audit, read_json, status_of, stdout};

/// A profile that names only a repository: `--only secrets.repository` sends nothing.
fn repository_profile(dir: &Path, source: &Path) -> std::path::PathBuf {
    let profile = dir.join("repo-audit.toml");
    std::fs::write(
        &profile,
        format!(
            "[target]\nname = \"repository only\"\nbase_url = \"https://app.acme.test\"\n\n\
             [network]\nnameservers = [\"127.0.0.1:9\"]\n\n[source]\npath = \"{}\"\n",
            source.display()
        ),
    )
    .unwrap();
    profile
}

/// Runs `secrets.repository` alone on `source`; returns the JSON report.
fn scan(dir: &Path, source: &Path) -> serde_json::Value {
    let profile = repository_profile(dir, source);
    let report = dir.join("repo-report.json");
    launch_audit(
        &[
            "run",
            "-c",
            profile.to_str().unwrap(),
            "--only",
            "secrets.repository",
            "--format",
            "json",
            "--out",
            report.to_str().unwrap(),
        ],
        &[],
    );
    read_json(&report)
}

/// Runs `secrets.repository` on `source` and checks it ended in `expected`.
fn scan_expecting(dir: &Path, source: &Path, expected: &str) -> serde_json::Value {
    let report = scan(dir, source);
    assert_eq!(
        status_of(&report, "secrets.repository"),
        expected,
        "{report:#}"
    );
    report
}

/// The observation whose detail mentions `needle`.
fn observation(report: &serde_json::Value, needle: &str) -> (String, String, String) {
    evidence(report, "secrets.repository")
        .into_iter()
        .find(|(_, _, detail)| detail.contains(needle))
        .unwrap_or_else(|| panic!("no observation mentions {needle}: {report:#}"))
}

#[test]
fn secrets_in_history_are_found_with_the_commit_that_added_them() {
    let dir = tempfile::tempdir().unwrap();
    let source = repo::build(dir.path(), Mode::Vulnerable).unwrap();
    let report = scan_expecting(dir.path(), &source.path, "FAIL");

    // Deleted from the tree in the next commit: found in history, credited to the commit
    // that added it, with the rotate advice.
    let aws = &source.aws_key_added.clone().unwrap()[..12];
    let (status, subject, detail) = observation(&report, "AKIA");
    assert_eq!(
        (status.as_str(), subject.as_str()),
        ("FAIL", "config/production.env:1:19")
    );
    assert!(
        detail.contains(&format!("added in commit {aws} (2026-03-02)")),
        "{detail}"
    );
    assert!(
        detail.contains("not in the working tree, but in the history"),
        "{detail}"
    );
    assert!(detail.contains("rotate it: deleting it from history does not un-leak it"));

    // Live in the working tree.
    let stripe = &source.stripe_key_added.clone().unwrap()[..12];
    let (_, subject, detail) = observation(&report, "sk_l");
    assert_eq!(subject, "src/payments.js:1:28");
    assert!(
        detail.contains("in the working tree") && detail.contains(stripe),
        "{detail}"
    );

    // Only on a branch never merged: every ref is walked.
    let github = &source.github_token_added.clone().unwrap()[..12];
    let (_, _, detail) = observation(&report, "ghp_");
    assert!(detail.contains(github), "{detail}");

    // An ignore line without a reason is not honoured, and said so.
    let (status, _, _) = observation(&report, "has no reason");
    assert_eq!(status, "WARN");

    // The local .env (gitignored) holds the same Stripe key but is not reported as a
    // place; no secret value appears anywhere in the report.
    let text = report.to_string();
    assert!(
        evidence(&report, "secrets.repository")
            .iter()
            .all(|(_, subject, _)| !subject.starts_with(".env")),
        "{text}"
    );
    for secret in [AWS_KEY_ID, STRIPE_LIVE_KEY, GITHUB_TOKEN] {
        assert!(!text.contains(secret), "{secret} leaked into the report");
    }
    let scanned = observation(&report, "each read once").2;
    assert!(
        scanned.starts_with("5 commit(s) from 2 ref(s)"),
        "{scanned}"
    );
}

/// Runs git with a fixed identity and date, no user or system configuration.
fn git(repo: &Path, args: &[&str], date: &str) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Sam", "-c", "user.email=sam@acme.test"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs (.ci/run installs it)");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn a_git_made_repository_packed_tagged_and_shallow() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("app");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"], "2026-01-05T10:00:00Z");
    std::fs::write(work.join("README.md"), "app\n").unwrap();
    std::fs::write(work.join(".gitignore"), ".env\n").unwrap();
    std::fs::write(
        work.join(".env"),
        format!("AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"),
    )
    .unwrap();
    git(&work, &["add", "."], "2026-01-05T10:00:00Z");
    git(&work, &["commit", "-qm", "start"], "2026-01-05T10:00:00Z");
    // A key committed, then deleted, then tagged history packed by gc.
    std::fs::create_dir(work.join("deploy")).unwrap();
    std::fs::write(
        work.join("deploy/hook.sh"),
        format!("curl -H 'Authorization: token {GITHUB_TOKEN}' https://api.github.com\n"),
    )
    .unwrap();
    git(&work, &["add", "."], "2026-01-06T10:00:00Z");
    git(
        &work,
        &["commit", "-qm", "deploy hook"],
        "2026-01-06T10:00:00Z",
    );
    let added = git(&work, &["rev-parse", "HEAD"], "2026-01-06T10:00:00Z");
    git(
        &work,
        &["rm", "-q", "deploy/hook.sh"],
        "2026-01-07T10:00:00Z",
    );
    git(
        &work,
        &["commit", "-qm", "drop hook"],
        "2026-01-07T10:00:00Z",
    );
    for n in 0..20 {
        std::fs::write(work.join("README.md"), format!("app v{n}\n")).unwrap();
        git(
            &work,
            &["commit", "-qam", &format!("v{n}")],
            "2026-01-08T10:00:00Z",
        );
    }
    git(
        &work,
        &["tag", "-a", "v1", "-m", "release"],
        "2026-01-09T10:00:00Z",
    );
    git(&work, &["gc", "-q"], "2026-01-09T10:00:00Z");
    assert!(
        std::fs::read_dir(work.join(".git/objects/pack"))
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "pack")),
        "gc packed the objects"
    );

    let report = scan_expecting(dir.path(), &work, "FAIL");
    let (_, subject, detail) = observation(&report, "ghp_");
    assert_eq!(subject, "deploy/hook.sh:1:31");
    assert!(
        detail.contains(&format!("added in commit {} (2026-01-06)", &added[..12])),
        "{detail}"
    );
    let findings: Vec<_> = evidence(&report, "secrets.repository")
        .into_iter()
        .filter(|(status, _, _)| status == "FAIL" && !status.is_empty())
        .filter(|(_, subject, _)| subject != "scanned")
        .collect();
    assert_eq!(
        findings.len(),
        1,
        "the gitignored .env is not a finding: {findings:?}"
    );

    // Accepting it by fingerprint, with a reason, turns the check to PASS; the evidence
    // still names it.
    let fingerprint = detail
        .split("fingerprint ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap()
        .to_string();
    std::fs::write(
        work.join(".launch-audit-ignore"),
        format!("{fingerprint}  revoked 2026-01-07 (INC-4)\n"),
    )
    .unwrap();
    let report = scan_expecting(dir.path(), &work, "PASS");
    let (status, _, detail) = observation(&report, "ignored by");
    assert_eq!(status, "PASS");
    assert!(detail.contains("revoked 2026-01-07 (INC-4)"), "{detail}");

    // A shallow clone cannot show the history it lacks: WARN, never a clean PASS.
    let shallow = dir.path().join("shallow");
    let url = format!("file://{}", work.display());
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
        "2026-01-10T10:00:00Z",
    );
    let report = scan_expecting(dir.path(), &shallow, "WARN");
    assert_eq!(observation(&report, "shallow clone").0, "WARN");
}

#[test]
fn a_path_that_is_not_a_repository_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let report = scan_expecting(dir.path(), &plain, "ERROR");
    let summary = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "secrets.repository")
        .unwrap()["summary"]
        .to_string();
    assert!(summary.contains("not a git repository"), "{summary}");

    // A repository with no commit and no file has nothing to vouch for: not a PASS.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    git(&empty, &["init", "-q"], "2026-01-05T10:00:00Z");
    scan_expecting(dir.path(), &empty, "ERROR");
}

/// The hardened profile without `[attest.rollback-plan]` (and so without its lines).
fn without_rollback_attestation(text: String) -> String {
    let start = text.find("\n[attest.rollback-plan]").unwrap();
    let end = start + 1 + text[start + 1..].find("\n[").unwrap();
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn attestations_show_in_every_format_and_an_open_critical_item_blocks() {
    let setup = Setup::start_edited(Mode::Hardened, without_rollback_attestation);
    let out = |name: &str| setup.path(name).to_str().unwrap().to_string();
    let (json, junit, sarif, markdown, html) = (
        out("r.json"),
        out("r.xml"),
        out("r.sarif"),
        out("r.md"),
        out("r.html"),
    );
    let output = setup.run(&[
        "--format", "json", "--out", &json, "--format", "junit", "--out", &junit, "--format",
        "sarif", "--out", &sarif, "--format", "markdown", "--out", &markdown, "--format", "html",
        "--out", &html, "--format", "table",
    ]);
    // Everything else on the hardened target passes: the one OPEN critical item decides.
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = read_json(Path::new(&json));
    let blockers: Vec<(String, String)> = report["decision"]["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().into(),
                b["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        blockers,
        vec![("handover.rollback-plan".to_string(), "OPEN".to_string())]
    );
    assert_eq!(status_of(&report, "handover.backups"), "ATTESTED");
    assert_eq!(report["next_tasks"][0]["id"], "handover.rollback-plan");

    let table = stdout(&output);
    let files = [
        ("table", table),
        ("junit", std::fs::read_to_string(&junit).unwrap()),
        ("sarif", std::fs::read_to_string(&sarif).unwrap()),
        ("markdown", std::fs::read_to_string(&markdown).unwrap()),
        ("html", std::fs::read_to_string(&html).unwrap()),
    ];
    for (format, text) in &files {
        for needle in [
            "handover.rollback-plan",
            "OPEN",
            "ATTESTED",
            "Dana Developer",
        ] {
            // The table shows summaries; the attester is in each attested row's evidence.
            if *format == "table" && needle == "Dana Developer" {
                continue;
            }
            assert!(text.contains(needle), "{format} lacks {needle}");
        }
    }
    let junit_text = &files[1].1;
    assert!(
        junit_text.contains(r#"type="OPEN""#),
        "an OPEN item is a JUnit failure"
    );

    // A waiver accepts the open item: WAIVED, and the run is READY.
    let waived = Setup::start_edited(Mode::Hardened, |text| {
        without_rollback_attestation(text)
            + "\n[[waivers]]\ncheck = \"handover.rollback-plan\"\nreason = \"rollback rehearsal booked for launch week (OPS-7)\"\nexpires = 2099-01-01\n"
    });
    let waived_json = waived.path("w.json");
    let output = waived.run(&["--format", "json", "--out", waived_json.to_str().unwrap()]);
    let report = read_json(&waived_json);
    assert_eq!(status_of(&report, "handover.rollback-plan"), "WAIVED");
    assert_eq!(output.status.code(), Some(0), "{:#}", report["decision"]);
}

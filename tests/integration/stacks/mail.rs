//! Real mail servers behind the journeys: the fixture app sends its signup, invitation and
//! reset mail to them, and the audit reads it back the way a staging or production test
//! inbox is read.
//! - Dovecot (Debian's dovecot-imapd and dovecot-lmtpd): the app delivers over LMTP, the
//!   audit reads over IMAP; Dovecot writes the `Received` line the SPF evaluation reads.
//! - MailDev 2 and 3 (npm, pinned by tests/stacks/maildev/ and tests/stacks/maildev3/
//!   package-lock.json): the app sends SMTP through lettre, the audit reads MailDev's HTTP
//!   API (at the root in 2, under /api in 3).
//!
//! Both modes against both servers: the verdicts of the journey, token and delivered-mail
//! checks must be the expected table's, and the inbox's password never appears in a report.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fixtures::mail::Delivery;
use fixtures::{Mode, Target};

use super::{find_program, free_port, stacks_dir};
use crate::support::{launch_audit, read_json, statuses, stderr, stdout};

/// The one inbox every journey address is delivered into, and its credentials.
const INBOX_USER: &str = "journeys";
const INBOX_PASSWORD: &str = "inbox-password-for-launch-audit";

/// The checks mail reaches.
const CHECKS: &[&str] = &["journey", "tokens", "email.delivered"];

struct Dovecot {
    dir: tempfile::TempDir,
    imap: u16,
    lmtp: u16,
}

impl Dovecot {
    fn start() -> Dovecot {
        let dovecot = find_program("dovecot", &["/usr/sbin", "/usr/local/sbin"]);
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(root.join(sub)).expect("dovecot dirs");
        }
        // Mail is stored as an unprivileged user: Dovecot refuses uid 0 for mailboxes.
        set_mode(&root.join("mail"), 0o777);
        std::fs::write(
            root.join("users"),
            format!("{INBOX_USER}:{{PLAIN}}{INBOX_PASSWORD}\n"),
        )
        .expect("users");
        let (imap, lmtp) = (free_port(), free_port());
        let r = root.display();
        // Every recipient lands in the one inbox (a static userdb with a fixed home), as a
        // catch-all test inbox does; only the IMAP login needs the passdb.
        let conf = format!(
            r#"protocols = imap lmtp
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{r}/mail/inbox
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {r}/users
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={r}/mail/inbox allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
"#
        );
        let path = root.join("dovecot.conf");
        std::fs::write(&path, conf).expect("dovecot.conf");
        // Without -F the master forks into the background once its listeners are bound, so
        // the test needs no waiting loop. The daemon would hold piped output open: its
        // errors are read from its log instead.
        let status = Command::new(dovecot)
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("dovecot runs");
        assert!(
            status.success(),
            "dovecot did not start: {}",
            std::fs::read_to_string(root.join("dovecot.log")).unwrap_or_default()
        );
        Dovecot { dir, imap, lmtp }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let path = self.dir.path().join("dovecot.conf");
        let _ = Command::new(find_program("dovecot", &["/usr/sbin", "/usr/local/sbin"]))
            .arg("-c")
            .arg(&path)
            .arg("stop")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

pub(super) struct MailDev {
    process: std::process::Child,
    pub(super) smtp: u16,
    pub(super) web: u16,
    _dir: tempfile::TempDir,
}

/// The two MailDev lines in use: 2 serves its API at the root, 3 under `/api`.
#[derive(Clone, Copy, Debug)]
pub(super) enum MailDevVersion {
    Two,
    Three,
}

impl MailDevVersion {
    /// Its entry script under `scripts/test`'s stacks directory.
    fn script(self) -> PathBuf {
        match self {
            MailDevVersion::Two => stacks_dir().join("maildev/node_modules/maildev/bin/maildev"),
            MailDevVersion::Three => {
                stacks_dir().join("maildev3/node_modules/maildev/dist/bin/maildev.js")
            }
        }
    }

    /// Whether what it printed so far says both servers listen.
    fn listening(self, said: &str) -> bool {
        match self {
            MailDevVersion::Two => {
                said.contains("SMTP Server running") && said.contains("webapp running")
            }
            MailDevVersion::Three => {
                said.contains("MailDev API running") && said.contains("SMTP Server")
            }
        }
    }
}

impl MailDev {
    pub(super) fn start(version: MailDevVersion) -> MailDev {
        let script = version.script();
        assert!(
            script.exists(),
            "MailDev is not installed at {}: run `scripts/test`, which installs it",
            script.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let (smtp, web) = (free_port(), free_port());
        let mut process = Command::new(find_program("node", &["/usr/bin", "/usr/local/bin"]))
            .arg(&script)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
            .args(["-s", &smtp.to_string(), "-w", &web.to_string()])
            .arg("--mail-directory")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs MailDev");
        // MailDev says so once each server listens; EOF first means it died.
        let stdout = process.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut said = String::new();
        for line in lines.by_ref().take(20) {
            let line = line.unwrap_or_default();
            said.push_str(&line);
            said.push('\n');
            if version.listening(&said) {
                // What it prints later (MailDev 3 logs each message) still needs a reader:
                // a closed pipe would end it.
                std::thread::spawn(move || lines.for_each(drop));
                return MailDev {
                    process,
                    smtp,
                    web,
                    _dir: dir,
                };
            }
        }
        let _ = process.kill();
        let _ = process.wait();
        panic!("MailDev did not start: {said}");
    }
}

impl Drop for MailDev {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// The fixture's profile with its `[mail]` section swapped for `mail`.
fn with_mail(target: &Target, mail: &str) -> String {
    let own = fixtures::mail_section(&target.maildir().display().to_string());
    let text = target.profile_toml();
    assert!(
        text.contains(&own),
        "the profile has the fixture's [mail] section"
    );
    text.replace(&own, mail)
}

/// Audits `target` with `profile` for the mail checks; the JSON report.
fn audit(target: &Target, profile: &str, dir: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    let path = target.write_profile(dir).expect("write profile");
    std::fs::write(&path, profile).expect("profile");
    let json = dir.join("report.json");
    let mut args = vec![
        "run",
        "-c",
        path.to_str().expect("utf-8"),
        "--format",
        "json",
        "--out",
        json.to_str().expect("utf-8"),
    ];
    for check in CHECKS {
        args.extend(["--only", check]);
    }
    let output = launch_audit(&args, env);
    assert!(
        json.exists(),
        "no report: {}{}",
        stdout(&output),
        stderr(&output)
    );
    read_json(&json)
}

/// The report's statuses for the mail checks match the expected table.
fn meets_the_table(report: &serde_json::Value, mode: Mode, server: &str) {
    let expected = crate::verdicts::fixture(mode);
    let mut wrong = Vec::new();
    for (id, status) in statuses(report) {
        if !CHECKS
            .iter()
            .any(|c| id == *c || id.starts_with(&format!("{c}.")))
        {
            continue;
        }
        match expected.iter().find(|(e, _)| *e == id) {
            Some((_, want)) if *want == status => {}
            want => wrong.push(format!("{id}: {status}, expected {want:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} mode through {server}:\n{}\n{report:#}",
        mode.name(),
        wrong.join("\n")
    );
}

fn evidence_of<'a>(report: &'a serde_json::Value, id: &str) -> Vec<&'a str> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["id"] == id)
        .flat_map(|r| r["evidence"].as_array().expect("evidence").iter())
        .filter_map(|o| o["detail"].as_str())
        .collect()
}

#[test]
fn journeys_read_real_mail_over_imap_from_dovecot() {
    for mode in [Mode::Hardened, Mode::Vulnerable] {
        let dovecot = Dovecot::start();
        let target =
            Target::start_with(mode, Delivery::Lmtp(loopback(dovecot.lmtp))).expect("target");
        let mail = format!(
            "[mail]\nimap = \"imap://127.0.0.1:{}\"\nuser = \"${{MAIL_USER}}\"\npassword = \"${{MAIL_PASSWORD}}\"\nwait = \"10s\"\nsender = \"{}\"\n",
            dovecot.imap,
            fixtures::mail::SENDER
        );
        let scratch = tempfile::tempdir().expect("temp dir");
        let report = audit(
            &target,
            &with_mail(&target, &mail),
            scratch.path(),
            &[("MAIL_USER", INBOX_USER), ("MAIL_PASSWORD", INBOX_PASSWORD)],
        );
        meets_the_table(&report, mode, "Dovecot");
        assert!(
            !report.to_string().contains(INBOX_PASSWORD),
            "the inbox password is redacted"
        );
        // Dovecot's LMTP wrote the hop the SPF evaluation read.
        let delivered = evidence_of(&report, "email.delivered");
        let spf = match mode {
            Mode::Hardened => "Pass for 127.0.0.1 (the Received hop) sending as no-reply@acme.test",
            Mode::Vulnerable => {
                "for 127.0.0.1 (the Received hop) sending as bounces@mailer-relay.test"
            }
        };
        assert!(
            delivered.iter().any(|d| d.contains(spf)),
            "{mode:?}: SPF from the Received line: {delivered:#?}"
        );
    }
}

#[test]
fn journeys_read_real_mail_from_the_maildev_catcher() {
    for (version, mode) in [
        (MailDevVersion::Two, Mode::Hardened),
        (MailDevVersion::Two, Mode::Vulnerable),
        (MailDevVersion::Three, Mode::Hardened),
        (MailDevVersion::Three, Mode::Vulnerable),
    ] {
        let maildev = MailDev::start(version);
        let target =
            Target::start_with(mode, Delivery::Smtp(loopback(maildev.smtp))).expect("target");
        let mail = format!(
            "[mail]\ncatcher = \"http://127.0.0.1:{}/\"\nwait = \"10s\"\nsender = \"{}\"\n",
            maildev.web,
            fixtures::mail::SENDER
        );
        let scratch = tempfile::tempdir().expect("temp dir");
        let report = audit(&target, &with_mail(&target, &mail), scratch.path(), &[]);
        meets_the_table(&report, mode, &format!("MailDev {version:?}"));
        let delivered = evidence_of(&report, "email.delivered");
        let expected = match mode {
            Mode::Hardened => "verifies for d=acme.test",
            Mode::Vulnerable => "links to t.mailtrack.test",
        };
        assert!(
            delivered.iter().any(|d| d.contains(expected)),
            "{version:?} {mode:?}: {delivered:#?}"
        );
        match version {
            // MailDev 2 keeps the SMTP session beside the message: SPF is evaluated from it.
            MailDevVersion::Two => assert!(
                delivered
                    .iter()
                    .any(|d| d.contains("(the SMTP client the catcher saw)")),
                "{version:?} {mode:?}: SPF from the catcher's envelope: {delivered:#?}"
            ),
            // MailDev 3 no longer records the client's address: SPF is said not evaluated.
            MailDevVersion::Three => assert!(
                delivered.iter().any(|d| d.contains("SPF not evaluated")),
                "{version:?} {mode:?}: {delivered:#?}"
            ),
        }
    }
}

//! `demo`: the bundled loopback target, audited exactly as `run` would. The fixture target
//! and the profile that describes it are written next to the target's CA and JWT key in a
//! temporary directory that lives as long as the demo.

use std::path::PathBuf;

use fixtures::{Mode, Target};

use super::*;

/// `demo`: start the bundled target, write its profile, audit it like `run` would.
pub fn demo(
    hardened: bool,
    args: &AuditArgs,
    outputs: &[OutputTarget],
    terminal: Terminal,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    let mode = if hardened {
        Mode::Hardened
    } else {
        Mode::Vulnerable
    };
    let demo = Demo::start(mode)?;
    writeln!(
        stderr,
        "demo: auditing the bundled {} target on 127.0.0.1 (https :{}, http :{}, dns :{})",
        mode.name(),
        demo.target.https_port(),
        demo.target.http_port(),
        demo.target.dns_addr().port()
    )?;
    let no_env = |_: &str| None;
    let exit = run(
        demo.profile_path(),
        args,
        outputs,
        terminal,
        &no_env,
        stdout,
        stderr,
    )?;
    drop(demo);
    Ok(exit)
}

/// The running target and the profile written for it.
struct Demo {
    target: Target,
    profile_path: PathBuf,
    // Removed on drop, after the audit.
    _dir: tempfile::TempDir,
}

impl Demo {
    fn start(mode: Mode) -> std::io::Result<Demo> {
        let target = Target::start(mode)?;
        let dir = tempfile::Builder::new()
            .prefix("launch-audit-demo-")
            .tempdir()?;
        let profile_path = target.write_profile(dir.path())?;
        Ok(Demo {
            target,
            profile_path,
            _dir: dir,
        })
    }

    fn profile_path(&self) -> &Path {
        &self.profile_path
    }
}

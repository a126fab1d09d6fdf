//! `demo`: the fixture target plus the profile that describes it, written next to the
//! target's CA and JWT key in a temporary directory that lives as long as the demo.

use std::path::{Path, PathBuf};

use fixtures::{Mode, Target};

pub struct Demo {
    pub target: Target,
    profile_path: PathBuf,
    // Removed on drop, after the audit.
    _dir: tempfile::TempDir,
}

impl Demo {
    pub fn start(mode: Mode) -> std::io::Result<Demo> {
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

    pub fn profile_path(&self) -> &Path {
        &self.profile_path
    }
}

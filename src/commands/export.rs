//! `export k6`: the latency.p95 scenario as a k6 script.

use super::*;

/// `export k6`: the latency scenario as a k6 script.
pub fn export(
    what: crate::cli::ExportKind,
    config: &Path,
    out: Option<&Path>,
    env: EnvLookup<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    let profile = match profile::load(config, env) {
        Ok(profile) => profile,
        Err(errors) => return report_profile_errors(&errors, stderr),
    };
    let script = match what {
        crate::cli::ExportKind::K6 => crate::export::k6(&profile),
    };
    match script {
        Err(why) => {
            writeln!(stderr, "error: nothing to export: {why}")?;
            Ok(Exit::Usage)
        }
        Ok(script) => {
            match out {
                Some(path) => std::fs::write(path, script)?,
                None => stdout.write_all(script.as_bytes())?,
            }
            Ok(Exit::Ready)
        }
    }
}

//! `smoke`: the post-deploy subset. Logging in, every `[[journeys]]` flow and the health
//! endpoint, nothing else, so it is fast enough to run after every deploy. Its decision is
//! about those checks alone: exit 0 when every one ran and passed (a WARN, such as a
//! journey over its budget, does not fail it unless `--fail-on warn`), 1 when one failed,
//! errored or could not run, 2 for bad usage, a bad profile, or a profile without journeys.

use super::run::Scope;
use super::*;

/// The checks `smoke` runs: ids and families.
pub const SMOKE_CHECKS: &[&str] = &["auth.login", "journey", "health.endpoint"];

pub fn smoke(
    config: &Path,
    args: &AuditArgs,
    outputs: &[OutputTarget],
    terminal: Terminal,
    env: EnvLookup<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    if !args.only.is_empty() || !args.skip.is_empty() {
        writeln!(
            stderr,
            "error: smoke runs {} and nothing else; for another set use `launch-audit run --only`",
            SMOKE_CHECKS.join(", ")
        )?;
        return Ok(Exit::Usage);
    }
    let profile = match profile::load(config, env) {
        Ok(profile) => profile,
        Err(errors) => return report_profile_errors(&errors, stderr),
    };
    if profile.journeys.is_empty() {
        writeln!(
            stderr,
            "error: {} has no [[journeys]]: a smoke test walks at least one (see audit.example.toml)",
            config.display()
        )?;
        return Ok(Exit::Usage);
    }
    let mut args = args.clone();
    args.only = SMOKE_CHECKS.iter().map(|c| c.to_string()).collect();
    super::run::audit_and_report(
        profile,
        &args,
        Scope::Selected,
        outputs,
        terminal,
        stdout,
        stderr,
    )
}

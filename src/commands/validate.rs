//! `validate`: the profile checked, and what would run said; nothing sent but, with
//! `--login`, the logins.

use super::*;

/// `validate`: parse, resolve `${VAR}`s, lint; say what would run. Sends nothing, unless
/// `login`: then it performs the identities' logins, and only those.
pub fn validate(
    config: &Path,
    login: bool,
    env: EnvLookup<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    let profile = match profile::load(config, env) {
        Ok(profile) => profile,
        Err(errors) => return report_profile_errors(&errors, stderr),
    };
    writeln!(stdout, "{}: valid", config.display())?;
    writeln!(
        stdout,
        "target: {} ({})",
        profile.target.name, profile.target.base_url
    )?;
    writeln!(stdout, "hosts in scope: {}", profile.hosts().join(", "))?;
    writeln!(
        stdout,
        "identities: {}",
        if profile.identities.is_empty() {
            "none".to_string()
        } else {
            profile
                .identities
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        }
    )?;
    writeln!(stdout, "checks:")?;
    for check in registry::for_profile(&profile) {
        let line = match check.applies(&profile) {
            Applicability::Run => "would run".to_string(),
            Applicability::Skip { key, reason } => format!("SKIP, needs `{key}`: {reason}"),
            Applicability::NotApplicable { reason } => format!("N/A: {reason}"),
        };
        writeln!(stdout, "  {:<22} {line}", check.id())?;
    }
    if login {
        return try_logins(profile, stdout, stderr);
    }
    Ok(Exit::Ready)
}

/// `validate --login`: each identity that logs in, and whether it could.
fn try_logins(
    profile: Profile,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    let profile = Arc::new(profile);
    let ctx = match crate::ctx::Ctx::new(profile.clone(), Default::default()) {
        Ok(ctx) => ctx,
        Err(error) => {
            writeln!(stderr, "error: {error}")?;
            return Ok(Exit::Usage);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(ctx.http.establish(profile.identities.values()));
    writeln!(stdout, "logins:")?;
    let outcomes = ctx.http.login_outcomes();
    if outcomes.is_empty() {
        writeln!(stdout, "  none: every identity has a static token")?;
    }
    let mut failed = false;
    for outcome in outcomes {
        match outcome.result {
            Ok(what) => writeln!(
                stdout,
                "  {:<16} ok: {what} ({})",
                outcome.identity, outcome.step
            )?,
            Err(why) => {
                failed = true;
                writeln!(stdout, "  {:<16} FAILED: {why}", outcome.identity)?;
            }
        }
    }
    Ok(if failed { Exit::NotReady } else { Exit::Ready })
}

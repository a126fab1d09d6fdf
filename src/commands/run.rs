//! `run`: load the profile, open every output, audit, write the reports.

use super::*;

/// `run`: load the profile, open every output, audit, write the reports.
pub fn run(
    config: &Path,
    args: &AuditArgs,
    outputs: &[OutputTarget],
    terminal: Terminal,
    env: EnvLookup<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    if !config.exists() {
        writeln!(
            stderr,
            "error: no profile at {}.\n\
             To see an audit without writing one: launch-audit demo\n\
             To write one: copy audit.example.toml from the launch-audit repository to {} and fill it in,\n\
             then check it with: launch-audit validate -c {}",
            config.display(),
            config.display(),
            config.display()
        )?;
        return Ok(Exit::Usage);
    }
    let profile = match profile::load(config, env) {
        Ok(profile) => profile,
        Err(errors) => return report_profile_errors(&errors, stderr),
    };
    audit_and_report(
        profile,
        args,
        Scope::Launch,
        outputs,
        terminal,
        stdout,
        stderr,
    )
}

/// What the decision is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The launch: every check counts, and one not selected still blocks READY.
    Launch,
    /// Only the selected checks, which must all run and pass (`smoke`).
    Selected,
}

/// Opens outputs (before any traffic, so a bad path costs nothing), audits, reports.
pub fn audit_and_report(
    profile: Profile,
    args: &AuditArgs,
    scope: Scope,
    outputs: &[OutputTarget],
    terminal: Terminal,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    let baseline = match &args.baseline {
        None if args.fail_on == crate::decision::FailOn::New => {
            writeln!(
                stderr,
                "error: --fail-on new needs --baseline PREVIOUS.json"
            )?;
            return Ok(Exit::Usage);
        }
        None => None,
        Some(path) => match read_run(path) {
            Ok(run) => Some(run),
            Err(error) => {
                writeln!(stderr, "error: --baseline {}: {error}", path.display())?;
                return Ok(Exit::Usage);
            }
        },
    };
    let progress = Arc::new(crate::progress::LoadProgress::default());
    let options = crate::AuditOptions {
        progress: Some(progress.clone()),
        baseline,
        selection: Selection {
            only: args.only.clone(),
            skip: args.skip.clone(),
        },
        fail_on: args.fail_on,
        consent: crate::ctx::Consent {
            production_writes: args.allow_production_writes,
            production_load: args.allow_production_load,
        },
    };
    let checks = registry::for_profile(&profile);
    let unknown = options.selection.unknown_patterns(&checks);
    if !unknown.is_empty() {
        writeln!(
            stderr,
            "error: --only/--skip name no check or family: {} (see `launch-audit checks`)",
            unknown.join(", ")
        )?;
        return Ok(Exit::Usage);
    }
    let Some(files) = open_files(outputs, stderr)? else {
        return Ok(Exit::Usage);
    };
    // One thread: the audit waits on the network, not the CPU, and a single-threaded
    // runtime spares the load generator the cross-thread wake-ups that cost it 30–40% more
    // CPU per request than oha (bench/load.py).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // A terminal only, and never with -q: nothing on a pipe.
    let bar = (terminal.stderr_is_tty && !args.quiet)
        .then(|| crate::progress_bar::ProgressBar::spawn(progress));
    let audited = runtime.block_on(crate::audit(Arc::new(profile), checks, &options));
    drop(bar);
    let mut run = match audited {
        Ok(run) => run,
        Err(error) => {
            writeln!(stderr, "error: {error}")?;
            return Ok(Exit::Usage);
        }
    };
    if scope == Scope::Selected {
        narrow(&mut run, &options.selection, args.fail_on);
    }
    let style = table_style(terminal, args.no_color, args.quiet, args.verbose);
    write_reports(&run, outputs, files, style, stdout)
}

/// The run as the selected checks alone decide it: the others leave the report, and the
/// decision and next tasks are made again from what is left.
fn narrow(run: &mut AuditRun, selection: &Selection, fail_on: crate::decision::FailOn) {
    run.results.retain(|r| selection.includes(&r.id));
    run.decision = crate::decision::decide(&run.results, fail_on);
    run.next_tasks = crate::next_tasks::rank(
        &run.results,
        &run.decision,
        &run.causes,
        &run.target.domain_name(),
    );
}

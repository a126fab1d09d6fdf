//! What each subcommand does. Every command writes to the writers it is given (so tests
//! can capture them) and returns the process exit status.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use crate::catalogue;
use crate::check::Applicability;
use crate::cli::{AuditArgs, OutputTarget};
use crate::engine::Selection;
use crate::profile::{self, Profile};
use crate::registry;
use crate::report::{self, TableStyle};
use crate::result::AuditRun;

/// The process exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ready = 0,
    NotReady = 1,
    /// Bad usage or profile; nothing was sent.
    Usage = 2,
}

/// Facts about the terminal, gathered once by `main`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Terminal {
    pub stdout_is_tty: bool,
    /// Standard error is a terminal: the load progress bar may be drawn there.
    pub stderr_is_tty: bool,
    /// `NO_COLOR` is set to a non-empty value.
    pub no_color_env: bool,
}

/// How the environment resolves `${VAR}`.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

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
    audit_and_report(profile, args, outputs, terminal, stdout, stderr)
}

/// Opens outputs (before any traffic, so a bad path costs nothing), audits, reports.
pub fn audit_and_report(
    profile: Profile,
    args: &AuditArgs,
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
    let run = match audited {
        Ok(run) => run,
        Err(error) => {
            writeln!(stderr, "error: {error}")?;
            return Ok(Exit::Usage);
        }
    };
    let style = table_style(terminal, args.no_color, args.quiet, args.verbose);
    write_reports(&run, outputs, files, style, stdout)
}

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

/// `init`: a starter profile from a URL and/or an OpenAPI spec, never overwriting one
/// unless asked.
pub fn init(
    args: &crate::cli::InitArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    if args.out.exists() && !args.force {
        writeln!(
            stderr,
            "error: {} exists; choose another --out or add --force",
            args.out.display()
        )?;
        return Ok(Exit::Usage);
    }
    let mut starter = crate::init::Starter::default();
    let mut sources = Vec::new();
    let ca_file = args.ca_file.as_ref().map(|p| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    });
    // The [network] the user gave is the one init's own requests and the profile use.
    starter.nameservers = args.nameserver.clone();
    starter.ca_file = ca_file.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(spec) = &args.openapi {
        let document = match url::Url::parse(spec) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => runtime.block_on(
                crate::init::probe::fetch_spec(&url, &args.nameserver, ca_file.as_deref()),
            ),
            _ => crate::init::openapi::load(std::path::Path::new(spec)),
        };
        let applied = document.and_then(|spec| crate::init::openapi::apply(&spec, &mut starter));
        if let Err(error) = applied {
            writeln!(stderr, "error: --openapi {spec}: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push(format!("--openapi {spec}"));
    }
    if let Some(url) = &args.url {
        let probed = runtime.block_on(crate::init::probe::apply(
            url,
            &args.nameserver,
            ca_file.as_deref(),
            &mut starter,
        ));
        if let Err(error) = probed {
            writeln!(stderr, "error: --url {url}: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push(format!("--url {url}"));
    }
    if args.probe {
        if let Err(error) = runtime.block_on(crate::init::measure::apply(&mut starter)) {
            writeln!(stderr, "error: --probe: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push("--probe".into());
    }
    if starter.name.is_empty() {
        starter.name = "FILL IN".into();
    }
    let text = starter.render(&format!("init {}", sources.join(" ")));
    std::fs::write(&args.out, &text)?;
    let fill_in = text.matches("FILL IN").count();
    writeln!(
        stdout,
        "wrote {}: {} route(s), {} FILL IN marker(s){}",
        args.out.display(),
        starter.routes.len(),
        fill_in,
        if starter.notes.is_empty() {
            String::new()
        } else {
            format!("\n  note: {}", starter.notes.join("\n  note: "))
        }
    )?;
    writeln!(
        stdout,
        "next: fill them in, then `launch-audit validate -c {}`",
        args.out.display()
    )?;
    Ok(Exit::Ready)
}

/// `report --from`: re-render a saved run; no network, the saved decision's exit status.
pub fn report(
    args: &crate::cli::ReportArgs,
    outputs: &[OutputTarget],
    terminal: Terminal,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    let run = match read_run(&args.from) {
        Ok(run) => run,
        Err(error) => {
            writeln!(stderr, "error: --from {}: {error}", args.from.display())?;
            return Ok(Exit::Usage);
        }
    };
    let Some(files) = open_files(outputs, stderr)? else {
        return Ok(Exit::Usage);
    };
    let style = table_style(terminal, args.no_color, false, args.verbose);
    write_reports(&run, outputs, files, style, stdout)
}

/// A report destination on disk, opened.
type ReportFile = (report::Format, BufWriter<File>);

/// The report files, created before any traffic so a bad path costs nothing; `None` after
/// saying which one could not be written.
fn open_files(
    outputs: &[OutputTarget],
    stderr: &mut dyn Write,
) -> io::Result<Option<Vec<ReportFile>>> {
    let mut files = Vec::new();
    for target in outputs {
        if let Some(path) = &target.path {
            match File::create(path) {
                Ok(file) => files.push((target.format, BufWriter::new(file))),
                Err(error) => {
                    writeln!(stderr, "error: cannot write {}: {error}", path.display())?;
                    return Ok(None);
                }
            }
        }
    }
    Ok(Some(files))
}

/// How the table looks on standard output: colour only on a terminal without NO_COLOR or
/// --no-color, wrapped to the terminal or to 120 columns.
fn table_style(terminal: Terminal, no_color: bool, quiet: bool, verbose: bool) -> TableStyle {
    TableStyle {
        color: terminal.stdout_is_tty && !terminal.no_color_env && !no_color,
        quiet,
        verbose,
        width: if terminal.stdout_is_tty {
            None
        } else {
            Some(120)
        },
    }
}

/// Writes `run` to standard output and to the opened files (plain, 120 columns); the exit
/// status is the run's decision.
fn write_reports(
    run: &AuditRun,
    outputs: &[OutputTarget],
    files: Vec<ReportFile>,
    style: TableStyle,
    stdout: &mut dyn Write,
) -> io::Result<Exit> {
    for target in outputs.iter().filter(|t| t.path.is_none()) {
        report::render(target.format, run, &style, stdout)?;
    }
    let file_style = TableStyle {
        color: false,
        width: Some(120),
        ..style
    };
    for (format, mut file) in files {
        report::render(format, run, &file_style, &mut file)?;
        file.flush()?;
    }
    Ok(exit_for(run))
}

/// A saved JSON report, refused when its schema version is not this tool's.
pub fn read_run(path: &Path) -> Result<AuditRun, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let version = value["schema_version"].as_u64();
    // Version 2 only added fields (coverage, causes): a version 1 report reads as one.
    if !version.is_some_and(|v| (1..=u64::from(crate::result::SCHEMA_VERSION)).contains(&v)) {
        return Err(format!(
            "schema_version {} is not {} (written by another version of launch-audit?)",
            version.map_or("missing".to_string(), |v| v.to_string()),
            crate::result::SCHEMA_VERSION
        ));
    }
    let mut run: AuditRun = serde_json::from_value(value)
        .map_err(|e| format!("not a launch-audit JSON report: {e}"))?;
    run.schema_version = crate::result::SCHEMA_VERSION;
    Ok(run)
}

/// Every problem of a profile, then the count; exit 2, as nothing was sent.
fn report_profile_errors(
    errors: &profile::ProfileErrors,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    writeln!(stderr, "{errors}")?;
    writeln!(
        stderr,
        "error: the profile has {} problem(s); nothing was sent",
        errors.0.len()
    )?;
    Ok(Exit::Usage)
}

fn exit_for(run: &AuditRun) -> Exit {
    if run.decision.ready {
        Exit::Ready
    } else {
        Exit::NotReady
    }
}

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

/// `checks`: the catalogue, one line per check.
pub fn list_checks(stdout: &mut dyn Write) -> io::Result<Exit> {
    for meta in catalogue::entries() {
        writeln!(
            stdout,
            "{:<22} {:<9} {}",
            meta.id,
            meta.severity.as_str(),
            meta.title
        )?;
    }
    Ok(Exit::Ready)
}

/// `explain ID`: one catalogue entry in full.
pub fn explain(id: &str, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<Exit> {
    // No profile here: the texts speak of example.com (RFC 2606).
    let Some(meta) = catalogue::lookup_for(id, "example.com") else {
        let ids: Vec<&str> = catalogue::entries().iter().map(|m| m.id.as_str()).collect();
        writeln!(
            stderr,
            "error: no check `{id}`. Known checks: {}",
            ids.join(", ")
        )?;
        return Ok(Exit::Usage);
    };
    writeln!(
        stdout,
        "{} — {} [{}]",
        meta.id,
        meta.title,
        meta.severity.as_str()
    )?;
    // A manual item is never PASS: a person attests it in [attest.<item>].
    let criterion = match meta.kind {
        catalogue::Kind::Probe => "Passes when",
        catalogue::Kind::Manual => "Attested (never PASS: no probe can see it) when",
    };
    if !meta.control.is_empty() {
        writeln!(
            stdout,
            "\nPositive control (no PASS without it):\n  {}",
            meta.control
        )?;
    }
    for (label, text) in [
        (criterion, &meta.pass),
        ("Why it matters", &meta.why),
        ("What breaks if it fails", &meta.breaks),
        ("Fix", &meta.fix),
    ] {
        writeln!(stdout, "\n{label}:\n  {text}")?;
    }
    if !meta.references.is_empty() {
        writeln!(stdout, "\nReferences:")?;
        for reference in &meta.references {
            writeln!(stdout, "  - {reference}")?;
        }
    }
    Ok(Exit::Ready)
}

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
        fixtures::Mode::Hardened
    } else {
        fixtures::Mode::Vulnerable
    };
    let demo = crate::demo::Demo::start(mode)?;
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

//! What each subcommand does, one file per subcommand; this module holds what they share
//! (exit status, terminal facts, opening outputs and writing reports). Every command writes
//! to the writers it is given (so tests can capture them) and returns the exit status.

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
use crate::run::AuditRun;

mod checks;
mod demo;
mod export;
mod init;
mod report_from;
mod run;
mod smoke;
mod validate;

pub use checks::{explain, list_checks};
pub use demo::demo;
pub use export::export;
pub use init::init;
pub use report_from::report;
pub use run::{Scope, audit_and_report, run};
pub use smoke::{SMOKE_CHECKS, smoke};
pub use validate::validate;

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
    if !version.is_some_and(|v| (1..=u64::from(crate::run::SCHEMA_VERSION)).contains(&v)) {
        return Err(format!(
            "schema_version {} is not {} (written by another version of launch-audit?)",
            version.map_or("missing".to_string(), |v| v.to_string()),
            crate::run::SCHEMA_VERSION
        ));
    }
    let mut run: AuditRun = serde_json::from_value(value)
        .map_err(|e| format!("not a launch-audit JSON report: {e}"))?;
    run.schema_version = crate::run::SCHEMA_VERSION;
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

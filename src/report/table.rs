//! The terminal scorecard: one row per check (status, what was seen, fix), then the
//! decision and what blocks it.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use crate::check::Status;
use crate::result::AuditRun;

/// How the table is drawn.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableStyle {
    /// ANSI colours (only on a terminal, never with NO_COLOR or --no-color).
    pub color: bool,
    /// Only the decision and its blockers.
    pub quiet: bool,
    /// Every observation under the table.
    pub verbose: bool,
    /// Wrap to this many columns; `None` asks the terminal.
    pub width: Option<u16>,
}

pub(super) fn render(run: &AuditRun, style: &TableStyle, out: &mut dyn Write) -> io::Result<()> {
    if !style.quiet {
        writeln!(
            out,
            "{} ({}), {}",
            run.target.name,
            run.target.base_url,
            environment(run)
        )?;
        writeln!(out, "{}", scorecard(run, style))?;
        evidence_tables(run, style, out)?;
        if style.verbose {
            evidence(run, out)?;
        }
        writeln!(out)?;
    }
    decision(run, style, out)?;
    for line in super::write_lines(run) {
        writeln!(out, "  write: {line}")?;
    }
    Ok(())
}

fn environment(run: &AuditRun) -> &'static str {
    match run.target.environment {
        crate::profile::Environment::Staging => "staging",
        crate::profile::Environment::Production => "production",
    }
}

fn scorecard(run: &AuditRun, style: &TableStyle) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["Check", "Status", "What was seen", "Fix"]);
    if let Some(width) = style.width {
        table.force_no_tty().set_width(width);
    }
    for result in &run.results {
        let fix = super::fix_hint(result);
        let mut status = Cell::new(result.status.as_str());
        if style.color {
            status = status.fg(color(result.status));
        }
        table.add_row(vec![
            Cell::new(format!(
                "{}\n{} · {}",
                result.id,
                result.title,
                result.severity.as_str()
            )),
            status,
            Cell::new(&result.summary),
            Cell::new(fix),
        ]);
    }
    table
}

/// Grids some checks attach (the role matrix), each under its check id.
fn evidence_tables(run: &AuditRun, style: &TableStyle, out: &mut dyn Write) -> io::Result<()> {
    for result in &run.results {
        for grid in &result.tables {
            let mut table = Table::new();
            table
                .load_preset(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(grid.columns.clone());
            if let Some(width) = style.width {
                table.force_no_tty().set_width(width);
            }
            for row in &grid.rows {
                table.add_row(row.clone());
            }
            writeln!(out, "{} — {}\n{table}", result.id, grid.title)?;
        }
    }
    Ok(())
}

fn evidence(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    for result in &run.results {
        if result.evidence.is_empty() {
            continue;
        }
        writeln!(out, "{} ({} ms)", result.id, result.duration_ms)?;
        for o in &result.evidence {
            writeln!(
                out,
                "  {:<5} {}: {}",
                o.status.as_str(),
                o.subject,
                o.detail
            )?;
        }
    }
    Ok(())
}

fn decision(run: &AuditRun, style: &TableStyle, out: &mut dyn Write) -> io::Result<()> {
    let paint = |text: &str, code: &str| {
        if style.color {
            format!("\x1b[1;{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let counts = super::status_counts(run);
    if run.decision.ready {
        writeln!(
            out,
            "{}: {} checks ({counts})",
            paint("READY", "32"),
            run.results.len()
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: {} blocker(s) among {} checks ({counts})",
        paint("NOT READY", "31"),
        run.decision.blockers.len(),
        run.results.len()
    )?;
    for cause in &run.causes {
        writeln!(out, "  cause: {cause}")?;
    }
    for blocker in &run.decision.blockers {
        writeln!(
            out,
            "  - {} [{}, {}]: {}",
            blocker.id,
            blocker.severity.as_str(),
            blocker.status.as_str(),
            blocker.reason
        )?;
    }
    Ok(())
}

fn color(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Warn => Color::Yellow,
        Status::Fail | Status::Error => Color::Red,
        Status::Skip | Status::NotApplicable => Color::DarkGrey,
        Status::Info => Color::Cyan,
        Status::Waived => Color::Magenta,
        Status::Attested => Color::Blue,
        Status::Open => Color::DarkYellow,
    }
}

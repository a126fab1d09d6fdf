//! The terminal scorecard, made to be read on one screen: the decision first, then one
//! line per check grouped in the areas a founder thinks in (worst first, a one-word verdict
//! per area), then the blockers with their fixes, and the decision again. Details (every
//! observation, evidence grids) are `-v` and `launch-audit explain ID`.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};

use crate::decision::Part;
use crate::result::Status;
use crate::run::AuditRun;

/// How the table is drawn.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableStyle {
    /// ANSI colours (only on a terminal, never with NO_COLOR or --no-color).
    pub color: bool,
    /// Only the decision and its blockers.
    pub quiet: bool,
    /// Every observation, and the evidence grids, after the scorecard.
    pub verbose: bool,
    /// Fit this many columns; `None` asks the terminal.
    pub width: Option<u16>,
}

pub(super) fn render(run: &AuditRun, style: &TableStyle, out: &mut dyn Write) -> io::Result<()> {
    if style.quiet {
        return decision(run, style, out);
    }
    let width = usize::from(style.width.or_else(|| Table::new().width()).unwrap_or(120)).max(60);
    writeln!(
        out,
        "{}",
        clip(
            &format!(
                "{} ({}), {}",
                run.target.name,
                run.target.base_url,
                environment(run)
            ),
            width
        )
    )?;
    decision_line(run, style, width, out)?;
    writeln!(out)?;
    scorecard(run, style, width, out)?;
    if style.verbose {
        evidence_tables(run, style, out)?;
        evidence(run, out)?;
    }
    blockers(run, width, out)?;
    for line in super::write_lines(run) {
        writeln!(out, "{}", clip(&format!("write: {line}"), width))?;
    }
    writeln!(out)?;
    decision_line(run, style, width, out)
}

fn environment(run: &AuditRun) -> &'static str {
    match run.target.environment {
        crate::profile::Environment::Staging => "staging",
        crate::profile::Environment::Production => "production",
    }
}

fn paint(style: &TableStyle, text: &str, code: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `text` cut to `width` characters, with an ellipsis when cut.
fn clip(text: &str, width: usize) -> String {
    let text = text.replace('\n', " ");
    if text.chars().count() <= width {
        return text;
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn scorecard(
    run: &AuditRun,
    style: &TableStyle,
    width: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let title_width = run
        .results
        .iter()
        .map(|r| r.title.chars().count())
        .max()
        .unwrap_or(10)
        .min(36);
    for super::AreaRow {
        area,
        verdict,
        results,
    } in super::by_area(run)
    {
        let code = match verdict {
            super::AreaVerdict::Blocked => "1;31",
            super::AreaVerdict::Review => "1;33",
            super::AreaVerdict::Ok => "1;32",
        };
        writeln!(
            out,
            "{} {}",
            paint(style, &area.title().to_uppercase(), "1"),
            paint(style, verdict.as_str(), code)
        )?;
        for result in results {
            // `ratelimit.login` and its siblings share a title: name which one.
            let title = match result.id.strip_prefix("ratelimit.") {
                Some(name) => format!("{name}: {}", result.title),
                None => result.title.clone(),
            };
            let title = clip(&title, title_width);
            let fixed = format!(
                "  {:<8} {:<8} {title:<title_width$}  ",
                result.status.as_str(),
                result.severity.as_str(),
            );
            let room = width.saturating_sub(fixed.chars().count()).max(20);
            let status = paint(
                style,
                &format!("{:<8}", result.status.as_str()),
                ansi(result.status),
            );
            writeln!(
                out,
                "  {status} {:<8} {title:<title_width$}  {}",
                result.severity.as_str(),
                clip(&result.summary, room)
            )?;
        }
    }
    Ok(())
}

/// The decision in one line, and the causes behind many results.
fn decision_line(
    run: &AuditRun,
    style: &TableStyle,
    width: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let counts = super::status_counts(run);
    let headline = run.decision.headline();
    let (word, rest) = headline.split_once(':').unwrap_or((headline.as_str(), ""));
    let code = match run.decision.word() {
        "READY" => "1;32",
        "NOT READY" => "1;31",
        _ => "1;33",
    };
    if run.decision.ready {
        writeln!(
            out,
            "{}: {} checks ({counts})",
            paint(style, word, code),
            run.results.len()
        )?;
    } else {
        writeln!(
            out,
            "{}:{rest}, among {} checks ({counts})",
            paint(style, word, code),
            run.results.len()
        )?;
    }
    for cause in &run.causes {
        writeln!(out, "{}", clip(&format!("cause: {cause}"), width))?;
    }
    Ok(())
}

/// What blocks the launch, each with the first sentence of its fix.
fn blockers(run: &AuditRun, width: usize, out: &mut dyn Write) -> io::Result<()> {
    if run.decision.blockers.is_empty() {
        return Ok(());
    }
    let problems: Vec<&crate::decision::Blocker> = run
        .decision
        .blockers
        .iter()
        .filter(|b| b.part() == Part::Problem)
        .collect();
    if !problems.is_empty() {
        writeln!(out, "\nProblems found:")?;
    }
    // Every problem, worst first, each on one line: none hides behind a count, and what
    // is left to verify comes after them.
    for blocker in &problems {
        let fix = run
            .results
            .iter()
            .find(|r| r.id == blocker.id)
            .map(|r| super::fix_hint(run, r))
            .unwrap_or_default();
        writeln!(
            out,
            "{}",
            clip(
                &format!(
                    "  {} [{}, {}]: {fix}",
                    blocker.id,
                    blocker.severity.as_str(),
                    blocker.status.as_str()
                ),
                width
            )
        )?;
    }
    // What could not run, grouped by the profile key that lets it run.
    let mut by_key: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for blocker in run
        .decision
        .blockers
        .iter()
        .filter(|b| b.part() == Part::NotVerified)
    {
        let result = run.results.iter().find(|r| r.id == blocker.id);
        // The key that lets it run, or (left out by the command line, say) why it did not;
        // an ERROR that reached nothing, the run's cause or its own.
        let how = match result.and_then(|r| r.needs.as_deref()) {
            Some(key) => format!("add `{key}`"),
            None if blocker.status == Status::Error => match run.causes.first() {
                // The cause is said once, at the top of the table.
                Some(_) => "not reached, first the cause above".to_string(),
                // Its own cause is in its row and evidence; the ids must fit the line.
                None => "not reached, see its evidence".to_string(),
            },
            None => format!(
                "not run ({})",
                result.map_or(blocker.reason.as_str(), |r| r.summary.as_str())
            ),
        };
        by_key.entry(how).or_default().push(&blocker.id);
    }
    if !by_key.is_empty() {
        writeln!(out, "\nTo verify:")?;
        for (how, ids) in &by_key {
            writeln!(
                out,
                "{}",
                clip(&format!("  {how}: {}", ids.join(", ")), width)
            )?;
        }
    }
    let open: Vec<&str> = run
        .decision
        .blockers
        .iter()
        .filter(|b| b.part() == Part::Open)
        .map(|b| b.id.as_str())
        .collect();
    if !open.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            clip(&format!("Handover items open: {}", open.join(", ")), width)
        )?;
    }
    Ok(())
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
    let headline = run.decision.headline();
    let (word, rest) = headline.split_once(':').unwrap_or((headline.as_str(), ""));
    let code = match run.decision.word() {
        "READY" => "32",
        "NOT READY" => "31",
        _ => "33",
    };
    if run.decision.ready {
        writeln!(
            out,
            "{}: {} checks ({counts})",
            paint(word, code),
            run.results.len()
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{}:{rest}, among {} checks ({counts})",
        paint(word, code),
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

fn ansi(status: Status) -> &'static str {
    match status {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail | Status::Error => "31",
        Status::Skip | Status::NotApplicable => "90",
        Status::Info => "36",
        Status::Waived => "35",
        Status::Attested => "34",
        Status::Open => "33",
    }
}

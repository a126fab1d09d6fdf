//! The client report: one self-contained HTML file (inline CSS and SVG, no script, a CSP
//! that forbids fetching anything), laid out as the launch checklist — decision banner,
//! counts, the scorecard with each check's pass criterion, why it matters and what breaks,
//! then each check's evidence and fix, then the run's metadata. Print CSS makes the
//! browser's "Save as PDF" a clean hand-over document.

use std::io::{self, Write};

use crate::catalogue;
use crate::result::CheckResult;
use crate::result::Status;
use crate::run::AuditRun;

fn esc(text: &str) -> String {
    super::escape_markup(text)
}

/// Catalogue prose: escaped, with its `code` spans set as code.
fn prose(text: &str) -> String {
    let mut out = String::new();
    for (n, part) in esc(text).split('`').enumerate() {
        if n % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::Skip => "skip",
        Status::NotApplicable => "na",
        Status::Info => "info",
        Status::Waived => "waived",
        Status::Attested => "attested",
        Status::Open => "open",
    }
}

/// Each status's colour: the badges, the banner and the chart's bars.
fn colour(status: Status) -> &'static str {
    match status {
        Status::Pass => "#1a7f37",
        Status::Warn => "#9a6700",
        Status::Fail => "#cf222e",
        Status::Error => "#a40e26",
        Status::Skip => "#57606a",
        Status::NotApplicable => "#8c959f",
        Status::Info => "#0969da",
        Status::Waived => "#8250df",
        Status::Attested => "#1b7c83",
        Status::Open => "#bc4c00",
    }
}

/// `:root { --pass:#…; … }` and `.pass{background:var(--pass)} …`, from [`colour`].
fn status_style() -> String {
    let vars: String = super::STATUS_ORDER
        .iter()
        .map(|s| format!(" --{}:{};", class(*s), colour(*s)))
        .collect();
    let classes: Vec<String> = super::STATUS_ORDER
        .iter()
        .map(|s| format!(".{0}{{background:var(--{0})}}", class(*s)))
        .collect();
    format!(":root {{{vars} }}\n{}\n", classes.join(" "))
}

const STYLE: &str = r#"
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:#1f2328; margin:0 auto; max-width:1100px; padding:24px; }
h1 { font-size:22px; margin:0 0 4px; } h2 { font-size:18px; margin:28px 0 8px; border-bottom:1px solid #d0d7de; padding-bottom:4px; }
h3 { font-size:15px; margin:18px 0 6px; }
.banner { border-radius:8px; padding:16px 20px; color:#fff; margin:12px 0; }
.banner.ready { background:var(--pass); } .banner.notready { background:var(--fail); }
.banner .verdict { font-size:26px; font-weight:700; letter-spacing:.5px; }
.meta { color:#57606a; }
.chips span { display:inline-block; border-radius:12px; padding:2px 10px; margin:2px 4px 2px 0; color:#fff; font-weight:600; font-size:12px; }
.s { display:inline-block; min-width:64px; text-align:center; border-radius:4px; padding:1px 6px; color:#fff; font-weight:700; font-size:12px; }
table { border-collapse:collapse; width:100%; margin:6px 0 12px; }
th, td { border:1px solid #d0d7de; padding:5px 8px; vertical-align:top; text-align:left; }
th { background:#f6f8fa; }
td.small { font-size:12px; color:#424a53; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.check { page-break-inside:avoid; break-inside:avoid; border:1px solid #d0d7de; border-radius:6px; padding:8px 12px; margin:10px 0; }
.check ul { margin:4px 0; padding-left:20px; } .check li { margin:2px 0; word-break:break-word; }
.fix { background:#f6f8fa; border-left:3px solid var(--info); padding:6px 10px; }
.blockers li { margin:3px 0; }
.impact { margin:4px 0; } .check .meta { margin:4px 0; font-size:12px; }
@media print {
  body { max-width:none; padding:0; font-size:11px; }
  .banner, .s, .chips span { -webkit-print-color-adjust:exact; print-color-adjust:exact; }
  h2 { page-break-after:avoid; break-after:avoid; }
  tr { page-break-inside:avoid; break-inside:avoid; }
  @page { margin:14mm; }
}
"#;

/// The executive summary: the decision in a sentence and the three most urgent fixes in
/// plain words.
fn summary(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<h2>Summary</h2>")?;
    let open = run
        .results
        .iter()
        .filter(|r| super::is_finding(r.status))
        .count();
    let sentence = if run.decision.ready {
        if open == 0 {
            "Nothing blocks the launch, and nothing is left open.".to_string()
        } else {
            format!("Nothing blocks the launch; {open} finding(s) below the bar are worth a look.")
        }
    } else {
        use crate::decision::Part;
        let parts: Vec<String> = [
            (Part::Problem, "problem(s) found"),
            (Part::NotVerified, "check(s) not verified"),
            (Part::Open, "handover item(s) open"),
        ]
        .iter()
        .filter_map(|(part, words)| {
            let n = run.decision.count(*part);
            (n > 0).then(|| format!("{n} {words}"))
        })
        .collect();
        format!(
            "The launch is blocked: {}. The most urgent first:",
            parts.join(", ")
        )
    };
    writeln!(out, "<p>{}</p>", esc(&sentence))?;
    // Reports saved before next_tasks existed: rank them from the results.
    let ranked;
    let tasks = if run.next_tasks.is_empty() {
        ranked = crate::next_tasks::rank(
            &run.results,
            &run.decision,
            &run.causes,
            &run.target.domain_name(),
        );
        &ranked
    } else {
        &run.next_tasks
    };
    let urgent: Vec<_> = tasks.iter().take(3).collect();
    if !urgent.is_empty() {
        writeln!(out, "<ol class=\"urgent\">")?;
        for task in urgent {
            writeln!(
                out,
                "<li><strong>{}</strong> (<code>{}</code>, {}): {}</li>",
                esc(&task.title),
                esc(&task.id),
                task.severity.as_str(),
                prose(&super::first_sentence(&task.fix))
            )?;
        }
        writeln!(out, "</ol>")?;
    }
    Ok(())
}

/// The scorecard by area: a verdict per area, its counts, and its worst finding.
fn areas(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<h2>By area</h2><table class=\"areas\"><tr><th>Area</th><th>Verdict</th><th>Checks</th><th>Worst finding</th></tr>"
    )?;
    for row in super::by_area(run) {
        let worst = row
            .results
            .first()
            .filter(|r| super::is_finding(r.status) || r.status == Status::Skip)
            .map(|r| {
                format!(
                    "<span class=\"s {}\">{}</span> {}",
                    class(r.status),
                    r.status.as_str(),
                    esc(&r.title)
                )
            })
            .unwrap_or_else(|| "—".to_string());
        let verdict_class = match row.verdict {
            super::AreaVerdict::Blocked => "fail",
            super::AreaVerdict::Review => "warn",
            super::AreaVerdict::Ok => "pass",
        };
        writeln!(
            out,
            "<tr><td>{}</td><td><span class=\"s {verdict_class}\">{}</span></td><td class=\"small\">{}</td><td class=\"small\">{worst}</td></tr>",
            esc(row.area.title()),
            row.verdict.as_str(),
            esc(&row.counts())
        )?;
    }
    writeln!(out, "</table>")
}

pub(super) fn render(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    let ready = run.decision.ready;
    writeln!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    )?;
    // Nothing may be fetched: no script, no remote style, font or image.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<title>Launch audit: {}</title><style>{}{STYLE}</style></head><body>",
        esc(&run.target.name),
        status_style()
    )?;
    writeln!(out, "<h1>Launch audit: {}</h1>", esc(&run.target.name))?;
    writeln!(
        out,
        "<div class=\"meta\">{} · {} · {}</div>",
        esc(&run.target.base_url),
        match run.target.environment {
            crate::profile::Environment::Staging => "staging",
            crate::profile::Environment::Production => "production",
        },
        esc(&run.started_at)
    )?;
    writeln!(
        out,
        "<div class=\"banner {}\"><div class=\"verdict\">{}</div>{} checks: {}{}</div>",
        if ready { "ready" } else { "notready" },
        run.decision.word(),
        run.results.len(),
        esc(&super::status_counts(run)),
        if ready {
            String::new()
        } else {
            format!(
                " · {}",
                esc(run
                    .decision
                    .headline()
                    .split_once(": ")
                    .map_or("", |(_, rest)| rest))
            )
        }
    )?;
    chart(run, out)?;
    for cause in &run.causes {
        writeln!(
            out,
            "<p class=\"cause\"><strong>Cause:</strong> {}</p>",
            esc(cause)
        )?;
    }
    summary(run, out)?;
    areas(run, out)?;

    if !run.decision.blockers.is_empty() {
        writeln!(
            out,
            "<h2>What blocks the launch</h2><ul class=\"blockers\">"
        )?;
        for b in &run.decision.blockers {
            writeln!(
                out,
                "<li><span class=\"s {}\">{}</span> <code>{}</code> ({}): {}</li>",
                class(b.status),
                b.status.as_str(),
                esc(&b.id),
                b.severity.as_str(),
                esc(&b.reason)
            )?;
        }
        writeln!(out, "</ul>")?;
    }

    let writes = super::write_lines(run);
    if !writes.is_empty() {
        writeln!(out, "<h2>Writes the probes made</h2><ul class=\"writes\">")?;
        for line in writes {
            writeln!(out, "<li>{}</li>", esc(&line))?;
        }
        writeln!(out, "</ul>")?;
    }

    writeln!(out, "<h2>Launch checklist</h2>")?;
    writeln!(
        out,
        "<table><tr><th>Check</th><th>Status</th><th>Passes when</th><th>Why it matters</th><th>What breaks if it fails</th></tr>"
    )?;
    for result in &run.results {
        let meta = catalogue::lookup_for(&result.id, &run.target.domain_name());
        let meta = meta.as_ref();
        writeln!(
            out,
            "<tr><td><a href=\"#{id}\"><code>{id}</code></a><br>{title}<br><span class=\"meta\">{severity}</span></td><td><span class=\"s {cls}\">{status}</span></td><td class=\"small\">{pass}</td><td class=\"small\">{why}</td><td class=\"small\">{breaks}</td></tr>",
            id = esc(&result.id),
            title = esc(&result.title),
            severity = result.severity.as_str(),
            cls = class(result.status),
            status = result.status.as_str(),
            pass = esc(meta.map_or("", |m| m.pass.as_str())),
            why = esc(meta.map_or("", |m| m.why.as_str())),
            breaks = esc(meta.map_or("", |m| m.breaks.as_str())),
        )?;
    }
    writeln!(out, "</table>")?;

    writeln!(out, "<h2>Findings and evidence</h2>")?;
    let mut ordered: Vec<&CheckResult> = run.results.iter().collect();
    // Findings first, worst severity first; the rest after, in catalogue order.
    ordered.sort_by_key(|r| (!super::is_finding(r.status), r.severity));
    for result in ordered {
        check_section(run, result, out)?;
    }

    if !run.next_tasks.is_empty() {
        writeln!(out, "<h2>Next tasks, most urgent first</h2><ol>")?;
        for task in &run.next_tasks {
            writeln!(
                out,
                "<li><span class=\"s {}\">{}</span> <code>{}</code> ({}{}): {}<br><span class=\"meta\">{}</span></li>",
                class(task.status),
                task.status.as_str(),
                esc(&task.id),
                task.severity.as_str(),
                if task.blocking { ", blocks launch" } else { "" },
                esc(&task.fix),
                esc(&task.seen)
            )?;
        }
        writeln!(out, "</ol>")?;
    }

    if !run.dns_inventory.is_empty() {
        writeln!(
            out,
            "<h2>DNS inventory</h2><table><tr><th>Name</th><th>Type</th><th>TTL</th><th>Value</th></tr>"
        )?;
        for record in &run.dns_inventory {
            writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"small\"><code>{}</code></td></tr>",
                esc(&record.name),
                esc(&record.kind),
                record.ttl,
                esc(&record.value)
            )?;
        }
        writeln!(out, "</table>")?;
    }

    writeln!(out, "<h2>About this run</h2><table>")?;
    for (key, value) in [
        (
            "Target",
            format!("{} ({})", run.target.name, run.target.base_url),
        ),
        ("Started", run.started_at.clone()),
        ("Duration", format!("{} ms", run.duration_ms)),
        ("Tool", format!("{} {}", run.tool, run.version)),
        ("Profile", run.target.profile.clone()),
        ("Profile SHA-256", run.target.profile_sha256.clone()),
        ("Report schema", run.schema_version.to_string()),
    ] {
        writeln!(
            out,
            "<tr><th>{key}</th><td><code>{}</code></td></tr>",
            esc(&value)
        )?;
    }
    writeln!(out, "</table>\n</body></html>")
}

fn check_section(run: &AuditRun, result: &CheckResult, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<div class=\"check\" id=\"{id}\"><h3><span class=\"s {cls}\">{status}</span> <code>{id}</code> {title}</h3><div>{summary}</div>",
        id = esc(&result.id),
        cls = class(result.status),
        status = result.status.as_str(),
        title = esc(&result.title),
        summary = esc(&result.summary),
    )?;
    let meta = catalogue::lookup_for(&result.id, &run.target.domain_name());
    let finding = super::is_finding(result.status);
    if let (true, Some(meta)) = (finding, &meta) {
        writeln!(
            out,
            "<div class=\"impact\"><b>What breaks:</b> {}</div>",
            prose(&meta.breaks)
        )?;
    }
    if let Some(coverage) = &result.coverage {
        writeln!(
            out,
            "<div class=\"meta\">Coverage: {} of {} {} probed{}</div>",
            coverage.probed,
            coverage.total,
            esc(&coverage.unit),
            if coverage.left.is_empty() {
                String::new()
            } else {
                format!(" — {}", esc(&coverage.left.join("; ")))
            }
        )?;
    }
    if !result.evidence.is_empty() {
        writeln!(out, "<ul>")?;
        for o in &result.evidence {
            writeln!(
                out,
                "<li><span class=\"s {}\">{}</span> <code>{}</code>: {}</li>",
                class(o.status),
                o.status.as_str(),
                esc(&o.subject),
                esc(&o.detail)
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    for grid in &result.tables {
        if grid.title == crate::checks::latency::HISTOGRAM_TITLE {
            histogram(grid, out)?;
        }
        writeln!(out, "<table><caption>{}</caption><tr>", esc(&grid.title))?;
        for column in &grid.columns {
            write!(out, "<th>{}</th>", esc(column))?;
        }
        writeln!(out, "</tr>")?;
        for row in &grid.rows {
            write!(out, "<tr>")?;
            for cell in row {
                write!(out, "<td class=\"small\">{}</td>", esc(cell))?;
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</table>")?;
    }
    if super::is_finding(result.status) || result.status == Status::Skip {
        let fix = super::remedy(run, result);
        if !fix.is_empty() {
            writeln!(out, "<div class=\"fix\"><b>Fix:</b> {}</div>", prose(&fix))?;
        }
    }
    if let (true, Some(meta)) = (finding, &meta)
        && !meta.references.is_empty()
    {
        writeln!(
            out,
            "<div class=\"meta small\">References: {}</div>",
            esc(&meta.references.join(" · "))
        )?;
    }
    writeln!(out, "</div>")
}

/// A latency histogram (rows: bucket, count) as an inline SVG bar chart.
fn histogram(grid: &crate::result::EvidenceTable, out: &mut dyn Write) -> io::Result<()> {
    let bars: Vec<(&str, u64)> = grid
        .rows
        .iter()
        .filter_map(|row| Some((row.first()?.as_str(), row.get(1)?.parse().ok()?)))
        .collect();
    let most = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let width = 60.0;
    let height = 140.0;
    writeln!(
        out,
        "<svg role=\"img\" aria-label=\"latency histogram\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">",
        bars.len() as f64 * width,
        height + 40.0,
        bars.len() as f64 * width,
        height + 40.0
    )?;
    for (i, (label, count)) in bars.iter().enumerate() {
        let bar = height * *count as f64 / most;
        let x = i as f64 * width;
        writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\" fill=\"#0969da\"><title>{} requests {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{count}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
            x + 6.0,
            height - bar + 12.0,
            width - 12.0,
            count,
            esc(label),
            x + width / 2.0,
            height - bar + 10.0,
            x + width / 2.0,
            height + 26.0,
            esc(label)
        )?;
    }
    writeln!(out, "</svg>")
}

/// The status counts as an inline SVG bar: the report's one picture, no external asset.
fn chart(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    let total = run.results.len().max(1) as f64;
    writeln!(
        out,
        "<svg role=\"img\" aria-label=\"{}\" width=\"100%\" height=\"28\" viewBox=\"0 0 1000 28\" preserveAspectRatio=\"none\">",
        esc(&super::status_counts(run))
    )?;
    let mut x = 0.0;
    for status in super::STATUS_ORDER {
        let n = run.count(status);
        if n == 0 {
            continue;
        }
        let width = 1000.0 * n as f64 / total;
        writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"0\" width=\"{width:.1}\" height=\"28\" fill=\"{}\"><title>{n} {}</title></rect>",
            colour(status),
            status.as_str()
        )?;
        x += width;
    }
    writeln!(out, "</svg>")?;
    write!(out, "<div class=\"chips\">")?;
    for status in super::STATUS_ORDER {
        let n = run.count(status);
        if n > 0 {
            write!(
                out,
                "<span class=\"{}\">{n} {}</span>",
                class(status),
                status.as_str()
            )?;
        }
    }
    writeln!(out, "</div>")
}

//! Markdown for a pull-request comment: the decision, what blocks it, the scorecard, and
//! each finding's evidence folded in `<details>`.

use std::io::{self, Write};

use crate::run::AuditRun;

/// Table cells hold one line, `|` would end the cell, and markup in evidence must stay text.
fn cell(text: &str) -> String {
    escape(text).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A list item: one line, markup kept as text.
fn line(text: &str) -> String {
    escape(text).replace(['\n', '\r'], " ")
}

/// Text inside `<details>`: HTML-escaped, so evidence never becomes markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn render(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    let mark = match run.decision.word() {
        "READY" => "✅",
        "NOT READY" => "❌",
        _ => "⚠️",
    };
    writeln!(out, "## launch-audit: {mark} {}\n", run.decision.headline())?;
    writeln!(
        out,
        "**{}** ({}) · {} checks: {} · launch-audit {} · {}\n",
        cell(&run.target.name),
        run.target.base_url,
        run.results.len(),
        super::status_counts(run),
        run.version,
        run.started_at
    )?;
    for cause in &run.causes {
        writeln!(out, "> **Cause:** {}\n", cell(cause))?;
    }
    let writes = super::write_lines(run);
    if !writes.is_empty() {
        writeln!(out, "### Writes the probes made\n")?;
        for line in writes {
            writeln!(out, "- {}", cell(&line))?;
        }
        writeln!(out)?;
    }
    if !run.decision.blockers.is_empty() {
        writeln!(out, "### Blocking the launch\n")?;
        for blocker in &run.decision.blockers {
            writeln!(
                out,
                "- `{}` ({}, {}): {}",
                blocker.id,
                blocker.severity.as_str(),
                blocker.status.as_str(),
                line(&blocker.reason)
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "| area | verdict | checks |\n|---|---|---|")?;
    for row in super::by_area(run) {
        writeln!(
            out,
            "| {} | **{}** | {} |",
            row.area.title(),
            row.verdict.as_str(),
            row.counts()
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "| check | severity | status | what was seen | next step |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    for result in &run.results {
        let novelty = match result.novelty {
            Some(crate::result::Novelty::New) => " (new)",
            Some(crate::result::Novelty::Known) => " (known)",
            None => "",
        };
        writeln!(
            out,
            "| `{}` | {} | **{}**{novelty} | {} | {} |",
            result.id,
            result.severity.as_str(),
            result.status.as_str(),
            cell(&result.summary),
            cell(&super::fix_hint(run, result))
        )?;
    }
    // Journeys: their steps and latencies whatever the verdict (post-deploy timings).
    let journeys: Vec<_> = run
        .results
        .iter()
        .flat_map(|r| r.tables.iter().map(move |t| (r, t)))
        .filter(|(_, t)| t.title == crate::checks::journeys::STEPS_TITLE)
        .collect();
    if !journeys.is_empty() {
        writeln!(out, "\n### Journeys\n")?;
    }
    for (result, table) in journeys {
        writeln!(out, "`{}` — **{}**\n", result.id, result.status.as_str())?;
        writeln!(
            out,
            "| {} |",
            table
                .columns
                .iter()
                .map(|c| cell(c))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
        writeln!(out, "|{}", "---|".repeat(table.columns.len()))?;
        for row in &table.rows {
            writeln!(
                out,
                "| {} |",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            )?;
        }
        writeln!(out)?;
    }
    if !run.next_tasks.is_empty() {
        writeln!(out, "\n### Next tasks\n")?;
        for task in &run.next_tasks {
            writeln!(
                out,
                "- [ ] **{}** `{}` ({}{}): {} — {}",
                task.severity.as_str(),
                task.id,
                task.status.as_str(),
                if task.blocking { ", blocks launch" } else { "" },
                line(&task.fix),
                line(&task.seen)
            )?;
        }
    }
    if !run.dns_inventory.is_empty() {
        writeln!(out, "\n### DNS inventory\n")?;
        writeln!(out, "| name | type | TTL | value |")?;
        writeln!(out, "|---|---|---|---|")?;
        for record in &run.dns_inventory {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&record.name),
                record.kind,
                record.ttl,
                cell(&record.value)
            )?;
        }
    }
    let findings: Vec<_> = run
        .results
        .iter()
        .filter(|r| super::is_finding(r.status) && !r.evidence.is_empty())
        .collect();
    if !findings.is_empty() {
        writeln!(out, "\n### Evidence\n")?;
    }
    for result in findings {
        writeln!(
            out,
            "<details><summary><code>{}</code> — {} ({} observations)</summary>\n",
            result.id,
            result.status.as_str(),
            result.evidence.len()
        )?;
        for o in &result.evidence {
            writeln!(
                out,
                "- **{}** {}: {}",
                o.status.as_str(),
                escape(&o.subject),
                escape(&o.detail)
            )?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    Ok(())
}

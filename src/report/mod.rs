//! Reporters: pure functions of an [`AuditRun`], each writing to any `Write`.
//! Adding a format touches no check: add a variant, a file, and a match arm.

mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;

use std::io::{self, Write};

use crate::result::CheckResult;
use crate::result::{Severity, Status};
use crate::run::AuditRun;

pub use table::TableStyle;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The scorecard as a terminal table, with the decision and its blockers.
    Table,
    /// The whole run, versioned (`schema_version`): see docs/json-report.md.
    Json,
    /// JUnit XML: one testcase per check, a testsuite per family (CI test reports).
    Junit,
    /// SARIF 2.1.0: one result per non-passing check, rules from the catalogue (code scanning).
    Sarif,
    /// Markdown for a pull-request comment: decision, table, evidence folded.
    Markdown,
    /// One self-contained HTML file: the client report (prints to PDF cleanly).
    Html,
}

/// Renders `run` as `format`.
pub fn render(
    format: Format,
    run: &AuditRun,
    style: &TableStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(run, style, out),
        Format::Json => json::render(run, out),
        Format::Junit => junit::render(run, out),
        Format::Sarif => sarif::render(run, out),
        Format::Markdown => markdown::render(run, out),
        Format::Html => html::render(run, out),
    }
}

/// Every status in report order.
pub(crate) const STATUS_ORDER: [Status; 10] = [
    Status::Pass,
    Status::Warn,
    Status::Fail,
    Status::Error,
    Status::Skip,
    Status::NotApplicable,
    Status::Info,
    Status::Waived,
    Status::Attested,
    Status::Open,
];

/// One line per write route the probes wrote to: `PATCH /api/x/1: 3 accepted write(s),
/// restored — name put back as carol`.
pub(crate) fn write_lines(run: &AuditRun) -> Vec<String> {
    use crate::writes::WriteState;
    run.writes
        .iter()
        .map(|w| {
            let state = match w.state {
                WriteState::Unchanged => "unchanged",
                WriteState::Restored => "restored",
                WriteState::LeftChanged => "LEFT CHANGED",
                WriteState::NotRestorable => "NOT RESTORED",
            };
            format!(
                "{}: {} accepted write(s), {state} — {}",
                w.request, w.accepted, w.detail
            )
        })
        .collect()
}

/// Worst first: what blocks, then what needs a look, then what passed.
pub(crate) fn rank(status: Status) -> u8 {
    match status {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Open => 2,
        Status::Warn => 3,
        Status::Skip => 4,
        Status::Waived => 5,
        Status::Info => 6,
        Status::NotApplicable => 7,
        Status::Attested => 8,
        Status::Pass => 9,
    }
}

fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Critical => 0,
        Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
        Severity::Info => 4,
    }
}

/// One word for an area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AreaVerdict {
    /// One of its checks blocks the launch.
    Blocked,
    /// One needs a look (WARN, OPEN, a SKIP or ERROR that does not block).
    Review,
    Ok,
}

impl AreaVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaVerdict::Blocked => "BLOCKED",
            AreaVerdict::Review => "REVIEW",
            AreaVerdict::Ok => "OK",
        }
    }
}

fn area_verdict(run: &AuditRun, results: &[&CheckResult]) -> AreaVerdict {
    let blocks = |r: &&CheckResult| run.decision.blockers.iter().any(|b| b.id == r.id);
    if results.iter().any(blocks) {
        AreaVerdict::Blocked
    } else if results.iter().any(|r| {
        matches!(
            r.status,
            Status::Warn | Status::Open | Status::Skip | Status::Error | Status::Fail
        )
    }) {
        AreaVerdict::Review
    } else {
        AreaVerdict::Ok
    }
}

/// One area of the scorecard: its results worst first, and its one-word verdict.
pub(crate) struct AreaRow<'a> {
    pub area: crate::area::Area,
    pub verdict: AreaVerdict,
    pub results: Vec<&'a CheckResult>,
}

impl AreaRow<'_> {
    /// `3 FAIL, 1 PASS`: the area's statuses, worst first.
    pub fn counts(&self) -> String {
        let mut counts: Vec<(Status, usize)> = Vec::new();
        for result in &self.results {
            match counts.iter_mut().find(|(s, _)| *s == result.status) {
                Some((_, n)) => *n += 1,
                None => counts.push((result.status, 1)),
            }
        }
        counts
            .iter()
            .map(|(s, n)| format!("{n} {}", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The run's results by area, in scorecard order; areas without results left out.
pub(crate) fn by_area(run: &AuditRun) -> Vec<AreaRow<'_>> {
    crate::area::Area::ALL
        .into_iter()
        .filter_map(|area| {
            let mut results: Vec<&CheckResult> = run
                .results
                .iter()
                .filter(|r| crate::catalogue::area_of(&r.id) == area)
                .collect();
            if results.is_empty() {
                return None;
            }
            results.sort_by_key(|r| (rank(r.status), severity_rank(r.severity), r.id.clone()));
            Some(AreaRow {
                area,
                verdict: area_verdict(run, &results),
                results,
            })
        })
        .collect()
}

/// `30 PASS, 2 WARN, 1 FAIL`: the statuses present, in report order.
pub(crate) fn status_counts(run: &AuditRun) -> String {
    STATUS_ORDER
        .iter()
        .filter_map(|s| {
            let n = run.count(*s);
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The one-line next step for a result: the first sentence of its remedy
/// ([`crate::remedy`]): the fix of a FAIL, what lets an ERROR decide, the key a SKIP needs,
/// the waiver a WAIVED result rests on.
pub(crate) fn fix_hint(run: &AuditRun, result: &CheckResult) -> String {
    first_sentence(&remedy(run, result))
}

/// The whole remedy for `result` in this run.
pub(crate) fn remedy(run: &AuditRun, result: &CheckResult) -> String {
    crate::remedy::remedy(result, &run.causes, &run.target.domain_name())
}

/// The first sentence of a fix path, for one-line places; `explain` shows the whole.
pub(crate) fn first_sentence(text: &str) -> String {
    let mut from = 0;
    while let Some(at) = text[from..].find(". ") {
        let end = from + at;
        // "e.g. " and "i.e. " do not end a sentence, nor does a dot inside `code` (a
        // record such as `example.com. CAA 0 issue …`).
        let in_code = text[..end].matches('`').count() % 2 == 1;
        if !(in_code || text[..end].ends_with("e.g") || text[..end].ends_with("i.e")) {
            return text[..=end].to_string();
        }
        from = end + 2;
    }
    text.to_string()
}

/// Text for XML and HTML, as element content or a quoted attribute: markup characters as
/// references, and the control characters XML 1.0 forbids dropped.
pub(crate) fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether a status needs someone's attention (reports list these first and in detail).
pub(crate) fn is_finding(status: Status) -> bool {
    matches!(
        status,
        Status::Fail | Status::Error | Status::Warn | Status::Waived | Status::Open
    )
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentence_skips_abbreviations() {
        assert_eq!(
            first_sentence("Serve a page (e.g. /healthz) fast. Then more."),
            "Serve a page (e.g. /healthz) fast."
        );
        assert_eq!(first_sentence("One sentence"), "One sentence");
    }
}

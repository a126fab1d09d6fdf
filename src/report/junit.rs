//! JUnit XML, the test report every CI system reads: a `<testsuite>` per family, a
//! `<testcase>` per check. FAIL is a `<failure>`, ERROR an `<error>`, SKIP, N/A and WAIVED
//! `<skipped>`; WARN passes with its summary in `<system-out>`. Evidence goes in the body.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::result::CheckResult;
use crate::result::Status;
use crate::run::AuditRun;

fn xml(text: &str) -> String {
    super::escape_markup(text)
}

fn evidence(result: &CheckResult) -> String {
    result
        .evidence
        .iter()
        .map(|o| format!("{} {}: {}", o.status.as_str(), o.subject, o.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

pub(super) fn render(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    let mut families: BTreeMap<&str, Vec<&CheckResult>> = BTreeMap::new();
    for result in &run.results {
        families
            .entry(result.family.as_str())
            .or_default()
            .push(result);
    }
    let count = |results: &[&CheckResult], statuses: &[Status]| {
        results
            .iter()
            .filter(|r| statuses.contains(&r.status))
            .count()
    };
    let all: Vec<&CheckResult> = run.results.iter().collect();
    let skipped = [Status::Skip, Status::NotApplicable, Status::Waived];
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="launch-audit: {}" tests="{}" failures="{}" errors="{}" skipped="{}" time="{}" timestamp="{}">"#,
        xml(&run.target.name),
        all.len(),
        count(&all, &[Status::Fail, Status::Open]),
        count(&all, &[Status::Error]),
        count(&all, &skipped),
        seconds(run.duration_ms),
        xml(&run.started_at)
    )?;
    for (family, results) in &families {
        let time: u64 = results.iter().map(|r| r.duration_ms).sum();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="{}" time="{}">"#,
            xml(family),
            results.len(),
            count(results, &[Status::Fail, Status::Open]),
            count(results, &[Status::Error]),
            count(results, &skipped),
            seconds(time)
        )?;
        for result in results {
            writeln!(
                out,
                r#"    <testcase classname="launch-audit.{}" name="{}" time="{}">"#,
                xml(family),
                xml(&result.id),
                seconds(result.duration_ms)
            )?;
            let message = format!("[{}] {}", result.severity.as_str(), result.summary);
            match result.status {
                // An unattested handover item fails the suite like a failed check.
                Status::Fail | Status::Open => writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    xml(&message),
                    result.status.as_str(),
                    xml(&evidence(result))
                )?,
                Status::Error => writeln!(
                    out,
                    r#"      <error message="{}" type="ERROR">{}</error>"#,
                    xml(&message),
                    xml(&evidence(result))
                )?,
                Status::Skip | Status::NotApplicable | Status::Waived => writeln!(
                    out,
                    r#"      <skipped message="{}: {}"/>"#,
                    result.status.as_str(),
                    xml(&result.summary)
                )?,
                Status::Pass | Status::Warn | Status::Info | Status::Attested => writeln!(
                    out,
                    r#"      <system-out>{}: {}{}{}</system-out>"#,
                    result.status.as_str(),
                    xml(&result.summary),
                    if result.evidence.is_empty() { "" } else { "\n" },
                    xml(&evidence(result))
                )?,
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

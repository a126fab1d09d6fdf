//! SARIF 2.1.0 (OASIS), what code-scanning dashboards read: one rule per check that ran
//! (text from the catalogue), one result per check needing attention. A WAIVED result
//! carries an external suppression with the waiver's reason; `--baseline` becomes
//! `baselineState`. Findings are about a running target, not a source line, so each points
//! at the profile that named the target.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::catalogue;
use crate::result::Novelty;
use crate::result::{Severity, Status};
use crate::run::AuditRun;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning ranks alerts by this CVSS-like number.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The profile as a URI reference: relative paths stay relative, absolute ones get `file://`.
fn profile_uri(path: &str) -> String {
    let encoded: String = path
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '\\' => "/".to_string(),
            c => c.to_string(),
        })
        .collect();
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

pub(super) fn render(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = run
        .results
        .iter()
        .map(|result| {
            let meta = catalogue::lookup_for(&result.id, &run.target.domain_name());
            let meta = meta.as_ref();
            let text = |f: fn(&catalogue::CheckMeta) -> &String, fallback: &str| {
                meta.map_or(fallback.to_string(), |m| f(m).clone())
            };
            let fix = text(|m| &m.fix, "");
            json!({
                "id": result.id,
                "name": result.title,
                "shortDescription": { "text": result.title },
                "fullDescription": { "text": text(|m| &m.pass, &result.title) },
                "help": {
                    "text": format!("{}\n\nWhy: {}\n\nFix: {fix}", text(|m| &m.pass, ""), text(|m| &m.why, "")),
                    "markdown": format!(
                        "**Passes when** {}\n\n**Why it matters** {}\n\n**What breaks** {}\n\n**Fix** {fix}",
                        text(|m| &m.pass, ""),
                        text(|m| &m.why, ""),
                        text(|m| &m.breaks, "")
                    ),
                },
                "defaultConfiguration": { "level": level(result.severity) },
                "properties": {
                    "tags": ["security", result.family],
                    "security-severity": security_severity(result.severity),
                    "severity": result.severity.as_str(),
                },
            })
        })
        .collect();
    let results: Vec<Value> = run
        .results
        .iter()
        .enumerate()
        // Findings, the attested handover items (a person's word is part of the record,
        // as information, never a pass), and the journeys, whose step latencies a
        // post-deploy record keeps whatever the verdict.
        .filter(|(_, r)| {
            super::is_finding(r.status)
                || r.status == Status::Attested
                || (r.status == Status::Pass && r.family == "journey")
        })
        .map(|(index, result)| {
            let (kind, level) = match result.status {
                Status::Attested => ("informational", "none"),
                Status::Pass => ("pass", "none"),
                Status::Warn => ("fail", "warning"),
                Status::Error => ("fail", "error"),
                _ => ("fail", level(result.severity)),
            };
            let mut value = json!({
                "ruleId": result.id,
                "ruleIndex": index,
                "kind": kind,
                "level": level,
                "message": { "text": format!("{}: {}", result.status.as_str(), result.summary) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": profile_uri(&run.target.profile) },
                        "region": { "startLine": 1 },
                    },
                    "message": { "text": run.target.base_url },
                }],
                "partialFingerprints": { "launchAuditCheck/v1": format!("{}@{}", result.id, run.target.base_url) },
                "properties": {
                    "status": result.status.as_str(),
                    "evidence": result.evidence.iter().map(|o| json!({
                        "status": o.status.as_str(), "subject": o.subject, "detail": o.detail,
                    })).collect::<Vec<_>>(),
                },
            });
            if let Some(waiver) = &result.waiver {
                value["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("{} (until {})", waiver.reason, waiver.expires),
                }]);
            }
            if let Some(novelty) = result.novelty {
                value["baselineState"] = json!(match novelty {
                    Novelty::New => "new",
                    Novelty::Known => "unchanged",
                });
            }
            value
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "launch-audit",
                "version": run.version,
                "semanticVersion": run.version,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "startTimeUtc": run.started_at,
            }],
            "results": results,
            "properties": {
                "target": run.target.base_url,
                "decision": run.decision.verdict,
            },
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

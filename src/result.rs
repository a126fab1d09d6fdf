//! What a check found, as plain data: statuses, severities, observations, and the
//! scorecard row each check becomes. Every layer above (the engine, the decision, the
//! reporters) speaks these types; this module names no other module of the crate.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a failed check matters to the launch decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// Critical and high checks must run and pass for READY; a SKIP of one blocks.
    pub fn must_run(self) -> bool {
        matches!(self, Severity::Critical | Severity::High)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// The outcome of one check (see docs/checks.md, "Status semantics").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// Ran, and the evidence shows the criterion holds.
    #[serde(rename = "PASS")]
    Pass,
    /// Ran; a weakness below the bar.
    #[serde(rename = "WARN")]
    Warn,
    /// Ran; the criterion does not hold.
    #[serde(rename = "FAIL")]
    Fail,
    /// Could not decide (timeout, refused connection, unexpected answer). Counts as a failure.
    #[serde(rename = "ERROR")]
    Error,
    /// The profile lacks what the check needs.
    #[serde(rename = "SKIP")]
    Skip,
    /// The profile states the thing does not exist.
    #[serde(rename = "N/A")]
    NotApplicable,
    /// Ran; reports a fact, not a verdict (which CDN is in front). Never blocks, never passes.
    #[serde(rename = "INFO")]
    Info,
    /// A FAIL or WARN whose risk the profile accepts (`[[waivers]]`) until a date. Never
    /// turns into PASS; does not block.
    #[serde(rename = "WAIVED")]
    Waived,
    /// A manual handover item (rollback plan, backups) a person answers for in `[attest]`.
    /// The tool did not see it, so it is never PASS; it does not block.
    #[serde(rename = "ATTESTED")]
    Attested,
    /// A manual handover item nobody has attested. Blocks READY when critical or high.
    #[serde(rename = "OPEN")]
    Open,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Skip => "SKIP",
            Status::NotApplicable => "N/A",
            Status::Info => "INFO",
            Status::Waived => "WAIVED",
            Status::Attested => "ATTESTED",
            Status::Open => "OPEN",
        }
    }

    /// Rank used to combine observations: the worst one decides the check.
    /// A FAIL outranks an ERROR: one proven failure decides even if another probe broke.
    fn badness(self) -> u8 {
        match self {
            Status::NotApplicable => 0,
            Status::Info => 1,
            Status::Waived => 1,
            Status::Attested => 1,
            Status::Skip => 2,
            Status::Pass => 3,
            Status::Warn => 4,
            Status::Open => 4,
            Status::Error => 5,
            Status::Fail => 6,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a check looked at and what it saw there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The status this observation alone supports.
    pub status: Status,
    /// What was looked at: a host, or a request such as `GET https://app.acme.test/healthz`.
    pub subject: String,
    /// What was seen, in one line.
    pub detail: String,
}

impl Observation {
    pub fn new(status: Status, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Observation {
            status,
            subject: subject.into(),
            detail: detail.into(),
        }
    }
}

/// Evidence that reads best as a grid, such as the role matrix (identity × route).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceTable {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a check probed of what exists, and why it left the rest: a PASS over part of the
/// app says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// What was counted: "routes", "scripts", "URLs".
    pub unit: String,
    pub probed: usize,
    pub total: usize,
    /// Why the rest was not probed, one reason each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
}

impl Coverage {
    pub fn new(unit: &str, probed: usize, total: usize, left: Vec<String>) -> Coverage {
        Coverage {
            unit: unit.to_string(),
            probed,
            total,
            left,
        }
    }

    pub fn is_partial(&self) -> bool {
        self.probed < self.total
    }

    /// `3 of 5 routes probed (2 writes not probed without allow_writes)`.
    pub fn describe(&self) -> String {
        let mut text = format!("{} of {} {} probed", self.probed, self.total, self.unit);
        if !self.left.is_empty() {
            text.push_str(&format!(" ({})", self.left.join("; ")));
        }
        text
    }
}

/// What a check reports: its status, a one-line summary, and the evidence behind them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<Observation>,
    pub tables: Vec<EvidenceTable>,
    pub coverage: Option<Coverage>,
    /// A SKIP found at run time names the profile key that would let the check run.
    pub needs: Option<String>,
}

impl Finding {
    /// Nothing to judge was found at run time (nothing declared, nothing discovered): a
    /// SKIP naming the key that gives the check something to probe.
    pub fn skip(key: &str, reason: impl Into<String>) -> Finding {
        Finding {
            status: Status::Skip,
            summary: reason.into(),
            evidence: Vec::new(),
            tables: Vec::new(),
            coverage: None,
            needs: Some(key.to_string()),
        }
    }

    /// The worst observation decides; the summary names what was seen at that status.
    /// No observation at all is an ERROR: a check that saw nothing cannot pass.
    pub fn from_observations(evidence: Vec<Observation>) -> Finding {
        let Some(status) = evidence
            .iter()
            .map(|o| o.status)
            .max_by_key(|s| s.badness())
        else {
            return Finding::error("the check collected no evidence");
        };
        let worst: Vec<&Observation> = evidence.iter().filter(|o| o.status == status).collect();
        let mut summary = worst
            .iter()
            .take(3)
            .map(|o| format!("{}: {}", o.subject, o.detail))
            .collect::<Vec<_>>()
            .join("; ");
        if worst.len() > 3 {
            summary.push_str(&format!("; and {} more", worst.len() - 3));
        }
        Finding {
            status,
            summary,
            evidence,
            tables: Vec::new(),
            coverage: None,
            needs: None,
        }
    }

    /// The check could not decide.
    pub fn error(reason: impl Into<String>) -> Finding {
        Finding {
            status: Status::Error,
            summary: reason.into(),
            evidence: Vec::new(),
            tables: Vec::new(),
            coverage: None,
            needs: None,
        }
    }

    pub fn with_coverage(mut self, coverage: Coverage) -> Finding {
        self.coverage = Some(coverage);
        self
    }

    pub fn with_table(mut self, table: EvidenceTable) -> Finding {
        self.tables.push(table);
        self
    }
}

/// The family of a check id: the part before the first dot.
pub fn family_of(id: &str) -> &str {
    id.split_once('.').map_or(id, |(family, _)| family)
}

/// One scorecard row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckResult {
    /// `family.name`.
    pub id: String,
    pub title: String,
    pub family: String,
    pub severity: Severity,
    pub status: Status,
    /// What was seen, in one line (redacted).
    pub summary: String,
    /// For SKIP: the profile key that would enable the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    /// Everything the check looked at (redacted).
    pub evidence: Vec<Observation>,
    /// Evidence laid out as grids, e.g. the role matrix (redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<EvidenceTable>,
    /// What the check probed of what exists (absent where the check does not count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// Wall time of the check.
    pub duration_ms: u64,
    /// For WAIVED: the waiver and the status it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// With `--baseline`, for non-passing results: whether the previous run had it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub novelty: Option<Novelty>,
    /// For ERROR: nothing the check audits answered it (the origin was down, a gate stood
    /// in front, its input was missing), so it is "not verified", not a problem found.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreached: bool,
}

#[cfg(test)]
impl CheckResult {
    /// A result with only what unit tests vary: its id, severity and status.
    pub(crate) fn sample(id: &str, severity: Severity, status: Status) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: id.into(),
            family: family_of(id).into(),
            severity,
            status,
            summary: "seen".into(),
            needs: None,
            evidence: vec![],
            tables: vec![],
            coverage: None,
            duration_ms: 0,
            waiver: None,
            novelty: None,
            unreached: false,
        }
    }
}

/// The waiver a WAIVED result carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverNote {
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    /// What the check found: FAIL or WARN.
    pub waived_status: Status,
}

/// A finding compared with `--baseline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Novelty {
    New,
    Known,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_evidence_is_an_error_not_a_pass() {
        assert_eq!(Finding::from_observations(vec![]).status, Status::Error);
    }

    #[test]
    fn worst_observation_decides() {
        let finding = Finding::from_observations(vec![
            Observation::new(Status::Pass, "a", "fine"),
            Observation::new(Status::Error, "b", "timed out"),
            Observation::new(Status::Fail, "c", "served .env"),
            Observation::new(Status::Warn, "d", "weak"),
        ]);
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(finding.summary, "c: served .env");
        let finding = Finding::from_observations(vec![
            Observation::new(Status::Pass, "a", "fine"),
            Observation::new(Status::Error, "b", "timed out"),
        ]);
        assert_eq!(finding.status, Status::Error);
    }
}

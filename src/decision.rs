//! READY or NOT READY, and what blocks it. Pure: a function of the results.

use serde::{Deserialize, Serialize};

use crate::result::{CheckResult, Novelty};
use crate::result::{Severity, Status};

/// Which statuses fail the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// FAIL and ERROR block READY (and SKIP of a critical or high check).
    #[default]
    Fail,
    /// WARN blocks READY too.
    Warn,
    /// Only FAIL and ERROR that `--baseline` did not know block (and SKIP of a critical or
    /// high check): adopt the tool in CI before everything is fixed.
    New,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    pub id: String,
    pub status: Status,
    pub severity: Severity,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub ready: bool,
    /// "READY" or "NOT READY".
    pub verdict: String,
    pub blockers: Vec<Blocker>,
}

/// Every FAIL and ERROR blocks; a critical or high check that did not run blocks, and so
/// does a critical or high handover item left OPEN; WARN (and any OPEN) blocks under
/// `--fail-on warn`. An audit in which no check ran is never READY.
pub fn decide(results: &[CheckResult], fail_on: FailOn) -> Decision {
    let mut blockers: Vec<Blocker> = results
        .iter()
        .filter_map(|r| {
            let reason = match r.status {
                Status::Fail | Status::Error
                    if fail_on == FailOn::New && r.novelty == Some(Novelty::Known) =>
                {
                    return None;
                }
                Status::Fail | Status::Error => r.summary.clone(),
                Status::Open if fail_on == FailOn::New && r.novelty == Some(Novelty::Known) => {
                    return None;
                }
                Status::Open if r.severity.must_run() || fail_on == FailOn::Warn => format!(
                    "{} handover item not attested: {}",
                    r.severity.as_str(),
                    r.title
                ),
                Status::Warn if fail_on == FailOn::Warn => {
                    format!("{} (--fail-on warn)", r.summary)
                }
                Status::Skip if r.severity.must_run() => {
                    format!("{} check did not run: {}", r.severity.as_str(), r.summary)
                }
                _ => return None,
            };
            Some(Blocker {
                id: r.id.clone(),
                status: r.status,
                severity: r.severity,
                reason,
            })
        })
        .collect();
    let ran = results.iter().any(|r| {
        matches!(
            r.status,
            Status::Pass
                | Status::Warn
                | Status::Fail
                | Status::Error
                | Status::Info
                | Status::Waived
                | Status::Attested
                | Status::Open
        )
    });
    if !ran {
        blockers.push(Blocker {
            id: "audit".into(),
            status: Status::Skip,
            severity: Severity::Critical,
            reason: "no check ran".into(),
        });
    }
    // Worst first: the order a founder should fix them in.
    blockers.sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.id.cmp(&b.id)));
    let ready = blockers.is_empty();
    Decision {
        ready,
        verdict: if ready { "READY" } else { "NOT READY" }.into(),
        blockers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, severity: Severity, status: Status) -> CheckResult {
        CheckResult::sample(id, severity, status)
    }

    #[test]
    fn statuses_map_to_the_decision() {
        let pass = result("a.pass", Severity::Critical, Status::Pass);
        assert!(decide(std::slice::from_ref(&pass), FailOn::Fail).ready);
        let warn = result("a.warn", Severity::High, Status::Warn);
        assert!(decide(&[pass.clone(), warn.clone()], FailOn::Fail).ready);
        assert!(!decide(&[pass.clone(), warn], FailOn::Warn).ready);
        for status in [Status::Fail, Status::Error] {
            assert!(
                !decide(
                    &[pass.clone(), result("b", Severity::Low, status)],
                    FailOn::Fail
                )
                .ready
            );
        }
        let skipped_high = result("c", Severity::High, Status::Skip);
        assert!(!decide(&[pass.clone(), skipped_high], FailOn::Fail).ready);
        let skipped_medium = result("d", Severity::Medium, Status::Skip);
        assert!(decide(&[pass.clone(), skipped_medium], FailOn::Fail).ready);
        let na = result("e", Severity::Critical, Status::NotApplicable);
        assert!(decide(&[pass, na.clone()], FailOn::Fail).ready);
        assert!(!decide(&[na], FailOn::Fail).ready, "nothing ran");
    }
}

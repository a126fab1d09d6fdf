//! The launch decision in three parts, and what blocks it. Pure: a function of the results.
//!
//! - problems found: FAIL, and ERROR where the check reached what it audits and met
//!   something broken (and WARN under `--fail-on warn`): NOT READY;
//! - not verified: critical and high checks that could not run, each naming the key that
//!   lets it run, and ERRORs that never reached what they audit (nothing answered them):
//!   with no problem, NOT VERIFIED;
//! - handover items still OPEN: with no problem, NOT VERIFIED too.
//!
//! Only an audit with none of the three is READY.

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

/// Which part of the decision a blocker belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Problem,
    NotVerified,
    Open,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    pub id: String,
    pub status: Status,
    pub severity: Severity,
    pub reason: String,
    /// An ERROR that nothing it audits answered: not verified rather than a problem.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreached: bool,
}

impl Blocker {
    /// Its part of the decision, from its status.
    pub fn part(&self) -> Part {
        match self.status {
            Status::Skip => Part::NotVerified,
            Status::Error if self.unreached => Part::NotVerified,
            Status::Open => Part::Open,
            _ => Part::Problem,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub ready: bool,
    /// "READY", "NOT READY" (problems found) or "NOT VERIFIED" (none found, but something
    /// critical is not verified or a handover item is open).
    pub verdict: String,
    /// Problems found: FAIL and ERROR that reached the target (and WARN under
    /// `--fail-on warn`).
    #[serde(default)]
    pub problems: usize,
    /// Critical and high checks that could not run, and ERRORs that reached nothing.
    #[serde(default)]
    pub not_verified: usize,
    /// Handover items left OPEN.
    #[serde(default)]
    pub open: usize,
    pub blockers: Vec<Blocker>,
}

impl Decision {
    /// How many blockers are in `part` (counted from the blockers, so reports of older
    /// versions, which carry no counts, read the same).
    pub fn count(&self, part: Part) -> usize {
        self.blockers.iter().filter(|b| b.part() == part).count()
    }

    /// The one line a founder reads first.
    pub fn headline(&self) -> String {
        let problems = self.count(Part::Problem);
        let not_verified = self.count(Part::NotVerified);
        let open = self.count(Part::Open);
        if self.ready {
            return "READY".into();
        }
        if problems > 0 {
            return format!("NOT READY: {problems} problem(s) found");
        }
        let mut left = Vec::new();
        if not_verified > 0 {
            left.push(format!("{not_verified} check(s) not verified"));
        }
        if open > 0 {
            left.push(format!("{open} handover item(s) open"));
        }
        format!("NOT VERIFIED: no problem found; {}", left.join(", "))
    }

    /// The verdict word alone: READY, NOT READY or NOT VERIFIED.
    pub fn word(&self) -> &'static str {
        if self.ready {
            "READY"
        } else if self.count(Part::Problem) > 0 {
            "NOT READY"
        } else {
            "NOT VERIFIED"
        }
    }
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
                unreached: r.unreached,
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
            unreached: false,
        });
    }
    // Problems first, worst first: the order a founder should act in; then what is not
    // verified, then the open handover items.
    blockers.sort_by(|a, b| {
        a.part()
            .cmp(&b.part())
            .then_with(|| a.severity.cmp(&b.severity))
            .then_with(|| a.id.cmp(&b.id))
    });
    let ready = blockers.is_empty();
    let mut decision = Decision {
        ready,
        verdict: String::new(),
        problems: 0,
        not_verified: 0,
        open: 0,
        blockers,
    };
    decision.problems = decision.count(Part::Problem);
    decision.not_verified = decision.count(Part::NotVerified);
    decision.open = decision.count(Part::Open);
    decision.verdict = decision.word().into();
    decision
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

    #[test]
    fn three_parts_problems_first_then_what_is_not_verified() {
        let pass = result("a.pass", Severity::Critical, Status::Pass);
        let skipped = result("b.skip", Severity::Critical, Status::Skip);
        let open = result("c.open", Severity::High, Status::Open);
        let unverified = decide(&[pass.clone(), skipped.clone(), open.clone()], FailOn::Fail);
        assert_eq!(unverified.verdict, "NOT VERIFIED");
        assert_eq!(
            (
                unverified.problems,
                unverified.not_verified,
                unverified.open
            ),
            (0, 1, 1)
        );
        assert_eq!(
            unverified.headline(),
            "NOT VERIFIED: no problem found; 1 check(s) not verified, 1 handover item(s) open"
        );
        let failed = result("z.fail", Severity::Low, Status::Fail);
        let broken = decide(&[pass, skipped, open, failed], FailOn::Fail);
        assert_eq!(broken.verdict, "NOT READY");
        assert_eq!(broken.headline(), "NOT READY: 1 problem(s) found");
        // The low FAIL comes before the critical SKIP: problems first.
        assert_eq!(broken.blockers[0].id, "z.fail");
    }

    #[test]
    fn an_error_that_reached_nothing_is_to_verify_not_a_problem() {
        let pass = result("a.pass", Severity::Critical, Status::Pass);
        let unreached = CheckResult {
            unreached: true,
            ..result("b.down", Severity::Critical, Status::Error)
        };
        let verdict = decide(&[pass.clone(), unreached.clone()], FailOn::Fail);
        assert_eq!(verdict.verdict, "NOT VERIFIED");
        assert_eq!((verdict.problems, verdict.not_verified), (0, 1));
        // One that reached the app and met something broken is a problem, first.
        let broken = result("c.broken", Severity::Low, Status::Error);
        let verdict = decide(&[pass, unreached, broken], FailOn::Fail);
        assert_eq!(verdict.verdict, "NOT READY");
        assert_eq!((verdict.problems, verdict.not_verified), (1, 1));
        assert_eq!(verdict.blockers[0].id, "c.broken");
    }
}

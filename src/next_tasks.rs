//! The hand-over's to-do list: every open finding, most urgent first, with its fix path —
//! what a founder pastes into a tracker. Blocking findings come first; then severity
//! (critical to info), then what was found (FAIL before ERROR before WARN before a check
//! that did not run), then the id. Waived findings are accepted risks and are left out.

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::result::CheckResult;
use crate::result::{Severity, Status};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextTask {
    /// 1 is the most urgent.
    pub rank: usize,
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// Whether it blocks READY now.
    pub blocking: bool,
    /// What was seen (the result's summary).
    pub seen: String,
    /// What to do about it, for its status ([`crate::remedy`]).
    pub fix: String,
}

fn status_rank(status: Status) -> u8 {
    match status {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Open => 2,
        Status::Warn => 3,
        _ => 4,
    }
}

/// The open findings of `results`, ranked.
/// `domain`: what catalogue texts speak of (see [`crate::catalogue::lookup_for`]).
pub fn rank(
    results: &[CheckResult],
    decision: &Decision,
    causes: &[String],
    domain: &str,
) -> Vec<NextTask> {
    let mut open: Vec<(bool, &CheckResult)> = results
        .iter()
        .filter(|r| match r.status {
            Status::Fail | Status::Error | Status::Warn | Status::Open => true,
            Status::Skip => r.severity.must_run(),
            _ => false,
        })
        .map(|r| (decision.blockers.iter().any(|b| b.id == r.id), r))
        .collect();
    open.sort_by_key(|(blocking, r)| (!*blocking, r.severity, status_rank(r.status), r.id.clone()));
    open.into_iter()
        .enumerate()
        .map(|(index, (blocking, r))| NextTask {
            rank: index + 1,
            id: r.id.clone(),
            title: r.title.clone(),
            severity: r.severity,
            status: r.status,
            blocking,
            seen: r.summary.clone(),
            fix: crate::remedy::remedy(r, causes, domain),
        })
        .collect()
}

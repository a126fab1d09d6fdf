//! The hand-over's to-do list: every open finding, most urgent first, with its fix path —
//! what a founder pastes into a tracker. Blocking findings come first; then severity
//! (critical to info), then what was found (FAIL before ERROR before WARN before a check
//! that did not run), then the id. Waived findings are accepted risks and are left out.

use serde::{Deserialize, Serialize};

use crate::catalogue;
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
    /// What to do: the catalogue's fix path, or the profile key a check that did not run needs.
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
pub fn rank(results: &[CheckResult], decision: &Decision, domain: &str) -> Vec<NextTask> {
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
            fix: match (&r.needs, catalogue::lookup_for(&r.id, domain)) {
                (Some(key), _) if r.status == Status::Skip => {
                    format!("set `{key}` in the profile so the check can run")
                }
                (_, Some(meta)) => meta.fix.clone(),
                (_, None) => String::new(),
            },
        })
        .collect()
}

//! `--baseline previous.json`: each non-passing result of this run is *known* when the
//! previous run had the same check failing on every subject that fails now, and *new*
//! otherwise. With `--fail-on new` only new findings block.

use std::collections::{HashMap, HashSet};

use crate::result::Status;
use crate::result::{CheckResult, Novelty};
use crate::run::AuditRun;

fn failing(status: Status) -> bool {
    matches!(
        status,
        Status::Fail | Status::Error | Status::Warn | Status::Waived | Status::Open
    )
}

/// The subjects a result fails on (the check id itself when it has no evidence).
fn failing_subjects(result: &CheckResult) -> HashSet<String> {
    let subjects: HashSet<String> = result
        .evidence
        .iter()
        .filter(|o| matches!(o.status, Status::Fail | Status::Error | Status::Warn))
        .map(|o| o.subject.clone())
        .collect();
    if subjects.is_empty() {
        HashSet::from([result.id.clone()])
    } else {
        subjects
    }
}

/// Marks every non-passing result of `results` new or known against `previous`.
pub fn mark(results: &mut [CheckResult], previous: &AuditRun) {
    let before: HashMap<&str, HashSet<String>> = previous
        .results
        .iter()
        .filter(|r| failing(r.status))
        .map(|r| (r.id.as_str(), failing_subjects(r)))
        .collect();
    for result in results.iter_mut().filter(|r| failing(r.status)) {
        let known = before
            .get(result.id.as_str())
            .is_some_and(|seen| failing_subjects(result).is_subset(seen));
        result.novelty = Some(if known { Novelty::Known } else { Novelty::New });
    }
}

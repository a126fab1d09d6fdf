//! Plans and runs checks: every applicable check runs concurrently as its own tokio task
//! under its own timeout. A check that panics or overruns becomes that check's ERROR; the
//! others finish. Every result passes through the redactor here, the one choke point
//! between checks and reporters.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::catalogue::CheckMeta;
use crate::check::{Applicability, Check, Phase};
use crate::ctx::Ctx;
use crate::result::CheckResult;
use crate::result::{EvidenceTable, Finding, Observation, Severity, Status, family_of};

/// Which checks the user asked for: `--only` / `--skip`, each an id or a family.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    fn matches(pattern: &str, id: &str) -> bool {
        pattern == id || pattern == family_of(id)
    }

    pub fn includes(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|p| Self::matches(p, id)))
            && !self.skip.iter().any(|p| Self::matches(p, id))
    }

    /// Patterns that match no check: a typo must not silently audit less.
    pub fn unknown_patterns<'a>(&'a self, checks: &[Arc<dyn Check>]) -> Vec<&'a str> {
        self.only
            .iter()
            .chain(&self.skip)
            .filter(|p| !checks.iter().any(|c| Self::matches(p, c.id())))
            .map(String::as_str)
            .collect()
    }
}

/// Runs `checks` against `ctx`, returning one result per check, sorted by id.
/// Probe checks run concurrently; review checks run concurrently once they have finished;
/// load checks then run one at a time; aftermath checks (the logs) run last.
pub async fn run(
    checks: Vec<Arc<dyn Check>>,
    selection: &Selection,
    ctx: Arc<Ctx>,
) -> Vec<CheckResult> {
    let (afterwards, checks): (Vec<_>, Vec<_>) = checks
        .into_iter()
        .partition(|c| c.phase() == Phase::Aftermath);
    let (loads, others): (Vec<_>, Vec<_>) =
        checks.into_iter().partition(|c| c.phase() == Phase::Load);
    let (probes, reviews): (Vec<_>, Vec<_>) =
        others.into_iter().partition(|c| c.phase() == Phase::Probe);
    let mut results = run_phase("probes", probes, selection, &ctx).await;
    results.extend(run_phase("review", reviews, selection, &ctx).await);
    for load in loads {
        results.extend(run_phase("load", vec![load], selection, &ctx).await);
    }
    results.extend(run_phase("aftermath", afterwards, selection, &ctx).await);
    results.sort_by(|a, b| a.id.cmp(&b.id));
    results
}

async fn run_phase(
    phase: &'static str,
    checks: Vec<Arc<dyn Check>>,
    selection: &Selection,
    ctx: &Arc<Ctx>,
) -> Vec<CheckResult> {
    let mut results = Vec::with_capacity(checks.len());
    let mut tasks = JoinSet::new();
    let mut running: HashMap<tokio::task::Id, (Arc<dyn Check>, &'static CheckMeta, Instant)> =
        HashMap::new();

    for check in checks {
        // Severity and title come from the catalogue only: a check without an entry is a
        // defect of this build (the registry tests fail on it), never given a default.
        let Some(meta) = check.catalogue_entry() else {
            results.push(uncatalogued(&*check));
            continue;
        };
        if !selection.includes(check.id()) {
            results.push(not_run(
                &*check,
                meta,
                "not selected (--only/--skip)".into(),
                None,
            ));
            continue;
        }
        match check.applies(&ctx.profile) {
            Applicability::Run => {}
            Applicability::Skip { key, reason } => {
                results.push(not_run(&*check, meta, reason, Some(key.to_string())));
                continue;
            }
            Applicability::NotApplicable { reason } => {
                let mut result = not_run(&*check, meta, reason, None);
                result.status = Status::NotApplicable;
                results.push(result);
                continue;
            }
        }
        ctx.load_progress.check_started(check.id());
        let task_check = check.clone();
        let task_ctx = ctx.clone();
        let check_timeout = check.timeout(&ctx.profile);
        let handle = tasks.spawn(crate::net::contact::scoped(async move {
            match tokio::time::timeout(check_timeout, task_check.run(&task_ctx)).await {
                Ok(finding) => finding,
                Err(_) => Finding::error(format!(
                    "did not finish within {} (network.check_timeout, with the waits it declares)",
                    humantime::format_duration(check_timeout)
                )),
            }
        }));
        running.insert(handle.id(), (check, meta, Instant::now()));
    }

    ctx.load_progress.phase(phase, running.len());
    while let Some(joined) = tasks.join_next_with_id().await {
        // A crash is ours, not the target's: it counts as reached, a problem to report.
        let (id, (finding, answered)) = match joined {
            Ok((id, outcome)) => (id, outcome),
            Err(error) => {
                let id = error.id();
                let reason = if error.is_panic() {
                    format!("the check crashed: {}", panic_message(error.into_panic()))
                } else {
                    "the check was cancelled".to_string()
                };
                (id, (Finding::error(reason), true))
            }
        };
        if let Some((check, meta, started)) = running.remove(&id) {
            ctx.load_progress.check_finished(check.id());
            results.push(ran(
                &*check,
                meta,
                finding,
                answered,
                started.elapsed(),
                ctx,
            ));
        }
    }
    results
}

/// A check registered without a catalogue entry: not run, an ERROR held to the highest bar,
/// so it blocks READY and the report says what is wrong with the build.
fn uncatalogued(check: &dyn Check) -> CheckResult {
    let summary = format!(
        "this build has no catalogue entry for {} (checks/{}.toml): it was not run",
        check.id(),
        family_of(check.id())
    );
    let mut result = unrun(check, check.id().to_string(), Severity::Critical, summary);
    result.status = Status::Error;
    result
}

fn not_run(
    check: &dyn Check,
    meta: &CheckMeta,
    reason: String,
    needs: Option<String>,
) -> CheckResult {
    let mut result = unrun(check, meta.title.clone(), meta.severity, reason);
    result.needs = needs;
    result
}

/// A SKIP with no evidence: the shape of every result of a check that did not run.
fn unrun(check: &dyn Check, title: String, severity: Severity, summary: String) -> CheckResult {
    CheckResult {
        id: check.id().to_string(),
        title,
        family: family_of(check.id()).to_string(),
        severity,
        status: Status::Skip,
        summary,
        needs: None,
        evidence: Vec::new(),
        tables: Vec::new(),
        coverage: None,
        duration_ms: 0,
        waiver: None,
        novelty: None,
        unreached: false,
    }
}

fn ran(
    check: &dyn Check,
    meta: &CheckMeta,
    finding: Finding,
    answered: bool,
    elapsed: Duration,
    ctx: &Ctx,
) -> CheckResult {
    let (title, severity) = (meta.title.clone(), meta.severity);
    let redact = |text: &str| ctx.redactor.redact(text);
    // A check may only say PASS with evidence; anything else it says must be a verdict.
    let finding = match finding.status {
        Status::Pass if finding.evidence.is_empty() => {
            Finding::error("the check reported PASS without evidence")
        }
        // N/A is a verdict a check may reach at run time (no session cookie exists at all);
        // SKIP is decided before running, from the profile, or at run time when nothing
        // was found to judge, and then it names the key that would give it something.
        Status::Skip if finding.needs.is_none() => {
            Finding::error("the check ran but reported no verdict")
        }
        // Only the profile's waivers waive, after the check has spoken.
        Status::Waived => Finding::error("the check reported WAIVED itself"),
        _ => finding,
    };
    CheckResult {
        id: check.id().to_string(),
        title,
        family: family_of(check.id()).to_string(),
        severity,
        status: finding.status,
        // A verdict over part of what exists says so wherever the summary is shown.
        summary: match &finding.coverage {
            Some(coverage)
                if coverage.is_partial()
                    && matches!(finding.status, Status::Pass | Status::Warn) =>
            {
                redact(&format!(
                    "{} — partial coverage: {}",
                    finding.summary,
                    coverage.describe()
                ))
            }
            _ => redact(&finding.summary),
        },
        coverage: finding.coverage.as_ref().map(|c| crate::result::Coverage {
            unit: c.unit.clone(),
            probed: c.probed,
            total: c.total,
            left: c.left.iter().map(|why| redact(why)).collect(),
        }),
        unreached: finding.status == Status::Error && !answered,
        needs: finding.needs.clone(),
        evidence: finding
            .evidence
            .iter()
            .map(|o| Observation::new(o.status, redact(&o.subject), redact(&o.detail)))
            .collect(),
        tables: finding
            .tables
            .iter()
            .map(|t| EvidenceTable {
                title: redact(&t.title),
                columns: t.columns.iter().map(|c| redact(c)).collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|c| redact(c)).collect())
                    .collect(),
            })
            .collect(),
        duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        waiver: None,
        novelty: None,
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

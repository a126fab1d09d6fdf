//! `[[waivers]]`: accepted risks. A live waiver turns the FAIL, WARN or OPEN it covers into
//! WAIVED (reason and expiry shown, never PASS, not blocking). An expired waiver is ignored;
//! it, a waiver that covers nothing, and one aimed at an ERROR are named in the
//! `audit.waivers` row, a WARN, so a stale waiver cannot hide.

use crate::result::{Observation, Severity, Status, family_of};
use serde::Deserialize;
use toml::Spanned;

use crate::profile::validator::Validator;
use crate::result::{CheckResult, WaiverNote};

/// The id of the row that reports waivers needing attention.
pub const ROW_ID: &str = "audit.waivers";

/// `[[waivers]]`: a risk accepted until a date.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub check: String,
    pub route: Option<String>,
    pub host: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
}

/// An accepted risk: a check's FAIL or WARN shown as WAIVED until `expires`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    /// A check id (or a family).
    pub check: Spanned<String>,
    /// Only the observations about this route path (e.g. `/api/legacy/status`).
    pub route: Option<String>,
    /// Only the observations about this host.
    pub host: Option<String>,
    pub reason: Spanned<String>,
    /// A date, `2026-12-31`: from the next day on the waiver is ignored and reported.
    pub expires: Spanned<toml::value::Datetime>,
}

impl Validator<'_> {
    pub(crate) fn waiver(&mut self, raw: RawWaiver, key: &str) -> Option<Waiver> {
        let id = raw.check.get_ref();
        let known = crate::catalogue::entries()
            .iter()
            .any(|m| m.id == *id || crate::result::family_of(&m.id) == id);
        if !known {
            self.blame(
                &raw.check,
                &format!("{key}.check"),
                format!("no check or family `{id}` (see `launch-audit checks`)"),
            );
        }
        if raw.reason.get_ref().trim().is_empty() {
            self.blame(
                &raw.reason,
                &format!("{key}.reason"),
                "say why the risk is accepted (a ticket, who decided)",
            );
        }
        let date = raw.expires.get_ref();
        let expires = match (date.date, date.time) {
            (Some(d), None) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
            _ => {
                self.blame(
                    &raw.expires,
                    &format!("{key}.expires"),
                    "expected a date such as 2026-12-31",
                );
                String::new()
            }
        };
        (known && !expires.is_empty()).then(|| Waiver {
            check: id.clone(),
            route: raw.route,
            host: raw.host.map(|h| h.to_ascii_lowercase()),
            reason: raw.reason.into_inner(),
            expires,
        })
    }
}

/// Applies `waivers` (valid through `today`, `YYYY-MM-DD`) to `results`; returns the
/// `audit.waivers` row when a waiver needs attention.
pub fn apply(results: &mut [CheckResult], waivers: &[Waiver], today: &str) -> Option<CheckResult> {
    let mut attention = Vec::new();
    for waiver in waivers {
        let label = describe(waiver);
        if waiver.expires.as_str() < today {
            attention.push(Observation::new(
                Status::Warn,
                label,
                format!(
                    "expired on {}: ignored, the finding counts again",
                    waiver.expires
                ),
            ));
            continue;
        }
        let mut covered = 0;
        for result in results
            .iter_mut()
            .filter(|r| r.id == waiver.check || family_of(&r.id) == waiver.check)
        {
            match result.status {
                Status::Fail | Status::Warn | Status::Open => {}
                Status::Error => {
                    attention.push(Observation::new(
                        Status::Warn,
                        label.clone(),
                        format!(
                            "{} is an ERROR (it could not decide): a waiver cannot cover that",
                            result.id
                        ),
                    ));
                    continue;
                }
                _ => continue,
            }
            let failing: Vec<&Observation> = result
                .evidence
                .iter()
                .filter(|o| {
                    matches!(
                        o.status,
                        Status::Fail | Status::Warn | Status::Error | Status::Open
                    )
                })
                .collect();
            let matches = |o: &Observation| {
                waiver
                    .route
                    .as_ref()
                    .is_none_or(|r| o.subject.contains(r.as_str()))
                    && waiver
                        .host
                        .as_ref()
                        .is_none_or(|h| o.subject.to_ascii_lowercase().contains(h.as_str()))
            };
            let scoped = waiver.route.is_some() || waiver.host.is_some();
            if scoped && !failing.iter().all(|o| matches(o)) {
                if failing.iter().any(|o| matches(o)) {
                    attention.push(Observation::new(
                        Status::Warn,
                        label.clone(),
                        format!(
                            "covers {} of {} failing observations of {}: the rest still count",
                            failing.iter().filter(|o| matches(o)).count(),
                            failing.len(),
                            result.id
                        ),
                    ));
                    covered += 1;
                }
                continue;
            }
            result.waiver = Some(WaiverNote {
                reason: waiver.reason.clone(),
                expires: waiver.expires.clone(),
                waived_status: result.status,
            });
            result.summary = format!(
                "waived until {} ({}): {}",
                waiver.expires, waiver.reason, result.summary
            );
            result.status = Status::Waived;
            covered += 1;
        }
        if covered == 0 {
            attention.push(Observation::new(
                Status::Warn,
                label,
                "matches no FAIL or WARN of this run: remove it, or correct its check, route or host",
            ));
        }
    }
    if attention.is_empty() {
        return None;
    }
    let summary = attention
        .iter()
        .map(|o| format!("{}: {}", o.subject, o.detail))
        .collect::<Vec<_>>()
        .join("; ");
    Some(CheckResult {
        id: ROW_ID.into(),
        title: "Waivers needing attention".into(),
        family: "audit".into(),
        severity: Severity::Low,
        status: Status::Warn,
        summary,
        needs: None,
        evidence: attention,
        tables: Vec::new(),
        coverage: None,
        duration_ms: 0,
        waiver: None,
        novelty: None,
        unreached: false,
    })
}

fn describe(waiver: &Waiver) -> String {
    let mut text = format!("waiver for {}", waiver.check);
    if let Some(route) = &waiver.route {
        text.push_str(&format!(" on {route}"));
    }
    if let Some(host) = &waiver.host {
        text.push_str(&format!(" at {host}"));
    }
    text
}

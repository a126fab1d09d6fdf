//! `input.error-leak`: no response of the whole audit — whichever check received it —
//! carries a stack trace, a framework debug page or a database error. `signatures` scans
//! every body once, as the HTTP layer receives it; this review check reports what it found.

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct ErrorLeak;

impl Check for ErrorLeak {
    fn id(&self) -> &str {
        "input.error-leak"
    }

    fn phase(&self) -> Phase {
        // Judges the answers every other check received.
        Phase::Review
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let (scanned, partial, hits) = super::scan(ctx).report();
            let mut observations: Vec<Observation> = hits
                .into_iter()
                .map(|hit| {
                    Observation::new(
                        Status::Fail,
                        hit.request,
                        format!("{}: {} in the answer", hit.status, hit.what),
                    )
                })
                .collect();
            if partial > 0 {
                // A trace can sit past the part read: those answers vouch for nothing.
                observations.push(Observation::new(
                    Status::Warn,
                    "partly scanned",
                    format!(
                        "{partial} answer(s) cut at the cap or never ended, so only their start was read ({}{})",
                        scanned.partial.join(", "),
                        if partial > scanned.partial.len() { ", …" } else { "" }
                    ),
                ));
            }
            if scanned.app_whole + scanned.redirects + scanned.gates + partial == 0 {
                return Finding::error(
                    "no response was received to scan: run it with the checks that send requests",
                );
            }
            if observations.is_empty() {
                // The control: the app's own answers, read whole, were among those scanned.
                observations.push(if scanned.app_whole == 0 {
                    Observation::new(
                        Status::Error,
                        "every response of the audit",
                        format!(
                            "no answer of the app's own was read whole ({} redirect(s), {} from a gate in front of it): nothing shows how its errors look",
                            scanned.redirects, scanned.gates
                        ),
                    )
                } else {
                    Observation::new(
                        Status::Pass,
                        "every response of the audit",
                        format!(
                            "{} answers of the app read whole{}: no stack trace, debug page or SQL error",
                            scanned.app_whole,
                            match scanned.redirects {
                                0 => String::new(),
                                n => format!(" (and {n} redirect(s), not counted)"),
                            }
                        ),
                    )
                });
            }
            Finding::from_observations(observations)
        })
    }
}

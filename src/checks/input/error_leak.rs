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
            let (scanned, hits) = super::scan(ctx).report();
            if scanned == 0 {
                return Finding::error(
                    "no response was received to scan: run it with the checks that send requests",
                );
            }
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
            if observations.is_empty() {
                observations.push(Observation::new(
                    Status::Pass,
                    "every response of the audit",
                    format!("{scanned} responses scanned: no stack trace, debug page or SQL error"),
                ));
            }
            Finding::from_observations(observations)
        })
    }
}

//! `auth.login`: every identity that logs in got its credential — the login request, the
//! status, and a redacted excerpt of the answer when it did not — and relogins after a
//! credential expired mid-audit are reported.

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Login;

impl Check for Login {
    fn id(&self) -> &str {
        "auth.login"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn phase(&self) -> Phase {
        // Relogins happen while the other checks run; report them after.
        Phase::Review
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile.identities.values().any(|i| i.obtain.is_some()) {
            Applicability::Run
        } else {
            Applicability::NotApplicable {
                reason: "every identity has a static token".into(),
            }
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let observations = ctx
                .http
                .login_outcomes()
                .into_iter()
                .map(|outcome| {
                    let subject = format!("{} ({})", outcome.identity, outcome.step);
                    match (outcome.result, outcome.relogin) {
                        (Ok(what), false) => Observation::new(Status::Pass, subject, format!("logged in: {what}")),
                        (Ok(what), true) => Observation::new(Status::Pass, subject, format!("logged in again after a 401 (the credential expired mid-audit): {what}")),
                        (Err(why), _) => Observation::new(Status::Error, subject, format!("{why} — every check acting as {} reports ERROR", outcome.identity)),
                    }
                })
                .collect();
            Finding::from_observations(observations)
        })
    }
}

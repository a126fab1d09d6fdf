//! `auth.expired-token`: an identity whose credential has expired is refused everywhere.

use super::{must_refuse, required_routes};
use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::probe::{self, Admission};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct ExpiredToken;

impl Check for ExpiredToken {
    fn id(&self) -> &str {
        "auth.expired-token"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile.identities.values().any(|i| i.expired) {
            Applicability::Run
        } else {
            Applicability::Skip {
                key: "identities.NAME.expired",
                reason: "no expired credential: add an identity with an expired token and `expired = true`".into(),
            }
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            // Tokens derived by logging in expire this long after the logins (which ran
            // before any check): waiting the whole span is the safe side.
            let wait = ctx
                .profile
                .identities
                .values()
                .filter_map(|i| i.wait_for_expiry)
                .max();
            if let Some(wait) = wait {
                tokio::time::sleep(wait).await;
            }
            let mut observations = Vec::new();
            for identity in ctx.profile.identities.values().filter(|i| i.expired) {
                let values = ctx.profile.tenant_values(identity);
                for route in required_routes(ctx).filter(|r| identity.may_use(&r.roles)) {
                    let Some(filled) = route.fill(&values) else {
                        continue;
                    };
                    let subject = format!(
                        "{} as {} (expired)",
                        probe::describe(route, &filled),
                        identity.name
                    );
                    // The control: a live identity is served there. Without it a refusal
                    // proves nothing (every login limited, the route's ids wrong); with it, a
                    // refusal that still carries the live answer's data is caught.
                    let control = match probe::control(ctx, route).await {
                        Ok(control) => control,
                        Err(why) => {
                            observations.push(Observation::new(Status::Error, subject, why));
                            continue;
                        }
                    };
                    let prints = probe::fingerprints(&control.response.body);
                    // A route that serves a caller with no credential at all serves an
                    // expired one too: auth.unauthenticated's finding, said there once.
                    if let Ok((status, Admission::Served)) =
                        super::anonymous_answer(ctx, route, &control.filled, &prints).await
                    {
                        observations.push(Observation::new(
                            Status::Info,
                            subject,
                            format!(
                                "served without any credential ({status}): auth.unauthenticated's finding, not judged here"
                            ),
                        ));
                        continue;
                    }
                    let request = match probe::request(ctx, route, &filled, Some(identity)) {
                        Ok(request) => request,
                        Err(why) => {
                            observations.push(Observation::new(Status::Error, subject, why));
                            continue;
                        }
                    };
                    let sent = ctx.http.send(&request).await;
                    observations.push(must_refuse(ctx, subject, sent, &prints, route.hidden));
                }
            }
            let mut finding = Finding::from_observations(observations);
            finding.coverage = Some(super::required_coverage(ctx));
            finding
        })
    }
}

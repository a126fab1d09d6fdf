//! `auth.jwt-tampering`: forged JWTs (alg none, stripped or borrowed signatures, edited
//! claims, HS256 keyed with the public key) are all refused.

use super::jwt::{self, Jwt, Material};
use super::{place, required_routes};
use crate::check::{Applicability, Check, CheckFuture, Finding, Observation, Status};
use crate::checks::probe::{self, Answer};
use crate::ctx::Ctx;
use crate::profile::{Identity, Profile};

pub struct JwtTampering;

/// Active identities whose current credential is a JWT.
fn jwt_identities(ctx: &Ctx) -> Vec<(&Identity, Jwt)> {
    ctx.profile
        .active_identities()
        .filter_map(|i| Some((i, Jwt::parse(&ctx.http.credential_of(i)?)?)))
        .collect()
}

impl Check for JwtTampering {
    fn id(&self) -> &str {
        "auth.jwt-tampering"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        // Logged-in identities' tokens are known only once the audit runs.
        let may_hold_jwt = profile.active_identities().any(|i| {
            i.obtain.is_some()
                || i.token
                    .as_ref()
                    .is_some_and(|t| Jwt::parse(t.expose()).is_some())
        });
        if !may_hold_jwt {
            Applicability::NotApplicable {
                reason: "no identity's token is a JWT".into(),
            }
        } else {
            Applicability::Run
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let identities = jwt_identities(ctx);
            if identities.is_empty() {
                return Finding {
                    coverage: None,
                    status: crate::check::Status::NotApplicable,
                    summary: "no identity's token is a JWT".into(),
                    evidence: Vec::new(),
                    tables: Vec::new(),
                };
            }
            let mut observations = Vec::new();
            for (identity, token) in &identities {
                // A route where the genuine token works: otherwise a refusal proves nothing.
                let mut target = None;
                let mut tried = Vec::new();
                for route in required_routes(ctx)
                    .filter(|r| r.method.is_safe() && identity.may_use(&r.roles))
                {
                    match probe::baseline_as(ctx, route, identity).await {
                        Ok(Some(baseline)) => {
                            target = Some((route, baseline.filled));
                            break;
                        }
                        Ok(None) => {}
                        Err(why) => tried.push(format!("{}: {why}", route.path)),
                    }
                }
                let Some((route, filled)) = target else {
                    observations.push(Observation::new(
                        Status::Error,
                        format!("{}'s token", identity.name),
                        format!(
                            "no protected GET route accepted the genuine token, so refusals of forged ones prove nothing ({})",
                            tried.into_iter().take(2).collect::<Vec<_>>().join("; ")
                        ),
                    ));
                    continue;
                };
                // Borrow from an identity of another tenant when there is one.
                let other = identities
                    .iter()
                    .filter(|(i, _)| i.name != identity.name)
                    .max_by_key(|(i, _)| i.tenant != identity.tenant)
                    .map(|(_, jwt)| jwt);
                let material = Material {
                    other,
                    public_key: ctx.profile.auth.jwt_public_key.as_deref(),
                };
                let on = probe::describe(route, &filled);
                for variant in jwt::variants(token, &material) {
                    let subject = format!("{on} with {}'s token, {}", identity.name, variant.name);
                    let request = match probe::request(ctx, route, &filled, None) {
                        Ok(request) => {
                            request.with_credential(place(&identity.scheme, &variant.token))
                        }
                        Err(why) => {
                            observations.push(Observation::new(Status::Error, subject, why));
                            continue;
                        }
                    };
                    let observation = match ctx.http.send(&request).await {
                        Err(error) => Observation::new(
                            Status::Error,
                            subject,
                            ctx.redactor.redact(&error.to_string()),
                        ),
                        Ok(response) => {
                            match probe::classify(&response, &ctx.profile.auth, route.hidden) {
                                Answer::Refused(how) => Observation::new(
                                    Status::Pass,
                                    subject,
                                    format!("refused: {how}"),
                                ),
                                Answer::Served => Observation::new(
                                    Status::Fail,
                                    subject,
                                    format!("accepted: {}", response.status),
                                ),
                                Answer::Unclear(why) => {
                                    Observation::new(Status::Error, subject, why)
                                }
                            }
                        }
                    };
                    observations.push(observation);
                }
            }
            Finding::from_observations(observations)
        })
    }
}

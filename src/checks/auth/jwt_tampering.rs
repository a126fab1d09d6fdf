//! `auth.jwt-tampering`: forged JWTs (alg none, stripped or borrowed signatures, edited
//! claims, HS256 keyed with the public key) are all refused.

use super::jwt::{self, Jwt, Material};
use super::{place, required_routes};
use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::probe::{self, Admission};
use crate::ctx::Ctx;
use crate::profile::{Identity, Profile};
use crate::result::{Finding, Observation, Status};

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
                    status: crate::result::Status::NotApplicable,
                    summary: "no identity's token is a JWT".into(),
                    evidence: Vec::new(),
                    tables: Vec::new(),
                    needs: None,
                };
            }
            let mut observations = Vec::new();
            let mut routes_reached = std::collections::BTreeSet::new();
            let mut routes_declared = std::collections::BTreeSet::new();
            let mut open_routes = std::collections::BTreeSet::new();
            for (identity, token) in &identities {
                // Routes where the genuine token works: elsewhere a refusal proves nothing.
                let mut reached = Vec::new();
                let mut tried = Vec::new();
                for route in
                    required_routes(ctx).filter(|r| r.only_reads() && identity.may_use(&r.roles))
                {
                    routes_declared.insert(route.path.as_str());
                    match probe::control_as(ctx, route, identity).await {
                        Ok(Some(control)) => {
                            let prints = probe::fingerprints(&control.response.body);
                            reached.push((route, control.filled, prints));
                        }
                        Ok(None) => {}
                        Err(why) => tried.push(format!("{}: {why}", route.path)),
                    }
                }
                if reached.is_empty() {
                    observations.push(Observation::new(
                        Status::Error,
                        format!("{}'s token", identity.name),
                        format!(
                            "no protected GET route accepted the genuine token, so refusals of forged ones prove nothing ({})",
                            tried.into_iter().take(2).collect::<Vec<_>>().join("; ")
                        ),
                    ));
                    continue;
                }
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
                let forgeries = jwt::variants(token, &material);
                // Every forgery on the first route judged; the sweep on the others, since one
                // route that reads the token without verifying it (a bare decode) is enough.
                let mut first = true;
                for (route, filled, prints) in &reached {
                    // A route that serves a caller with no credential at all accepts any
                    // token: that is auth.unauthenticated's finding, not a forgery's.
                    if let Ok((status, Admission::Served)) =
                        super::anonymous_answer(ctx, route, filled, prints).await
                    {
                        if open_routes.insert(route.path.as_str()) {
                            observations.push(Observation::new(
                                Status::Info,
                                probe::describe(route, filled),
                                format!(
                                    "served without any credential ({status}): auth.unauthenticated's finding, not judged here"
                                ),
                            ));
                        }
                        continue;
                    }
                    routes_reached.insert(route.path.as_str());
                    let on = probe::describe(route, filled);
                    let every = std::mem::take(&mut first);
                    for variant in forgeries.iter().filter(|v| every || v.sweep) {
                        let subject =
                            format!("{on} with {}'s token, {}", identity.name, variant.name);
                        observations.push(
                            forge(ctx, route, filled, prints, identity, variant, subject).await,
                        );
                    }
                }
            }
            let left = routes_declared
                .difference(&routes_reached)
                .map(|path| {
                    if open_routes.contains(path) {
                        format!("{path}: served without any credential (auth.unauthenticated)")
                    } else {
                        format!("{path}: no identity's genuine token was served there")
                    }
                })
                .collect();
            let coverage = crate::result::Coverage::new(
                "routes",
                routes_reached.len(),
                routes_declared.len(),
                left,
            );
            let mut finding = Finding::from_observations(observations);
            finding.coverage = Some(coverage);
            finding
        })
    }
}

/// Sends one forged token where the genuine one was served, and judges the answer.
async fn forge(
    ctx: &Ctx,
    route: &crate::profile::Route,
    filled: &crate::profile::FilledRoute,
    prints: &[String],
    identity: &Identity,
    variant: &jwt::Variant,
    subject: String,
) -> Observation {
    let request = match probe::request(ctx, route, filled, None) {
        Ok(request) => request.with_credential(place(&identity.scheme, &variant.token)),
        Err(why) => return Observation::new(Status::Error, subject, why),
    };
    match ctx.http.send(&request).await {
        Err(error) => Observation::new(
            Status::Error,
            subject,
            ctx.redactor.redact(&error.to_string()),
        ),
        Ok(response) => match super::admission(ctx, &response, prints, route.hidden) {
            Admission::Refused(how) => {
                Observation::new(Status::Pass, subject, format!("refused: {how}"))
            }
            Admission::Served => Observation::new(
                Status::Fail,
                subject,
                format!("accepted: {}", response.status),
            ),
            Admission::Unclear(why) => Observation::new(Status::Error, subject, why),
        },
    }
}

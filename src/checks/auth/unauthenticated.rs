//! `auth.unauthenticated`: protected routes refuse requests without credentials, and
//! requests whose credential sits where the app must not read it.

use futures_util::future::join_all;

use super::{must_refuse, needs_required_routes, required_routes};
use crate::check::{Applicability, Check, CheckFuture, Finding, Observation, Status};
use crate::checks::probe;
use crate::ctx::Ctx;
use crate::net::Credential;
use crate::profile::{Profile, Scheme};

pub struct Unauthenticated;

impl Check for Unauthenticated {
    fn id(&self) -> &str {
        "auth.unauthenticated"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_required_routes(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let per_route = required_routes(ctx).map(|route| async move {
                let baseline = match probe::baseline(ctx, route).await {
                    Ok(baseline) => baseline,
                    Err(why) => {
                        return vec![Observation::new(
                            Status::Error,
                            format!("{} {}", route.method.as_str(), route.path),
                            why,
                        )];
                    }
                };
                let prints = probe::fingerprints(&baseline.response.body);
                let token = ctx
                    .http
                    .credential_of(baseline.identity)
                    .unwrap_or_default();
                let token = token.as_str();
                // The credential in places the app must not read it from.
                let mut misplaced = vec![(
                    "token in the query string (?access_token=)",
                    Credential::Query("access_token".into(), token.into()),
                )];
                match &baseline.identity.scheme {
                    Scheme::Bearer => misplaced.push((
                        "token in an X-Auth-Token header",
                        Credential::Header("X-Auth-Token".into(), token.into()),
                    )),
                    Scheme::Header(_) | Scheme::Cookie(_) => misplaced.push((
                        "token as Authorization: Bearer",
                        Credential::Authorization(format!("Bearer {token}")),
                    )),
                }
                let target = probe::describe(route, &baseline.filled);
                let mut probes = vec![(format!("{target} with no credentials"), None)];
                probes.extend(misplaced.into_iter().map(|(what, credential)| {
                    (
                        format!("{target} with {} {what}", baseline.identity.name),
                        Some(credential),
                    )
                }));
                let mut observations = Vec::new();
                for (subject, credential) in probes {
                    let mut request = match probe::request(ctx, route, &baseline.filled, None) {
                        Ok(request) => request,
                        Err(why) => {
                            observations.push(Observation::new(Status::Error, subject, why));
                            continue;
                        }
                    };
                    if let Some(credential) = credential {
                        request = request.with_credential(credential);
                    }
                    let sent = ctx.http.send(&request).await;
                    observations.push(must_refuse(ctx, subject, sent, &prints, route.hidden));
                }
                observations
            });
            Finding::from_observations(join_all(per_route).await.into_iter().flatten().collect())
        })
    }
}

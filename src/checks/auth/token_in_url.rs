//! `auth.token-in-url`: protected routes do not accept a credential from the URL's query
//! string, where access logs, proxies, browser history and Referer headers keep it.

use futures_util::future::join_all;

use super::{anonymous_answer, must_refuse, needs_required_routes, required_routes};
use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::probe::{self, Admission};
use crate::ctx::Ctx;
use crate::net::Credential;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct TokenInUrl;

/// Query parameters frameworks and API gateways read tokens from.
pub const TOKEN_PARAMETERS: &[&str] = &["access_token", "token", "api_key"];

impl Check for TokenInUrl {
    fn id(&self) -> &str {
        "auth.token-in-url"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_required_routes(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let per_route = required_routes(ctx).map(|route| async move {
                let control = match probe::control(ctx, route).await {
                    Ok(control) => control,
                    Err(why) => {
                        return vec![Observation::new(
                            Status::Error,
                            format!("{} {}", route.method.as_str(), route.path),
                            why,
                        )];
                    }
                };
                let target = probe::describe(route, &control.filled);
                // The control: without any credential the route refuses, so a token in the
                // URL being served means the app read it from there.
                let prints = probe::fingerprints(&control.response.body);
                match anonymous_answer(ctx, route, &control.filled, &prints).await {
                    Ok((_, Admission::Refused(_))) => {}
                    // Served to anyone: any token "works" there, which is
                    // auth.unauthenticated's finding, said there once (as the token checks
                    // of must_refuse_everywhere leave it).
                    Ok((status, Admission::Served)) => {
                        return vec![Observation::new(
                            Status::Info,
                            target,
                            format!(
                                "served without any credential ({status}): auth.unauthenticated's finding, not judged here"
                            ),
                        )];
                    }
                    Ok((status, _)) => {
                        return vec![Observation::new(
                            Status::Error,
                            target,
                            format!(
                                "not refused without a credential ({status}), so whether the URL is read cannot be told"
                            ),
                        )];
                    }
                    Err(why) => return vec![Observation::new(Status::Error, target, why)],
                }
                let token = ctx
                    .http
                    .credential_of(control.identity)
                    .unwrap_or_default();
                let mut observations = Vec::new();
                for parameter in TOKEN_PARAMETERS {
                    let subject = format!(
                        "{target} with {}'s token in the query string (?{parameter}=)",
                        control.identity.name
                    );
                    let request = match probe::request(ctx, route, &control.filled, None) {
                        Ok(request) => request
                            .with_credential(Credential::Query((*parameter).into(), token.clone())),
                        Err(why) => {
                            observations.push(Observation::new(Status::Error, subject, why));
                            continue;
                        }
                    };
                    let sent = ctx.http.send(&request).await;
                    // An API that takes every query parameter for a filter (PostgREST) or
                    // validates its parameters refuses the unknown one as malformed: the
                    // token was not read, whatever its refusal statuses are otherwise.
                    if let Ok(response) = &sent
                        && matches!(response.status, 400 | 422)
                        && probe::leaked(&response.body, &prints).is_empty()
                    {
                        observations.push(Observation::new(
                            Status::Pass,
                            subject,
                            format!(
                                "refused as a malformed request ({}): the parameter was not taken for a credential",
                                response.status
                            ),
                        ));
                        continue;
                    }
                    observations.push(must_refuse(ctx, subject, sent, &prints, route.hidden));
                }
                observations
            });
            let mut finding = Finding::from_observations(
                join_all(per_route).await.into_iter().flatten().collect(),
            );
            finding.coverage = Some(super::required_coverage(ctx));
            finding
        })
    }
}

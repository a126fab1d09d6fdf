//! `auth.invalid-token`: garbage, empty, wrong-scheme, truncated and padded tokens are refused.

use futures_util::future::join_all;

use super::{must_refuse, needs_required_routes, place, required_routes};
use crate::check::{Applicability, Check, CheckFuture, Finding, Observation, Status};
use crate::checks::probe;
use crate::ctx::Ctx;
use crate::net::Credential;
use crate::profile::{Profile, Scheme};

pub struct InvalidToken;

/// The malformed credentials sent in place of a real one.
fn variants(scheme: &Scheme, token: &str) -> Vec<(&'static str, Credential)> {
    let cut = token.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    let mut out = vec![
        (
            "a garbage token",
            place(scheme, "launch-audit-garbage-token-8f3a1c"),
        ),
        ("an empty token", place(scheme, "")),
        ("a truncated token", place(scheme, &token[..cut])),
        ("a padded token", place(scheme, &format!("{token}AAAA"))),
    ];
    if *scheme == Scheme::Bearer {
        out.push((
            "the token under the Basic scheme",
            Credential::Authorization(format!("Basic {token}")),
        ));
        out.push((
            "the token under a Token scheme",
            Credential::Authorization(format!("Token {token}")),
        ));
    }
    out
}

impl Check for InvalidToken {
    fn id(&self) -> &str {
        "auth.invalid-token"
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
                let target = probe::describe(route, &baseline.filled);
                let mut observations = Vec::new();
                for (what, credential) in variants(
                    &baseline.identity.scheme,
                    &ctx.http
                        .credential_of(baseline.identity)
                        .unwrap_or_default(),
                ) {
                    let subject = format!("{target} with {what} (from {})", baseline.identity.name);
                    let request = match probe::request(ctx, route, &baseline.filled, None) {
                        Ok(request) => request.with_credential(credential),
                        Err(why) => {
                            observations.push(Observation::new(Status::Error, subject, why));
                            continue;
                        }
                    };
                    let sent = ctx.http.send(&request).await;
                    observations.push(must_refuse(ctx, subject, sent, &prints, route.hidden));
                }
                observations
            });
            Finding::from_observations(join_all(per_route).await.into_iter().flatten().collect())
        })
    }
}

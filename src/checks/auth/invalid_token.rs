//! `auth.invalid-token`: garbage, empty, wrong-scheme, truncated and padded tokens are refused.

use super::{OpenRoutes, must_refuse_everywhere, needs_required_routes, place};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::Credential;
use crate::profile::{Profile, Scheme};
use crate::result::Finding;

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
            "the token under the `Basic` scheme",
            Credential::Authorization(format!("Basic {token}")),
        ));
        out.push((
            "the token under a `Token` scheme",
            Credential::Authorization(format!("Token {token}")),
        ));
    }
    out
}

impl Check for InvalidToken {
    fn id(&self) -> &str {
        "auth.invalid-token"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_required_routes(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let observations = must_refuse_everywhere(
                ctx,
                OpenRoutes::LeftToUnauthenticated,
                |control, target, token| {
                    variants(&control.identity.scheme, token)
                        .into_iter()
                        .map(|(what, credential)| {
                            (
                                format!("{target} with {what} (from {})", control.identity.name),
                                Some(credential),
                            )
                        })
                        .collect()
                },
            )
            .await;
            let mut finding = Finding::from_observations(observations);
            finding.coverage = Some(super::required_coverage(ctx));
            finding
        })
    }
}

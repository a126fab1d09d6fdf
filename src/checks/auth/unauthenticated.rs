//! `auth.unauthenticated`: protected routes refuse requests without credentials, and
//! requests whose credential sits in another header the app must not read. (A token in
//! the query string is its own finding: `auth.token-in-url`.)

use super::{must_refuse_everywhere, needs_required_routes};
use crate::check::{Applicability, Check, CheckFuture, Finding};
use crate::ctx::Ctx;
use crate::net::Credential;
use crate::profile::{Profile, Scheme};

pub struct Unauthenticated;

impl Check for Unauthenticated {
    fn id(&self) -> &str {
        "auth.unauthenticated"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_required_routes(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let observations = must_refuse_everywhere(ctx, |baseline, target, token| {
                let name = &baseline.identity.name;
                // The credential in places the app must not read it from.
                let elsewhere = match &baseline.identity.scheme {
                    Scheme::Bearer => (
                        "in an X-Auth-Token header",
                        Credential::Header("X-Auth-Token".into(), token.into()),
                    ),
                    Scheme::Header(_) | Scheme::Cookie(_) => (
                        "as Authorization: Bearer",
                        Credential::Authorization(format!("Bearer {token}")),
                    ),
                };
                vec![
                    (format!("{target} with no credentials"), None),
                    (
                        format!("{target} with {name} token {}", elsewhere.0),
                        Some(elsewhere.1),
                    ),
                ]
            })
            .await;
            let mut finding = Finding::from_observations(observations);
            finding.coverage = Some(super::required_coverage(ctx));
            finding
        })
    }
}

//! GraphQL: the launch questions asked through one endpoint.
//!
//! - `graphql.schema-exposure`: introspection, field suggestions, an IDE served;
//! - `graphql.limits`: depth, aliases and batching, each sent within a hard cap;
//! - `graphql.csrf`: mutations over GET or a simple content type refused;
//! - `graphql.errors`: stack traces and internals in `errors`;
//! - `graphql.access`: the declared operations asked as the owner, another tenant and a
//!   stranger (the owner served is the control); mutations only where they may write and
//!   can be undone (`access::mutations`);
//! - `graphql.login-limit`: failed logins as aliases and as a batch in one request meet the
//!   limiter as many requests would.
//!
//! Every probe is a document of a known, bounded size (`limits` says each cap), sent to an
//! endpoint confirmed by its answer to `{__typename}` ([`client`]).

pub mod cfg;
pub mod client;

mod access;
mod csrf;
mod errors;
mod limits;
mod login_limit;
mod schema;
mod schema_exposure;

use crate::check::{Applicability, Registered};
use crate::ctx::Ctx;
use crate::profile::{Absent, Environment, Profile};
use crate::result::{Finding, Status};
use client::Endpoint;

pub fn checks() -> Vec<Registered> {
    vec![
        Registered::one(schema_exposure::SchemaExposure),
        Registered::one(limits::Limits),
        Registered::one(csrf::Csrf),
        Registered::one(errors::Errors),
        Registered::one(access::Access),
        Registered::one(login_limit::LoginLimit),
    ]
}

/// N/A only when the profile states the app has no GraphQL endpoint.
fn applicability(profile: &Profile) -> Applicability {
    if profile.target.has_no.contains(&Absent::Graphql) {
        Applicability::NotApplicable {
            reason: "the profile states the app has no GraphQL endpoint ([target] has_no)".into(),
        }
    } else {
        Applicability::Run
    }
}

/// The confirmed endpoints, or the finding that says why there are none.
async fn endpoints(ctx: &Ctx) -> Result<Vec<Endpoint>, Finding> {
    match &*client::endpoints(ctx).await {
        Ok(found) => Ok(found.clone()),
        Err(finding) => Err(finding.clone()),
    }
}

/// What exposing the schema weighs where the target sits: a FAIL in production, a WARN in
/// staging (where a developer may want it).
fn exposure_status(ctx: &Ctx) -> Status {
    match ctx.profile.target.environment {
        Environment::Production => Status::Fail,
        Environment::Staging => Status::Warn,
    }
}

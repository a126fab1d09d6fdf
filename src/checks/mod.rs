//! Check implementations, a module per family (the id's prefix), and the one list of the
//! families (`registered`).

pub mod access;
pub mod admin;
pub mod ai;
pub mod auth;
pub mod baas;
pub mod cache;
pub mod cors;
pub mod dns;
pub mod edge;
pub mod email;
pub mod exposure;
pub mod graphql;
pub mod handover;
pub mod headers;
pub mod health;
pub mod input;
pub mod journeys;
pub mod latency;
pub mod logs;
pub mod probe;
pub mod ratelimit;
pub mod redirects;
pub mod tls;
pub mod webhooks;

use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::result::{Observation, Status};

/// Every family's checks, as registered: a new family adds its `pub mod` above and its
/// line here.
pub(crate) fn registered() -> Vec<crate::check::Registered> {
    [
        access::checks(),
        admin::checks(),
        ai::checks(),
        auth::checks(),
        baas::checks(),
        cache::checks(),
        cors::checks(),
        dns::checks(),
        edge::checks(),
        email::checks(),
        exposure::checks(),
        graphql::checks(),
        handover::checks(),
        headers::checks(),
        health::checks(),
        input::checks(),
        journeys::checks(),
        latency::checks(),
        logs::checks(),
        ratelimit::checks(),
        redirects::checks(),
        tls::checks(),
        webhooks::checks(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Traffic-heavy probes (AI probes, bursts, load) against `environment = "production"` need
/// `--allow-production-load`; without it nothing is sent and the check says why.
pub(crate) fn production_refusal(ctx: &Ctx, what: &str) -> Option<crate::result::Finding> {
    (ctx.profile.target.environment == crate::profile::Environment::Production
        && !ctx.consent.production_load)
        .then(|| {
            crate::result::Finding::error(format!(
                "not sent: environment = \"production\" needs --allow-production-load for {what}"
            ))
        })
}

/// A part the profile declares none of (`key` is its section): N/A only when `[target]
/// has_no` states it is absent, since silence is not a statement; otherwise SKIP.
/// N/A when the profile states `part` is absent, saying what that leaves out.
pub(crate) fn stated_absent(
    profile: &crate::profile::Profile,
    part: crate::profile::Absent,
    what: &str,
) -> Option<crate::check::Applicability> {
    profile
        .target
        .has_no
        .contains(&part)
        .then(|| crate::check::Applicability::NotApplicable {
            reason: format!("the profile states {what} ([target] has_no)"),
        })
}

/// N/A when the profile states the app serves no front end (an API-only deploy).
pub(crate) fn front_end_absent(
    profile: &crate::profile::Profile,
) -> Option<crate::check::Applicability> {
    stated_absent(
        profile,
        crate::profile::Absent::Frontend,
        "the app serves no front end: no page or script to read",
    )
}

/// N/A when the profile states the domain sends no mail.
pub(crate) fn mail_absent(
    profile: &crate::profile::Profile,
) -> Option<crate::check::Applicability> {
    stated_absent(
        profile,
        crate::profile::Absent::Mail,
        "the domain sends no mail",
    )
}

pub(crate) fn absent_or_skip(
    profile: &crate::profile::Profile,
    part: crate::profile::Absent,
    key: &'static str,
    declare: &str,
) -> crate::check::Applicability {
    if profile.target.has_no.contains(&part) {
        crate::check::Applicability::NotApplicable {
            reason: format!("the profile states the app has no {key} ([target] has_no)"),
        }
    } else {
        crate::check::Applicability::Skip {
            key,
            reason: format!(
                "no [[{key}]] declared: {declare}, or state `has_no = [\"{key}\"]` in [target]"
            ),
        }
    }
}

/// An ERROR observation for a request that got no response.
pub(crate) fn unreachable(
    ctx: &Ctx,
    request: &HttpRequest<'_>,
    error: impl std::fmt::Display,
) -> Observation {
    Observation::new(
        Status::Error,
        request.describe(),
        ctx.redactor.redact(&error.to_string()),
    )
}

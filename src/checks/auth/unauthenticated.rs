//! `auth.unauthenticated`: protected routes refuse requests without credentials, and
//! requests whose credential sits in another header the app must not read. (A token in
//! the query string is its own finding: `auth.token-in-url`.) The reads the pages' scripts
//! make that the profile does not declare are asked without credentials too.

use super::{OpenRoutes, must_refuse_everywhere, needs_required_routes};
use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::probe;
use crate::ctx::Ctx;
use crate::net::Credential;
use crate::profile::{Auth, Profile, Scheme};
use crate::result::{Finding, Observation, Status};

pub struct Unauthenticated;

/// Safe routes the profile calls public that refuse a stranger: the profile is wrong about
/// them, so no auth check audits them. A WARN each, saying the key to change.
async fn public_but_refused(ctx: &Ctx) -> Vec<Observation> {
    let values = ctx
        .profile
        .active_identities()
        .next()
        .map(|identity| ctx.profile.tenant_values(identity))
        .unwrap_or_default();
    let mut seen = Vec::new();
    for route in ctx
        .profile
        .routes
        .iter()
        .filter(|r| r.auth == Auth::Public && r.only_reads())
    {
        let Some(filled) = route.fill(&values) else {
            continue;
        };
        let Ok(request) = probe::request(ctx, route, &filled, None) else {
            continue;
        };
        let Ok(response) = ctx.http.send(&request).await else {
            continue;
        };
        if let probe::Admission::Refused(how) = probe::classify(&response, &ctx.profile.auth, false)
        {
            seen.push(Observation::new(
                Status::Warn,
                probe::describe(route, &filled),
                format!(
                    "declared auth = \"public\", but it refuses a stranger ({how}): set auth = \"required\" on route `{}` so the auth checks audit it",
                    route.name
                ),
            ));
        }
    }
    seen
}

/// The reads the pages' scripts make that the profile does not declare, asked as an
/// identity (the control: it is served) and with no credential. Refused is a PASS; served
/// is INFO, since only the profile can say a route is meant to be public; a route no
/// identity is served is not judged.
async fn discovered_reads(ctx: &Ctx) -> Vec<Observation> {
    let surface = crate::discovery::surface(ctx).await;
    let undeclared = surface.undeclared_reads(&ctx.profile);
    let mut seen: Vec<Observation> = undeclared.unprobed_note("reads").into_iter().collect();
    for (route, found_in) in undeclared.routes {
        let subject = format!("GET {} (discovered: called by {found_in})", route.path);
        let control = match probe::control(ctx, &route).await {
            Ok(control) => control,
            Err(why) => {
                seen.push(Observation::new(
                    Status::Info,
                    subject,
                    format!("no identity is served here ({why}): not judged"),
                ));
                continue;
            }
        };
        let prints = probe::fingerprints(&control.response.body);
        seen.push(match super::anonymous_answer(ctx, &route, &control.filled, &prints).await {
            Ok((_, probe::Admission::Refused(how))) => Observation::new(
                Status::Pass,
                subject,
                format!("refused without credentials ({how}); {} is served", control.identity.name),
            ),
            Ok((status, probe::Admission::Served)) => Observation::new(
                Status::Info,
                subject,
                format!(
                    "served without any credential ({status}): if it is not public by design, add it to [[routes]] with auth = \"required\" to have it judged"
                ),
            ),
            Ok((_, probe::Admission::Unclear(why))) | Err(why) => Observation::new(
                Status::Info,
                subject,
                format!("{why}: not judged"),
            ),
        });
    }
    seen
}

impl Check for Unauthenticated {
    fn id(&self) -> &str {
        "auth.unauthenticated"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        // With no protected route declared, the reads the pages' scripts make are still
        // asked (an identity served there is their control); with none of those either,
        // the run says which key to add.
        let discoverable = profile.active_identities().next().is_some()
            && crate::checks::front_end_absent(profile).is_none();
        match needs_required_routes(profile) {
            Applicability::Skip { .. } if discoverable => Applicability::Run,
            other => other,
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let observations =
                must_refuse_everywhere(ctx, OpenRoutes::Judged, |control, target, token| {
                    let name = &control.identity.name;
                    // The credential in places the app must not read it from.
                    let elsewhere = match &control.identity.scheme {
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
            let mut observations = observations;
            observations.extend(public_but_refused(ctx).await);
            observations.extend(discovered_reads(ctx).await);
            // Nothing declared and nothing discovered judged (only notes, or nothing): the
            // key that makes the check run, with the notes kept as its evidence.
            let declared = ctx.profile.routes.iter().any(|r| r.auth == Auth::Required);
            if !declared && observations.iter().all(|o| o.status == Status::Info) {
                let mut skip = Finding::skip(
                    "routes",
                    "no route with auth = \"required\" declared, and none of the reads the pages' scripts make could be judged: declare the app's protected [[routes]]",
                );
                skip.evidence = observations;
                return skip;
            }
            let mut finding = Finding::from_observations(observations);
            finding.coverage = Some(super::required_coverage(ctx));
            finding
        })
    }
}

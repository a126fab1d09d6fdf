//! `access.tenant-isolation`: each identity asks for every other tenant's objects (ids from
//! `[tenants.*]`, in the path, query or body); every answer must be a refusal (403 or 404)
//! or empty, and never carry what the owning tenant sees. Routes with no tenant id (lists)
//! are compared across tenants too (`list_routes`), and so are the reads the app's own
//! scripts make that the profile does not declare (said as discovered).

use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::probe::{self, Admission};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct TenantIsolation;

impl Check for TenantIsolation {
    fn id(&self) -> &str {
        "access.tenant-isolation"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        let tenants_with_identities: std::collections::BTreeSet<&String> = profile
            .active_identities()
            .filter_map(|i| i.tenant.as_ref())
            .collect();
        if tenants_with_identities.len() < 2 {
            return Applicability::Skip {
                key: "identities.NAME.tenant",
                reason:
                    "needs identities in two tenants ([tenants.*] and identities with `tenant`)"
                        .into(),
            };
        }
        // Routes may also be discovered in what the pages load; with none declared and
        // none discovered, the run says which key to add.
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut observations = Vec::new();
            // The routes that take a tenant's ids: those declared, then those the pages'
            // scripts call with a hole named like a tenant value (discovered).
            let surface = crate::discovery::surface(ctx).await;
            let undeclared = surface.undeclared_records(&ctx.profile);
            observations.extend(undeclared.unprobed_note("record routes"));
            let routes = super::declared_then_discovered(
                ctx.profile
                    .routes
                    .iter()
                    .filter(|r| !r.placeholders().is_empty()),
                undeclared.routes,
            );
            let lists = super::list_routes::count(ctx).await;
            let declared = routes.len() + lists;
            if declared == 0 {
                return Finding::skip(
                    "routes.path",
                    "no route takes a tenant's ids, no protected route lists records, and the pages' scripts call none: add {placeholders} filled from [tenants.*], or the app's list routes",
                );
            }
            let routes: Vec<_> = routes
                .into_iter()
                .filter(|(r, _)| probe::may_probe(ctx, r))
                .collect();
            let coverage = probe::route_coverage(ctx, declared, routes.len() + lists);
            for (route, found_in) in &routes {
                for (owner_tenant, owned) in probe::tenant_fillings(ctx, route) {
                    let target = match found_in {
                        Some(script) => format!(
                            "{} (discovered: called by {script})",
                            probe::describe(route, &owned)
                        ),
                        None => probe::describe(route, &owned),
                    };
                    // A discovered route is the scripts' word: one its owner is not served
                    // (a call read as GET that is not one, ids of another shape) is said.
                    let owner_miss = if found_in.is_some() {
                        Status::Info
                    } else {
                        Status::Error
                    };
                    // What the owner sees there: the data that must not leak. A write is not
                    // repeated as its owner; any success of a stranger's write fails anyway.
                    let mut prints = Vec::new();
                    // The control: the owner was served something distinctive (`prints`) that
                    // a stranger could then be shown. Without it, neither an empty answer
                    // nor a page of counters (`"total":0`) to a stranger proves anything.
                    let mut owner_asked = false;
                    if route.only_reads()
                        && let Some(owner) = probe::member_of(ctx, owner_tenant, route)
                    {
                        match probe::request(ctx, route, &owned, Some(owner)) {
                            Ok(request) => match ctx.http.send(&request).await {
                                Ok(response) if response.is_success() => {
                                    owner_asked = true;
                                    prints = probe::fingerprints(&response.body);
                                }
                                Ok(response) => observations.push(Observation::new(
                                    owner_miss,
                                    format!("{target} as {} (owner)", owner.name),
                                    format!("the owner's own request got {}: the route or its ids look wrong", response.status),
                                )),
                                Err(error) => observations.push(Observation::new(
                                    Status::Error,
                                    format!("{target} as {} (owner)", owner.name),
                                    ctx.redactor.redact(&error.to_string()),
                                )),
                            },
                            Err(why) => observations.push(Observation::new(Status::Error, target.clone(), why)),
                        }
                    }
                    // Without its owner served, a discovered route proves nothing either way.
                    if found_in.is_some() && !owner_asked {
                        continue;
                    }
                    let strangers = ctx.profile.active_identities().filter(|i| {
                        i.tenant.as_ref().is_some_and(|t| t != owner_tenant)
                            && i.may_use(&route.roles)
                    });
                    for stranger in strangers {
                        let subject = format!(
                            "{target} ({owner_tenant}'s) as {} ({})",
                            stranger.name,
                            stranger.tenant.as_deref().unwrap_or("")
                        );
                        let request = match probe::request(ctx, route, &owned, Some(stranger)) {
                            Ok(request) => request,
                            Err(why) => {
                                observations.push(Observation::new(Status::Error, subject, why));
                                continue;
                            }
                        };
                        let response = match ctx.http.send(&request).await {
                            Ok(response) => response,
                            Err(error) => {
                                observations.push(Observation::new(
                                    Status::Error,
                                    subject,
                                    ctx.redactor.redact(&error.to_string()),
                                ));
                                continue;
                            }
                        };
                        let leaked = probe::leaked(&response.body, &prints);
                        let observation = match probe::classify(&response, &ctx.profile.auth, true)
                        {
                            _ if !leaked.is_empty() => Observation::new(
                                Status::Fail,
                                subject,
                                format!(
                                    "{}: the body carries {} of {owner_tenant}'s values ({})",
                                    response.status,
                                    leaked.len(),
                                    leaked
                                        .iter()
                                        .take(2)
                                        .copied()
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            ),
                            Admission::Refused(how) => {
                                Observation::new(Status::Pass, subject, format!("refused: {how}"))
                            }
                            Admission::Served if !route.only_reads() => Observation::new(
                                Status::Fail,
                                subject,
                                format!("the cross-tenant write was accepted: {}", response.status),
                            ),
                            Admission::Served if !prints.is_empty() => Observation::new(
                                Status::Pass,
                                subject,
                                format!(
                                    "{} without any of the {} value(s) the owner is shown there",
                                    response.status,
                                    prints.len()
                                ),
                            ),
                            Admission::Served if owner_asked => Observation::new(
                                Status::Error,
                                subject,
                                format!(
                                    "{}, but the owner's own answer held nothing of {owner_tenant}'s to look for (`{}`), so this proves nothing: give {owner_tenant} data on this route",
                                    response.status,
                                    ctx.excerpt(&response.body)
                                ),
                            ),
                            Admission::Served => Observation::new(
                                Status::Error,
                                subject,
                                format!(
                                    "served {}, but no identity of {owner_tenant} was served this route, so nothing shows whose data it is: add one, or check the ids in [tenants.{owner_tenant}]",
                                    response.status
                                ),
                            ),
                            Admission::Unclear(why) => {
                                Observation::new(Status::Error, subject, why)
                            }
                        };
                        observations.push(observation);
                    }
                }
            }
            // Routes with no tenant id in them: the records each tenant is shown as its own
            // must not come back to another tenant there.
            observations.extend(super::list_routes::compare(ctx).await);
            Finding::from_observations(observations).with_coverage(coverage)
        })
    }
}

//! `access.role-matrix`: every identity on every route that declares roles. Those without
//! a role must be refused; those with one must be served — a route that refuses its
//! legitimate users makes every refusal meaningless, so that is an ERROR.

use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::probe::{self, Admission};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{EvidenceTable, Finding, Observation, Status};

pub struct RoleMatrix;

impl Check for RoleMatrix {
    fn id(&self) -> &str {
        "access.role-matrix"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile.routes.iter().any(|r| !r.roles.is_empty()) {
            // The control: somebody must lack a role somewhere, or no refusal is ever tested.
            let refusal_tested = profile.routes.iter().any(|route| {
                !route.roles.is_empty()
                    && profile
                        .active_identities()
                        .any(|i| !i.may_use(&route.roles))
            });
            if refusal_tested {
                Applicability::Run
            } else {
                Applicability::Skip {
                    key: "identities.NAME.roles",
                    reason: "every identity holds a role each route allows, so no refusal would be tested: add an identity without the route's role (a member for admin routes)".into(),
                }
            }
        } else if let Some(absent) = crate::checks::stated_absent(
            profile,
            crate::profile::Absent::Roles,
            "every signed-in user may do the same: no role gates a route",
        ) {
            absent
        } else {
            Applicability::Skip {
                key: "routes.roles",
                reason: "no route declares the roles allowed on it (or state `has_no = [\"roles\"]` in [target] if every signed-in user may do the same)".into(),
            }
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let routes: Vec<_> = ctx
                .profile
                .routes
                .iter()
                .filter(|r| !r.roles.is_empty() && probe::may_probe(ctx, r))
                .collect();
            let identities: Vec<_> = ctx.profile.active_identities().collect();
            let mut observations = Vec::new();
            let mut rows = Vec::new();
            for identity in &identities {
                let mut row = vec![format!("{} ({})", identity.name, identity.roles.join(", "))];
                let values = ctx.profile.tenant_values(identity);
                for route in &routes {
                    let legitimate = identity.may_use(&route.roles);
                    let Some(filled) = route.fill(&values) else {
                        row.push("— (no tenant ids)".into());
                        continue;
                    };
                    let subject =
                        format!("{} as {}", probe::describe(route, &filled), identity.name);
                    let sent = match probe::request(ctx, route, &filled, Some(identity)) {
                        Ok(request) => ctx.http.send(&request).await,
                        Err(why) => {
                            observations.push(Observation::new(Status::Error, subject, why));
                            row.push("error".into());
                            continue;
                        }
                    };
                    let response = match sent {
                        Ok(response) => response,
                        Err(error) => {
                            observations.push(Observation::new(
                                Status::Error,
                                subject,
                                ctx.redactor.redact(&error.to_string()),
                            ));
                            row.push("error".into());
                            continue;
                        }
                    };
                    let status = response.status;
                    let (cell, observation) = match (
                        probe::classify(&response, &ctx.profile.auth, true),
                        legitimate,
                    ) {
                        (Admission::Served, true) => (
                            format!("{status} allowed"),
                            Observation::new(
                                Status::Pass,
                                subject,
                                format!(
                                    "served {status}: holds a role of {}",
                                    route.roles.join("/")
                                ),
                            ),
                        ),
                        (Admission::Refused(how), false) => (
                            format!("{status} refused"),
                            Observation::new(Status::Pass, subject, format!("refused: {how}")),
                        ),
                        (Admission::Served, false) => (
                            format!("{status} ALLOWED ✗"),
                            Observation::new(
                                Status::Fail,
                                subject,
                                format!(
                                    "served {status} without any of the roles {}",
                                    route.roles.join("/")
                                ),
                            ),
                        ),
                        (Admission::Refused(how), true) => (
                            format!("{status} REFUSED ✗"),
                            Observation::new(
                                Status::Error,
                                subject,
                                format!(
                                    "refuses a legitimate caller ({how}): fix the profile's roles or the app before trusting its refusals"
                                ),
                            ),
                        ),
                        (Admission::Unclear(why), _) => (
                            format!("{status} ?"),
                            Observation::new(Status::Error, subject, why),
                        ),
                    };
                    row.push(cell);
                    observations.push(observation);
                }
                rows.push(row);
            }
            let mut columns = vec!["identity (roles)".to_string()];
            columns.extend(
                routes
                    .iter()
                    .map(|r| format!("{} [{}]", r.name, r.roles.join("/"))),
            );
            let declared = ctx
                .profile
                .routes
                .iter()
                .filter(|r| !r.roles.is_empty())
                .count();
            Finding::from_observations(observations)
                .with_table(EvidenceTable {
                    title: "role matrix: identity × route".into(),
                    columns,
                    rows,
                })
                .with_coverage(crate::checks::probe::route_coverage(
                    ctx,
                    declared,
                    routes.len(),
                ))
        })
    }
}

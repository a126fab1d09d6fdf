//! `baas.cross-tenant`: rows one of the API's users is served never come back to another.
//! The control is the owner's own listing: a table where no user is served rows proves
//! nothing. Catches what row security was meant to stop and did not: a table without it, a
//! policy written `using (true)`, a view that reads past it, a PocketBase list rule looser
//! than its view rule, users' e-mails listed to every user. On PocketBase the owner's
//! record is also asked for by id, which its view rule (apart from the list rule) decides.

use std::collections::BTreeSet;

use super::api::{self, Caller, Listing};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct CrossTenant;

impl Check for CrossTenant {
    fn id(&self) -> &str {
        "baas.cross-tenant"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applicability(profile)
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let baas = match super::configured(ctx).await {
                Ok(baas) => baas,
                Err(skip) => return skip,
            };
            let users = super::users(ctx, baas);
            if users.len() < 2 {
                return Finding::skip(
                    "baas.identities",
                    "needs two of the API's users (of different tenants) in [baas] identities",
                );
            }
            let (tables, _) = super::tables(ctx, baas).await;
            let mut observations = Vec::new();
            for named in tables.iter().filter(|n| !baas.is_public(&n.name)) {
                let owners = super::owners_rows(ctx, baas, &users, &named.name).await;
                for (owner, rows) in &owners {
                    let own: BTreeSet<String> = rows.iter().map(api::row_key).collect();
                    for other in users.iter().filter(|u| u.name != owner.name) {
                        let subject = format!(
                            "{} as {} (rows {} is served)",
                            named.name, other.name, owner.name
                        );
                        let listing =
                            api::list(ctx, baas, Caller::Identity(other), &named.name).await;
                        let observation = match &listing {
                            Listing::Rows(theirs) => {
                                let shared: Vec<&serde_json::Value> = theirs
                                    .iter()
                                    .filter(|row| own.contains(&api::row_key(row)))
                                    .collect();
                                if shared.is_empty() {
                                    Observation::new(
                                        Status::Pass,
                                        subject,
                                        format!(
                                            "none of {}'s {} row(s) among the {} served",
                                            owner.name,
                                            own.len(),
                                            theirs.len()
                                        ),
                                    )
                                } else {
                                    let columns = api::sensitive_columns(
                                        &shared.iter().map(|r| (*r).clone()).collect::<Vec<_>>(),
                                    );
                                    Observation::new(
                                        Status::Fail,
                                        subject,
                                        format!(
                                            "served {} of the {} row(s) {} is served{}",
                                            shared.len(),
                                            own.len(),
                                            owner.name,
                                            if columns.is_empty() {
                                                String::new()
                                            } else {
                                                format!(", with {}", columns.join(", "))
                                            }
                                        ),
                                    )
                                }
                            }
                            Listing::Refused(..) => {
                                Observation::new(Status::Pass, subject, listing.describe())
                            }
                            Listing::Missing
                            | Listing::NotAdmitted(..)
                            | Listing::Unexpected(_)
                            | Listing::Unreachable(_) => {
                                Observation::new(Status::Error, subject, listing.describe())
                            }
                        };
                        observations.push(observation);
                        if baas.kind == super::cfg::BaasKind::PocketBase {
                            observations
                                .push(view(ctx, baas, &named.name, owner, other, rows).await);
                        }
                    }
                }
            }
            if observations.is_empty() {
                return Finding::skip(
                    "baas.tables",
                    "no table served rows to any identity of [baas] identities: name the tables the app's users own in [baas] tables",
                );
            }
            Finding::from_observations(observations)
        })
    }
}

/// PocketBase's view rule, apart from its list rule: `other` asks for the owner's first
/// record by id.
async fn view(
    ctx: &Ctx,
    baas: &super::cfg::Baas,
    collection: &str,
    owner: &crate::profile::Identity,
    other: &crate::profile::Identity,
    rows: &[serde_json::Value],
) -> Observation {
    let id = rows.first().map(api::row_key).unwrap_or_default();
    let subject = format!(
        "{collection} record {id} ({}'s) viewed as {}",
        owner.name, other.name
    );
    let Some(url) = api::row_url(baas, collection, &id) else {
        return Observation::new(Status::Error, subject, "no URL for the record");
    };
    let request = api::request(
        baas,
        crate::profile::Method::Get,
        url,
        Caller::Identity(other),
    );
    match api::ask(ctx, baas, &request).await {
        Listing::Rows(rows) if !rows.is_empty() => Observation::new(
            Status::Fail,
            subject,
            "served: the view rule lets another user read the record",
        ),
        Listing::Rows(_) | Listing::Refused(..) | Listing::Missing => {
            Observation::new(Status::Pass, subject, "not served: the view rule holds")
        }
        other => Observation::new(Status::Error, subject, other.describe()),
    }
}

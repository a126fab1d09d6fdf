//! `baas.public-read`: no table, view or collection answers the public key with rows,
//! unless `[baas] public` says it is meant to. An empty answer proves nothing by itself
//! (rules filter rows, so a protected table and an empty one both answer `[]`): a table
//! passes only where one of the API's users is served rows the public key is not.
//! PocketBase: the collections index must be refused to everyone but superusers. A
//! Supabase-style API's schema document is read for more tables, and whom it was served to
//! is said.

use super::api::{self, Caller, Listing};
use super::cfg::BaasKind;
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::{Method, Profile};
use crate::result::{Coverage, Finding, Observation, Status};

pub struct PublicRead;

impl Check for PublicRead {
    fn id(&self) -> &str {
        "baas.public-read"
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
            let (tables, left) = super::tables(ctx, baas).await;
            let mut observations = Vec::new();
            let mut found = 0;
            for named in &tables {
                let listing = api::list(ctx, baas, Caller::Public, &named.name).await;
                let subject = format!("{} ({})", named.name, named.source.describe());
                let observation = match &listing {
                    Listing::Missing if named.source == super::Source::Common => continue,
                    Listing::Missing => {
                        Observation::new(Status::Info, subject, "the API has no such table")
                    }
                    Listing::Rows(rows) if !rows.is_empty() => {
                        if baas.is_public(&named.name) {
                            Observation::new(
                                Status::Info,
                                subject,
                                format!(
                                    "served {} row(s) to {}, as [baas] public says it is meant to",
                                    rows.len(),
                                    Caller::Public.name(baas.kind)
                                ),
                            )
                        } else {
                            let columns = api::sensitive_columns(rows);
                            Observation::new(
                                Status::Fail,
                                subject,
                                format!(
                                    "served {} row(s) to {}{}",
                                    rows.len(),
                                    Caller::Public.name(baas.kind),
                                    if columns.is_empty() {
                                        String::new()
                                    } else {
                                        format!(", with {}", columns.join(", "))
                                    }
                                ),
                            )
                        }
                    }
                    Listing::Rows(_) | Listing::Refused(..) => {
                        let owners = super::owners_rows(ctx, baas, &users, &named.name).await;
                        match owners.first() {
                            Some((owner, rows)) => Observation::new(
                                Status::Pass,
                                subject,
                                format!(
                                    "{} to {}, while {} is served {} row(s) there",
                                    listing.describe().replace("served 0 row(s)", "no rows"),
                                    Caller::Public.name(baas.kind),
                                    owner.name,
                                    rows.len()
                                ),
                            ),
                            None => Observation::new(
                                Status::Info,
                                subject,
                                format!(
                                    "{} to {}, and no identity of [baas] identities is served rows there either: nothing shows that rules, not emptiness, kept the rows back",
                                    listing.describe().replace("served 0 row(s)", "no rows"),
                                    Caller::Public.name(baas.kind)
                                ),
                            ),
                        }
                    }
                    Listing::NotAdmitted(..) => {
                        Observation::new(Status::Error, subject, listing.describe())
                    }
                    Listing::Unexpected(what) => Observation::new(
                        Status::Error,
                        subject,
                        format!("not an answer of the data API: {what}"),
                    ),
                    Listing::Unreachable(why) => {
                        Observation::new(Status::Error, subject, why.clone())
                    }
                };
                found += 1;
                observations.push(observation);
            }
            let judged = observations
                .iter()
                .any(|o| matches!(o.status, Status::Pass | Status::Fail));
            match baas.kind {
                BaasKind::PocketBase => {
                    observations.extend(collections_index(ctx, baas, &users).await);
                }
                BaasKind::Supabase => observations.push(schema_document(ctx, baas).await),
            }
            // Nothing judged and nothing broken: nothing to say but the key to add. An ERROR
            // (a key the API refused, an answer not its own) is said as one.
            if !judged && !observations.iter().any(|o| o.status == Status::Error) {
                let mut skip = Finding::skip(
                    "baas.identities",
                    "no table answered the public key with rows, and none served rows to an identity: name the API's users in [baas] identities (and the tables they own in [baas] tables) so a refusal can be told from an empty table",
                );
                skip.evidence = observations;
                return skip;
            }
            let left_over = if left > 0 {
                vec![format!(
                    "{left} names over the cap of {}",
                    super::MAX_TABLES
                )]
            } else {
                Vec::new()
            };
            Finding::from_observations(observations).with_coverage(Coverage::new(
                "tables",
                found,
                found + left,
                left_over,
            ))
        })
    }
}

/// What the API's schema document showed, and to whom: served to the public key, it maps
/// every table for anyone holding what the app ships (said, not judged: the tables it lists
/// are judged above).
async fn schema_document(ctx: &Ctx, baas: &super::cfg::Baas) -> Observation {
    match super::schema::document(ctx, baas).await {
        super::schema::Document::Served {
            url,
            caller,
            tables,
        } => Observation::new(
            Status::Info,
            format!("GET {url} as {caller}"),
            format!(
                "the API's schema document lists {} table(s) and view(s), probed like the scripts' tables{}",
                tables.len(),
                if caller == Caller::Public.name(baas.kind) {
                    "; served to the public key, it maps the database for anyone holding what the app ships"
                } else {
                    ""
                }
            ),
        ),
        super::schema::Document::NotServed(why) => Observation::new(
            Status::Info,
            "the API's schema document",
            format!("not read ({why}): tables came from the scripts, [baas] and common names"),
        ),
    }
}

/// PocketBase lists every collection, with its rules, to superusers only.
async fn collections_index(
    ctx: &Ctx,
    baas: &super::cfg::Baas,
    users: &[&crate::profile::Identity],
) -> Vec<Observation> {
    let Some(url) = baas.rest_url("collections") else {
        return Vec::new();
    };
    let mut observations = Vec::new();
    for caller in std::iter::once(Caller::Public).chain(users.iter().map(|u| Caller::Identity(u))) {
        let request = api::request(baas, Method::Get, url.clone(), caller);
        let subject = format!("GET {url} as {}", caller.name(baas.kind));
        observations.push(match ctx.http.send(&request).await {
            Ok(r) if matches!(r.status, 401 | 403) => Observation::new(
                Status::Pass,
                subject,
                format!(
                    "{}: the collections and their rules are for superusers only",
                    r.status
                ),
            ),
            Ok(r) if r.is_success() => Observation::new(
                Status::Fail,
                subject,
                format!(
                    "{}: the collections index, with every rule, is served",
                    r.status
                ),
            ),
            Ok(r) => Observation::new(
                Status::Error,
                subject,
                format!("{}: neither the index nor a refusal", r.status),
            ),
            Err(e) => Observation::new(Status::Error, subject, ctx.redactor.redact(&e.to_string())),
        });
    }
    observations
}

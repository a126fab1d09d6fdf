//! `baas.public-write`: the rules refuse writes from the public key and from another user.
//! Each probe is undone or not tried:
//! - an update by another user rewrites one field of the owner's row with the value it
//!   already holds, asking for the rows it touched back (a write the rules filter answers
//!   2xx and touches none, so only the rows returned prove it);
//! - an insert (a copy of the owner's row) is tried only with `[baas] service_key`, which
//!   deletes the row it made at once; without it, the insert is not tried and the report
//!   says so. A refusal to return the row is asked again without it back, since a caller
//!   may insert what it may not read;
//! - a delete is tried on a copy of the owner's row the service key made for it, never on
//!   the owner's own ([`super::deletes`]).
//!
//! Every write sent is listed in the report's writes, with what became of it.

use serde_json::{Map, Value};

use super::api::{self, Caller, Listing};
use super::cfg::{Baas, BaasKind};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::{Environment, Identity, Method, Profile};
use crate::result::{Finding, Observation, Status};
use crate::writes::{WriteOutcome, WriteState, record};

pub struct PublicWrite;

/// Fields a copy of a row leaves out: the API fills them.
const FILLED_BY_THE_API: [&str; 9] = [
    "id",
    "created",
    "updated",
    "created_at",
    "updated_at",
    "collectionId",
    "collectionName",
    "expand",
    "inserted_at",
];

impl Check for PublicWrite {
    fn id(&self) -> &str {
        "baas.public-write"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applicability(profile)
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn phase(&self) -> crate::check::Phase {
        // It inserts and deletes rows in the tables the read checks list: after them, and
        // alone, so no listing ever races a probe's row.
        crate::check::Phase::Load
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let baas = match super::configured(ctx).await {
                Ok(baas) => baas,
                Err(skip) => return skip,
            };
            if ctx.profile.target.environment == Environment::Production
                && !ctx.consent.production_writes
            {
                return Finding::error(
                    "not sent: environment = \"production\" needs --allow-production-writes for write probes",
                );
            }
            let users = super::users(ctx, baas);
            let (tables, _) = super::tables(ctx, baas).await;
            let mut observations = Vec::new();
            for named in tables.iter().filter(|n| !baas.is_public(&n.name)) {
                let owners = super::owners_rows(ctx, baas, &users, &named.name).await;
                let Some((owner, rows)) = owners.first() else {
                    continue;
                };
                let Some(row) = rows.first().and_then(Value::as_object) else {
                    continue;
                };
                for other in users.iter().filter(|u| u.name != owner.name) {
                    observations.push(update(ctx, baas, &named.name, owner, other, row).await);
                }
                let callers = std::iter::once(Caller::Public).chain(
                    users
                        .iter()
                        .filter(|u| u.name != owner.name)
                        .map(|u| Caller::Identity(u)),
                );
                for caller in callers {
                    observations.push(insert(ctx, baas, &named.name, owner, caller, row).await);
                    observations.push(
                        super::deletes::delete(ctx, baas, &named.name, owner, caller, row).await,
                    );
                }
            }
            if !observations
                .iter()
                .any(|o| matches!(o.status, Status::Pass | Status::Fail | Status::Error))
            {
                let mut skip = Finding::skip(
                    "baas.identities",
                    "no write could be judged: the probes copy a row an identity of [baas] identities is served (and inserts need [baas] service_key to be undone)",
                );
                skip.evidence = observations;
                return skip;
            }
            Finding::from_observations(observations)
        })
    }
}

/// `other` rewrites one field of `owner`'s row with the value it holds.
async fn update(
    ctx: &Ctx,
    baas: &Baas,
    table: &str,
    owner: &Identity,
    other: &Identity,
    row: &Map<String, Value>,
) -> Observation {
    let id = api::row_key(&Value::Object(row.clone()));
    let subject = format!(
        "update of {owner}'s {table} row {id} as {other}",
        owner = owner.name,
        other = other.name
    );
    let Some((field, value)) = row
        .iter()
        .find(|(k, _)| !FILLED_BY_THE_API.contains(&k.as_str()))
    else {
        return Observation::new(Status::Info, subject, "the row has no field to rewrite");
    };
    let Some(url) = api::row_url(baas, table, &id) else {
        return Observation::new(Status::Error, subject, "no URL for the row");
    };
    let body = Value::Object(Map::from_iter([(field.clone(), value.clone())]));
    let request = api::request(baas, Method::Patch, url.clone(), Caller::Identity(other))
        .with_json(Some(body))
        .with_header("prefer", "return=representation".into());
    let listing = api::ask(ctx, baas, &request).await;
    let touched = listing.rows().len();
    record(
        ctx,
        WriteOutcome {
            request: format!("PATCH {url}"),
            accepted: touched,
            state: WriteState::Unchanged,
            detail: format!(
                "as {}: `{field}` rewritten with the value it held ({touched} row(s) touched; the API's own timestamps, such as PocketBase's `updated`, may move)",
                other.name
            ),
        },
    );
    match listing {
        Listing::Rows(rows) if !rows.is_empty() => Observation::new(
            Status::Fail,
            subject,
            format!(
                "the API let {} change `{field}` of a row only {} should change",
                other.name, owner.name
            ),
        ),
        Listing::Rows(_) => Observation::new(
            Status::Pass,
            subject,
            "touched no row: the rules filtered it out",
        ),
        Listing::Refused(..) => Observation::new(Status::Pass, subject, listing.describe()),
        Listing::NotAdmitted(..) => Observation::new(Status::Error, subject, listing.describe()),
        // PocketBase answers a record its rules hide as not found.
        Listing::Missing => Observation::new(
            Status::Pass,
            subject,
            format!("not found for {}: the rules hide the row", other.name),
        ),
        Listing::Unexpected(what) => Observation::new(
            Status::Info,
            subject,
            format!("not accepted, for another reason than the rules: {what}"),
        ),
        Listing::Unreachable(why) => Observation::new(Status::Error, subject, why),
    }
}

/// `caller` inserts a copy of `owner`'s row; the service key deletes what it made.
async fn insert(
    ctx: &Ctx,
    baas: &Baas,
    table: &str,
    owner: &Identity,
    caller: Caller<'_>,
    row: &Map<String, Value>,
) -> Observation {
    let subject = format!(
        "insert into {table} as {} (a copy of {}'s row)",
        caller.name(baas.kind),
        owner.name
    );
    if baas.service_key.is_none() {
        return Observation::new(
            Status::Skip,
            subject,
            "not tried: nothing could undo it; add [baas] service_key (from the environment) to delete what an insert makes",
        );
    }
    let Some(url) = api::insert_url(baas, table) else {
        return Observation::new(Status::Error, subject, "no URL for the table");
    };
    match insert_copy(ctx, baas, &url, caller, row).await {
        Listing::Rows(made) if !made.is_empty() => {
            let undone = undo(ctx, baas, table, &made).await;
            record_insert(
                ctx,
                baas,
                format!("POST {url}"),
                made.len(),
                caller,
                &undone,
            );
            Observation::new(
                Status::Fail,
                subject,
                format!(
                    "the API inserted {} row(s) for {}{}",
                    made.len(),
                    caller.name(baas.kind),
                    match undone {
                        Ok(_) => " (deleted again with the service key)".to_string(),
                        Err(why) => format!(" (NOT deleted: {why})"),
                    }
                ),
            )
        }
        Listing::Rows(_) => {
            // 2xx with no row back: it may have inserted without saying so.
            record(
                ctx,
                WriteOutcome {
                    request: format!("POST {url}"),
                    accepted: 1,
                    state: WriteState::NotRestorable,
                    detail: format!(
                        "as {}: 2xx with no row returned; what it made (if anything) is unknown",
                        caller.name(baas.kind)
                    ),
                },
            );
            Observation::new(
                Status::Error,
                subject,
                "answered 2xx without the row it inserted: cannot tell whether it wrote",
            )
        }
        refused @ Listing::Refused(..) if baas.kind == BaasKind::Supabase => {
            match insert_unread(ctx, baas, table, &url, caller, row).await {
                Unread::Refused => Observation::new(Status::Pass, subject, refused.describe()),
                Unread::Inserted(undone) => Observation::new(
                    Status::Fail,
                    subject,
                    format!(
                        "refused to return the row ({}), but asked without it back the API inserted it for {}{}",
                        refused.describe(),
                        caller.name(baas.kind),
                        match undone {
                            Ok(ids) => format!(" (row {ids}, deleted again with the service key)"),
                            Err(why) => format!(" (NOT deleted: {why})"),
                        }
                    ),
                ),
                Unread::Unknown(what) => Observation::new(
                    Status::Error,
                    subject,
                    format!(
                        "refused to return the row ({}); asked without it back: {what}",
                        refused.describe()
                    ),
                ),
            }
        }
        refused @ Listing::Refused(..) => {
            Observation::new(Status::Pass, subject, refused.describe())
        }
        unadmitted @ Listing::NotAdmitted(..) => {
            Observation::new(Status::Error, subject, unadmitted.describe())
        }
        Listing::Missing => Observation::new(Status::Info, subject, "no such table to insert into"),
        Listing::Unexpected(what) => Observation::new(
            Status::Info,
            subject,
            format!("not accepted, for another reason than the rules: {what}"),
        ),
        Listing::Unreachable(why) => Observation::new(Status::Error, subject, why),
    }
}

/// A copy of `row` to insert: what the API fills in left out.
fn copy_of(row: &Map<String, Value>) -> Map<String, Value> {
    row.iter()
        .filter(|(k, _)| !FILLED_BY_THE_API.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Inserts a copy of `row` (less what the API fills in) as `caller`, asking for the rows
/// made back: the insert probe's, and the delete probe's copy (made with the service key).
pub(super) async fn insert_copy(
    ctx: &Ctx,
    baas: &Baas,
    url: &url::Url,
    caller: Caller<'_>,
    row: &Map<String, Value>,
) -> Listing {
    let request = api::request(baas, Method::Post, url.clone(), caller)
        .with_json(Some(Value::Object(copy_of(row))))
        .with_header("prefer", "return=representation".into());
    api::ask(ctx, baas, &request).await
}

/// What an insert asked without its row back did.
enum Unread {
    Refused,
    /// Inserted; the ids the service key deleted, or why it could not.
    Inserted(Result<String, String>),
    Unknown(String),
}

/// PostgREST reads an inserted row back through the table's read policies when asked to
/// return it, so a caller the rules let insert but not read is refused with the same
/// error as one they keep out. Asked again without the row back (`return=minimal`), a 2xx
/// is an insert: the service key finds the rows that match the copy and were not there
/// before, and deletes them. Only with `[baas] service_key` (the caller checked).
async fn insert_unread(
    ctx: &Ctx,
    baas: &Baas,
    table: &str,
    url: &url::Url,
    caller: Caller<'_>,
    row: &Map<String, Value>,
) -> Unread {
    let copy = copy_of(row);
    let before = match matching(ctx, baas, table, &copy).await {
        Ok(rows) => rows,
        Err(why) => {
            return Unread::Unknown(format!("the rows like it could not be counted: {why}"));
        }
    };
    let request = api::request(baas, Method::Post, url.clone(), caller)
        .with_json(Some(Value::Object(copy.clone())))
        .with_header("prefer", "return=minimal".into());
    let status = match ctx.http.send(&request).await {
        Ok(response) if response.is_success() => response.status,
        Ok(response) => {
            return match api::read_answer(
                baas.kind,
                response.status,
                &response.body,
                response.truncated,
            ) {
                Listing::Refused(..) => Unread::Refused,
                other => Unread::Unknown(other.describe()),
            };
        }
        Err(error) => return Unread::Unknown(ctx.redactor.redact(&error.to_string())),
    };
    let made: Result<Vec<Value>, String> = matching(ctx, baas, table, &copy).await.map(|after| {
        after
            .into_iter()
            .filter(|row| !before.iter().any(|b| api::row_key(b) == api::row_key(row)))
            .collect()
    });
    let accepted = made.as_ref().map_or(1, |rows| rows.len().max(1));
    let undone = match made {
        Ok(made) if !made.is_empty() => undo(ctx, baas, table, &made).await,
        Ok(_) => Err(format!(
            "{status}, but the service key finds no new row like the copy"
        )),
        Err(why) => Err(format!(
            "the service key could not list what it made: {why}"
        )),
    };
    record_insert(
        ctx,
        baas,
        format!("POST {url} (return=minimal)"),
        accepted,
        caller,
        &undone,
    );
    Unread::Inserted(undone)
}

/// Lists an insert in the report's writes, with what the service key's delete made of it.
fn record_insert(
    ctx: &Ctx,
    baas: &Baas,
    request: String,
    accepted: usize,
    caller: Caller<'_>,
    undone: &Result<String, String>,
) {
    record(
        ctx,
        WriteOutcome {
            request,
            accepted,
            state: if undone.is_ok() {
                WriteState::Restored
            } else {
                WriteState::LeftChanged
            },
            detail: match undone {
                Ok(ids) => format!(
                    "as {}: inserted and deleted with the service key (row {ids})",
                    caller.name(baas.kind)
                ),
                Err(why) => format!("as {}: inserted, and left: {why}", caller.name(baas.kind)),
            },
        },
    );
}

/// The rows of `table` the service key finds with every plain value of `copy`.
async fn matching(
    ctx: &Ctx,
    baas: &Baas,
    table: &str,
    copy: &Map<String, Value>,
) -> Result<Vec<Value>, String> {
    let mut url = baas
        .rest_url(table)
        .ok_or_else(|| format!("`{table}` makes no URL"))?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("select", "*");
        query.append_pair("limit", &api::PAGE.to_string());
        for (column, value) in copy {
            let value = match value {
                Value::String(text) => text.clone(),
                Value::Number(_) | Value::Bool(_) => value.to_string(),
                _ => continue,
            };
            query.append_pair(column, &format!("eq.{value}"));
        }
    }
    match api::ask(
        ctx,
        baas,
        &api::request(baas, Method::Get, url, Caller::Service),
    )
    .await
    {
        Listing::Rows(rows) => Ok(rows),
        // The client's error names the URL, whose filters are the owner's row values
        // (e-mails, tokens): said without it.
        Listing::Unreachable(_) => Err("the service key's listing was not answered".into()),
        other => Err(other.describe()),
    }
}

/// Deletes the rows an insert made, with the service key; their ids, or why not.
pub(super) async fn undo(
    ctx: &Ctx,
    baas: &Baas,
    table: &str,
    made: &[Value],
) -> Result<String, String> {
    let mut ids = Vec::new();
    for row in made {
        let id = api::row_key(row);
        let url = api::row_url(baas, table, &id).ok_or("no URL for the row")?;
        let mut request = api::request(baas, Method::Delete, url, Caller::Service);
        if baas.kind == BaasKind::Supabase {
            request = request.with_header("prefer", "return=representation".into());
        }
        let response = ctx
            .http
            .send(&request)
            .await
            .map_err(|e| ctx.redactor.redact(&e.to_string()))?;
        let deleted = match baas.kind {
            // The rows it deleted come back.
            BaasKind::Supabase => matches!(
                api::read_answer(baas.kind, response.status, &response.body, response.truncated),
                Listing::Rows(rows) if !rows.is_empty()
            ),
            BaasKind::PocketBase => response.status == 204,
        };
        if !deleted {
            return Err(format!(
                "the service key's delete of row {id} answered {}",
                response.status
            ));
        }
        ids.push(id);
    }
    Ok(ids.join(", "))
}

//! The delete probe of `baas.public-write`: the service key makes a copy of the owner's row
//! (the owner's, as its owner column says), the public key or another user tries to delete
//! it, asking for the deleted rows back, and the service key removes whatever is left. The
//! owner's own rows are never the target. Without `[baas] service_key` nothing is tried.

use serde_json::{Map, Value};

use super::api::{self, Caller, Listing};
use super::cfg::{Baas, BaasKind};
use super::writes::{insert_copy, undo};
use crate::ctx::Ctx;
use crate::profile::{Identity, Method};
use crate::result::{Observation, Status};
use crate::writes::{WriteOutcome, WriteState, record};

pub(super) async fn delete(
    ctx: &Ctx,
    baas: &Baas,
    table: &str,
    owner: &Identity,
    caller: Caller<'_>,
    row: &Map<String, Value>,
) -> Observation {
    let who = caller.name(baas.kind);
    let subject = format!("delete of a copy of {}'s {table} row as {who}", owner.name);
    if baas.service_key.is_none() {
        return Observation::new(
            Status::Skip,
            subject,
            "not tried: the copy to delete is made and removed with [baas] service_key, which is not given",
        );
    }
    let Some(insert_url) = api::insert_url(baas, table) else {
        return Observation::new(Status::Error, subject, "no URL for the table");
    };
    let made = match insert_copy(ctx, baas, &insert_url, Caller::Service, row).await {
        Listing::Rows(made) if !made.is_empty() => made,
        other => {
            return Observation::new(
                Status::Info,
                subject,
                format!(
                    "the service key could not make a copy to delete: {}",
                    other.describe()
                ),
            );
        }
    };
    let id = api::row_key(&made[0]);
    let Some(url) = api::row_url(baas, table, &id) else {
        return Observation::new(Status::Error, subject, "no URL for the copy");
    };
    let mut request = api::request(baas, Method::Delete, url.clone(), caller);
    if baas.kind == BaasKind::Supabase {
        request = request.with_header("prefer", "return=representation".into());
    }
    let verdict = match ctx.http.send(&request).await {
        Ok(response) => match (baas.kind, response.status) {
            (BaasKind::PocketBase, 204) => Ok(true),
            (BaasKind::PocketBase, _) => Ok(false),
            (BaasKind::Supabase, status) => {
                match api::read_answer(baas.kind, status, &response.body, response.truncated) {
                    Listing::Rows(rows) => Ok(!rows.is_empty()),
                    Listing::Refused(..) | Listing::Missing => Ok(false),
                    other => Err(other.describe()),
                }
            }
        },
        Err(e) => Err(ctx.redactor.redact(&e.to_string())),
    };
    // Whatever the delete did, the copy is gone afterwards: the service key removes it.
    let left = match verdict {
        Ok(true) => Ok(String::new()),
        _ => undo(ctx, baas, table, &made).await.map(|_| String::new()),
    };
    record(
        ctx,
        WriteOutcome {
            request: format!("POST {insert_url}, DELETE {url}"),
            accepted: 1 + usize::from(matches!(verdict, Ok(true))),
            state: if left.is_ok() {
                WriteState::Restored
            } else {
                WriteState::LeftChanged
            },
            detail: match &left {
                Ok(_) => format!(
                    "a copy of {}'s row made with the service key, {who}'s delete tried, the copy gone",
                    owner.name
                ),
                Err(why) => format!("the copy made for the delete probe was left: {why}"),
            },
        },
    );
    match verdict {
        Ok(true) => Observation::new(
            Status::Fail,
            subject,
            format!("the API let {who} delete a row of {}'s", owner.name),
        ),
        Ok(false) => Observation::new(
            Status::Pass,
            subject,
            "deleted nothing: the rules kept the row",
        ),
        Err(why) => Observation::new(Status::Error, subject, why),
    }
}

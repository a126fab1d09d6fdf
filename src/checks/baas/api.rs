//! Asking the data API as its own client asks: who is calling (the public key, an
//! identity, the service key), where a table or collection lists its rows, and how an
//! answer reads (rows, missing, refused). One listing per caller and table per audit,
//! shared by the family's checks.

use crate::net::contact::Shared;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use url::Url;

use super::cfg::{Baas, BaasKind};
use crate::ctx::Ctx;
use crate::net::{Credential, HttpRequest};
use crate::profile::{Identity, Method};

/// Rows read per listing: enough to compare, never a dump.
pub const PAGE: usize = 50;

/// Who asks.
#[derive(Clone, Copy, Debug)]
pub enum Caller<'a> {
    /// Anyone holding what the app ships: the public key (Supabase) or nothing (PocketBase).
    Public,
    Identity(&'a Identity),
    /// The key that bypasses the rules: only to undo a probe's insert.
    Service,
}

impl Caller<'_> {
    /// Who asks, in the words of the API's kind (PocketBase's client carries no key).
    pub fn name(&self, kind: BaasKind) -> String {
        match (self, kind) {
            (Caller::Public, BaasKind::Supabase) => "the public key".into(),
            (Caller::Public, BaasKind::PocketBase) => "anyone (no credential)".into(),
            (Caller::Identity(identity), _) => identity.name.clone(),
            (Caller::Service, _) => "the service key".into(),
        }
    }
}

/// How a listing (or a function's call) was answered.
#[derive(Clone, Debug)]
pub enum Listing {
    /// The API's own answer, with the rows it served (possibly none: rules filter rows).
    Rows(Vec<Value>),
    /// No such table, view, collection or function (the API said so).
    Missing,
    /// Refused by the rules (the database or the collection's rule): a status and the API's
    /// message.
    Refused(u16, String),
    /// The caller's key or token was not accepted (the gateway, an invalid JWT): nothing is
    /// known of the rules behind it.
    NotAdmitted(u16, String),
    /// Not an answer of this API (another status, a body that is not its JSON).
    Unexpected(String),
    /// No answer at all.
    Unreachable(String),
}

impl Listing {
    pub fn rows(&self) -> &[Value] {
        match self {
            Listing::Rows(rows) => rows,
            _ => &[],
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Listing::Rows(rows) => format!("served {} row(s)", rows.len()),
            Listing::Missing => "no such table".into(),
            Listing::Refused(status, message) => format!("refused ({status}: {message})"),
            Listing::NotAdmitted(status, message) => format!(
                "the credential was not accepted ({status}: {message}), so the rules were never asked"
            ),
            Listing::Unexpected(what) | Listing::Unreachable(what) => what.clone(),
        }
    }
}

/// A row's identity for comparisons: its `id`, else the whole row.
pub fn row_key(row: &Value) -> String {
    match row.get("id") {
        Some(Value::String(id)) => id.clone(),
        Some(id @ Value::Number(_)) => id.to_string(),
        _ => row.to_string(),
    }
}

/// Column names that say a row is someone's: owners, contacts, secrets.
pub fn sensitive_columns(rows: &[Value]) -> Vec<String> {
    const WORDS: [&str; 9] = [
        "email", "token", "password", "secret", "owner", "user", "phone", "address", "key",
    ];
    let mut columns: Vec<String> = rows
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|row| row.keys())
        .filter(|k| {
            let k = k.to_ascii_lowercase();
            WORDS.iter().any(|w| k.contains(w))
        })
        .cloned()
        .collect();
    columns.sort();
    columns.dedup();
    columns
}

/// A request to the data API as `caller`, with the headers its own client sends.
pub fn request<'a>(baas: &Baas, method: Method, url: Url, caller: Caller<'a>) -> HttpRequest<'a> {
    let request = HttpRequest::new(method, url);
    let key = baas.key.as_ref().map(|k| k.expose().to_string());
    match (baas.kind, caller) {
        (BaasKind::Supabase, Caller::Public) => match key {
            Some(key) => request.with_credential(Credential::Headers(vec![
                ("apikey".into(), key.clone()),
                ("authorization".into(), format!("Bearer {key}")),
            ])),
            None => request,
        },
        (BaasKind::Supabase, Caller::Identity(identity)) => {
            let request = request.with_identity(Some(identity));
            match key {
                Some(key) => request.with_credential(Credential::Header("apikey".into(), key)),
                None => request,
            }
        }
        (BaasKind::PocketBase, Caller::Public) => request,
        (BaasKind::PocketBase, Caller::Identity(identity)) => request.with_identity(Some(identity)),
        (kind, Caller::Service) => match &baas.service_key {
            Some(service) => {
                let service = service.expose().to_string();
                let mut headers = vec![("authorization".into(), format!("Bearer {service}"))];
                if kind == BaasKind::Supabase {
                    headers.push(("apikey".into(), service));
                }
                request.with_credential(Credential::Headers(headers))
            }
            None => request,
        },
    }
}

/// Where a table or collection lists its rows.
pub fn list_url(baas: &Baas, name: &str) -> Option<Url> {
    match baas.kind {
        BaasKind::Supabase => baas.rest_url(&format!("{name}?select=*&limit={PAGE}")),
        BaasKind::PocketBase => {
            baas.rest_url(&format!("collections/{name}/records?perPage={PAGE}"))
        }
    }
}

/// Where one row or record is, by its key (for the update and delete probes).
pub fn row_url(baas: &Baas, name: &str, id: &str) -> Option<Url> {
    match baas.kind {
        BaasKind::Supabase => {
            let mut url = baas.rest_url(name)?;
            url.query_pairs_mut().append_pair("id", &format!("eq.{id}"));
            Some(url)
        }
        BaasKind::PocketBase => baas.rest_url(&format!("collections/{name}/records/{id}")),
    }
}

/// Where rows are inserted.
pub fn insert_url(baas: &Baas, name: &str) -> Option<Url> {
    match baas.kind {
        BaasKind::Supabase => baas.rest_url(name),
        BaasKind::PocketBase => baas.rest_url(&format!("collections/{name}/records")),
    }
}

/// Reads an answer of the API: its rows, or what it said instead.
pub fn read_answer(kind: BaasKind, status: u16, body: &[u8], truncated: bool) -> Listing {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let message = json
        .as_ref()
        .and_then(|j| j.get("message"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect::<String>();
    let code = json
        .as_ref()
        .and_then(|j| j.get("code"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match (status, json) {
        (200..=299, _) if truncated => Listing::Unexpected(format!(
            "{status}, but the answer was cut at the body limit"
        )),
        (200..=299, Some(Value::Array(rows))) if kind == BaasKind::Supabase => Listing::Rows(rows),
        (200..=299, Some(Value::Object(page))) if kind == BaasKind::PocketBase => {
            match page.get("items") {
                Some(Value::Array(rows)) => Listing::Rows(rows.clone()),
                // One record (a view, a create, an update).
                _ if page.contains_key("id") => Listing::Rows(vec![Value::Object(page)]),
                _ => Listing::Unexpected(format!("{status}, but not a list of records")),
            }
        }
        // A write asked with `return=minimal`, or a function returning nothing.
        (204, None) => Listing::Rows(Vec::new()),
        // PostgREST: no such relation or function (PGRST205, PGRST202, 42P01, 42883).
        (404, Some(_))
            if kind == BaasKind::PocketBase
                || matches!(code.as_str(), "PGRST205" | "PGRST202" | "42P01" | "42883") =>
        {
            Listing::Missing
        }
        // The key or token itself not accepted: a gateway's refusal (no code of the API's
        // own), PostgREST's JWT errors (PGRST30x), PocketBase's 401. It says nothing about
        // the rows behind it, so no check may read it as the rules at work.
        (401 | 403, _)
            if match kind {
                BaasKind::Supabase => code.is_empty() || code.starts_with("PGRST30"),
                BaasKind::PocketBase => status == 401,
            } =>
        {
            Listing::NotAdmitted(status, message)
        }
        // The database refusing (permission denied or a row security violation: 42501 in
        // PostgREST, PGRST504 "Database error" in postrust), PocketBase's superusers-only rule.
        (401 | 403, _) => Listing::Refused(status, message),
        // PocketBase: a rule that refuses a create or update (its field errors are empty).
        (400, Some(Value::Object(error)))
            if kind == BaasKind::PocketBase
                && error
                    .get("data")
                    .and_then(Value::as_object)
                    .is_some_and(|d| d.is_empty()) =>
        {
            Listing::Refused(status, message)
        }
        // PostgREST: a row security violation on a write.
        (_, Some(_)) if code == "42501" => Listing::Refused(status, message),
        (_, _) => Listing::Unexpected(format!(
            "{status}{}",
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            }
        )),
    }
}

/// Sends a request to the data API and reads its answer.
pub async fn ask(ctx: &Ctx, baas: &Baas, request: &HttpRequest<'_>) -> Listing {
    match ctx.http.send(request).await {
        Ok(response) => read_answer(
            baas.kind,
            response.status,
            &response.body,
            response.truncated,
        ),
        Err(error) => Listing::Unreachable(ctx.redactor.redact(&error.to_string())),
    }
}

type Listings = Mutex<HashMap<(String, String), Arc<tokio::sync::OnceCell<Shared<Listing>>>>>;

/// The rows `caller` is served by `name`'s listing, asked once per audit.
pub async fn list(ctx: &Ctx, baas: &Baas, caller: Caller<'_>, name: &str) -> Listing {
    let cells = ctx.slot(|_| Listings::default());
    let cell = {
        let mut cells = cells.lock().unwrap_or_else(|p| p.into_inner());
        cells
            .entry((caller.name(baas.kind), name.to_string()))
            .or_default()
            .clone()
    };
    cell.get_or_init(|| {
        Shared::compute(async {
            let Some(url) = list_url(baas, name) else {
                return Listing::Unexpected(format!("`{name}` makes no URL under {}", baas.url));
            };
            ask(ctx, baas, &request(baas, Method::Get, url, caller)).await
        })
    })
    .await
    .read()
    .clone()
}

//! Finding the app's GraphQL endpoints and asking them, once per audit: `[[graphql]]`, the
//! endpoints the pages' scripts set their clients up with, then a short list of usual
//! paths; each confirmed only when it answers `{__typename}` as GraphQL does (the control
//! every check of the family stands on).

use crate::net::contact::Shared;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use url::Url;

use super::cfg::{Graphql, Operation};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::{Identity, Method};
use crate::result::Finding;

/// Paths GraphQL servers are usually mounted at, asked when nothing names an endpoint.
pub const USUAL_PATHS: [&str; 6] = [
    "/graphql",
    "/api/graphql",
    "/graphql/v1",
    "/v1/graphql",
    "/query",
    "/gql",
];

/// Endpoints probed per audit at most.
const MAX_ENDPOINTS: usize = 3;

/// A confirmed endpoint.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub url: Url,
    /// Where it came from: `[[graphql]]`, the script that names it, a usual path.
    pub source: String,
    pub public_fields: Vec<String>,
    pub operations: Vec<Operation>,
    pub login: Option<super::cfg::LoginMutation>,
    /// Root fields of the queries the pages' scripts carry: what the app itself asks,
    /// known without introspection.
    pub shipped_fields: Vec<String>,
}

/// A GraphQL answer: its HTTP status, the `data` and `errors` members, the whole text
/// (for the error scanner) and how long it took.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub data: Option<Value>,
    pub errors: Vec<Value>,
    /// A batched request's answers, when the body was an array.
    pub batch: Option<Vec<Value>>,
    pub text: String,
    pub elapsed: Duration,
}

impl Answer {
    /// Whether `data` holds anything but nulls: the operation was executed and served.
    pub fn served(&self) -> bool {
        match &self.data {
            Some(Value::Object(fields)) => fields.values().any(|v| match v {
                Value::Null => false,
                Value::Array(items) => !items.is_empty(),
                _ => true,
            }),
            _ => false,
        }
    }

    /// The errors' messages, joined.
    pub fn messages(&self) -> String {
        self.errors
            .iter()
            .filter_map(|e| e.get("message").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// What it said, in one line for evidence.
    pub fn describe(&self) -> String {
        if self.served() {
            format!("{}: executed", self.status)
        } else if !self.errors.is_empty() {
            let mut messages = self.messages();
            messages.truncate(140);
            format!("{}: refused ({messages})", self.status)
        } else {
            format!("{}: no data", self.status)
        }
    }
}

/// Reads a response as GraphQL; `None` when the body is neither an answer nor a batch.
fn answer_of(response: &crate::net::Fetched) -> Option<Answer> {
    let text = String::from_utf8_lossy(&response.body).into_owned();
    let json: Value = serde_json::from_str(&text).ok()?;
    let (data, errors, batch) = match &json {
        Value::Object(map) if map.contains_key("data") || map.contains_key("errors") => (
            map.get("data").cloned(),
            map.get("errors")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            None,
        ),
        Value::Array(items) => (None, Vec::new(), Some(items.clone())),
        _ => return None,
    };
    Some(Answer {
        status: response.status,
        data,
        errors,
        batch,
        text,
        elapsed: response.elapsed,
    })
}

/// How a probe is sent.
pub enum Send<'a> {
    /// POST, `application/json`, as every GraphQL client sends.
    Json(Value),
    /// GET with `?query=` (what a link or an image can make a browser send).
    Get(&'a str),
    /// POST an HTML form could send: urlencoded `query=`.
    Form(&'a str),
    /// POST `text/plain` carrying the JSON (what `fetch` with no-cors may send).
    TextPlain(Value),
}

/// Why a probe has no GraphQL answer.
#[derive(Clone, Debug)]
pub enum Failure {
    /// No response at all (the cause, redacted).
    Unanswered(String),
    /// A response, but not GraphQL's (a refusal page, a 405): the operation did not run.
    NotGraphql(u16),
    /// Cut at the body limit: not read whole.
    Cut(u16),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unanswered(why) => f.write_str(why),
            Failure::NotGraphql(status) => write!(f, "{status}: not a GraphQL answer"),
            Failure::Cut(status) => write!(f, "{status}: the answer was cut at the body limit"),
        }
    }
}

/// Sends one probe to `url` as `identity` (or anonymously).
pub async fn ask(
    ctx: &Ctx,
    url: &Url,
    send: Send<'_>,
    identity: Option<&Identity>,
) -> Result<Answer, Failure> {
    let request = match send {
        Send::Json(body) => HttpRequest::new(Method::Post, url.clone()).with_json(Some(body)),
        Send::Get(query) => {
            let mut url = url.clone();
            url.query_pairs_mut().append_pair("query", query);
            HttpRequest::get(url)
        }
        Send::Form(query) => HttpRequest::new(Method::Post, url.clone())
            .with_form(vec![("query".into(), query.to_string())]),
        Send::TextPlain(body) => HttpRequest::new(Method::Post, url.clone())
            .with_raw("text/plain", body.to_string().into_bytes()),
    }
    .with_identity(identity);
    let response = ctx
        .http
        .send(&request)
        .await
        .map_err(|e| Failure::Unanswered(ctx.redactor.redact(&e.to_string())))?;
    if response.truncated {
        return Err(Failure::Cut(response.status));
    }
    answer_of(&response).ok_or(Failure::NotGraphql(response.status))
}

/// `{__typename}` answered as GraphQL: the endpoint is one.
pub async fn confirmed(ctx: &Ctx, url: &Url) -> Result<(), String> {
    let answer = ask(ctx, url, Send::Json(json!({"query": "{__typename}"})), None)
        .await
        .map_err(|f| f.to_string())?;
    match answer.data.as_ref().and_then(|d| d.get("__typename")) {
        Some(Value::String(_)) => Ok(()),
        _ => Err(format!(
            "{}: {{__typename}} was not answered ({})",
            answer.status,
            answer.describe()
        )),
    }
}

/// The endpoints every check of the family probes, or the SKIP/ERROR saying why none.
pub async fn endpoints(ctx: &Ctx) -> Arc<Result<Vec<Endpoint>, Finding>> {
    let cell =
        ctx.slot(|_| tokio::sync::OnceCell::<Shared<Arc<Result<Vec<Endpoint>, Finding>>>>::new());
    cell.get_or_init(|| Shared::compute(async { Arc::new(find(ctx).await) }))
        .await
        .read()
        .clone()
}

async fn find(ctx: &Ctx) -> Result<Vec<Endpoint>, Finding> {
    let base = &ctx.profile.target.base_url;
    let origin = base.origin().ascii_serialization();
    let declared: &[Graphql] = &ctx.profile.graphql;
    let mut candidates: Vec<(Url, String, Option<&Graphql>)> = Vec::new();
    for graphql in declared {
        match resolve(base, &graphql.path) {
            Some(url) => candidates.push((url, "[[graphql]]".into(), Some(graphql))),
            None => {
                return Err(Finding::error(format!(
                    "[[graphql]] path {} makes no URL",
                    graphql.path
                )));
            }
        }
    }
    if candidates.is_empty() {
        let surface = crate::discovery::surface(ctx).await;
        for endpoint in &surface.graphql_endpoints {
            if let Some(url) = resolve(base, endpoint)
                && (url.origin().ascii_serialization() == origin
                    || url.host_str().is_some_and(|h| ctx.http.in_scope(h)))
                && !candidates.iter().any(|(u, ..)| *u == url)
            {
                candidates.push((url, "named by the pages' scripts".into(), None));
            }
        }
    }
    let guessed = candidates.is_empty();
    if guessed {
        for path in USUAL_PATHS {
            if let Some(url) = resolve(base, path) {
                candidates.push((url, "a usual path".into(), None));
            }
        }
    }
    let shipped_fields = shipped_fields(ctx).await;
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for (url, source, graphql) in candidates {
        if found.len() >= MAX_ENDPOINTS {
            break;
        }
        match confirmed(ctx, &url).await {
            Ok(()) => found.push(Endpoint {
                url,
                source,
                public_fields: graphql.map(|g| g.public_fields.clone()).unwrap_or_default(),
                operations: graphql.map(|g| g.operations.clone()).unwrap_or_default(),
                login: graphql.and_then(|g| g.login.clone()),
                shipped_fields: shipped_fields.clone(),
            }),
            Err(why) if !guessed => refused.push(format!("{url} ({source}): {why}")),
            Err(_) => {}
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    if !refused.is_empty() {
        return Err(Finding::error(format!(
            "no endpoint answered as GraphQL: {}",
            refused.join("; ")
        )));
    }
    Err(Finding::skip(
        "graphql",
        "no [[graphql]] declared, the pages' scripts name no GraphQL endpoint, and none of the usual paths answered {__typename}: declare the endpoint, or state `has_no = [\"graphql\"]` in [target]",
    ))
}

/// The root fields of the read documents the pages' scripts carry, each once.
async fn shipped_fields(ctx: &Ctx) -> Vec<String> {
    let surface = crate::discovery::surface(ctx).await;
    let mut fields: Vec<String> = Vec::new();
    for text in &surface.graphql_documents {
        if let Ok(document) = super::cfg::document::read(text)
            && !document.mutation
        {
            for field in document.root_fields {
                if !fields.contains(&field) {
                    fields.push(field);
                }
            }
        }
    }
    fields
}

/// A path under base_url (its own path kept), or a full URL.
fn resolve(base: &Url, path: &str) -> Option<Url> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return Url::parse(path).ok();
    }
    let joined = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    Url::parse(&joined).ok()
}

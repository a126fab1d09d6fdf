//! The data API's own schema document: a PostgREST API describes itself at its root (an
//! OpenAPI document, Swagger 2.0 in PostgREST, OpenAPI 3 in some alikes), listing every
//! table and view the caller's role can reach. Its tables are probed like the scripts'
//! (a table nobody's code names is still read with the public key), and a document served
//! to the public key is said, since it maps the database for anyone. Asked once per audit,
//! as the public key first and then as each of the API's users (a role-filtered document
//! shows a signed-in user more). PocketBase serves none: its collections index is for
//! superusers, and `baas.public-read` judges that index on its own.

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::api::{self, Caller};
use super::cfg::{Baas, BaasKind};
use crate::ctx::Ctx;
use crate::net::contact::Shared;
use crate::profile::Method;

/// What the API said about itself.
#[derive(Clone, Debug)]
pub enum Document {
    /// A schema document, read as `caller`, with the tables and views it lists.
    Served {
        url: Url,
        caller: String,
        tables: Vec<String>,
    },
    /// None: the API's kind serves none, or the root answered something else (why).
    NotServed(String),
}

impl Document {
    /// The tables and views it lists.
    pub fn tables(&self) -> &[String] {
        match self {
            Document::Served { tables, .. } => tables,
            Document::NotServed(_) => &[],
        }
    }
}

/// Schema documents are a few hundred KiB even for large schemas; anything bigger is not
/// read (and said).
const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

type Cell = tokio::sync::OnceCell<Shared<Document>>;

/// The API's schema document, asked once per audit.
pub async fn document(ctx: &Ctx, baas: &Baas) -> Document {
    let cell = ctx.slot(|_| Arc::new(Cell::new()));
    cell.get_or_init(|| Shared::compute(ask(ctx, baas)))
        .await
        .read()
        .clone()
}

async fn ask(ctx: &Ctx, baas: &Baas) -> Document {
    if baas.kind != BaasKind::Supabase {
        return Document::NotServed("PocketBase serves no schema document".into());
    }
    let Some(url) = baas.rest_url("") else {
        return Document::NotServed(format!("{} makes no URL", baas.rest_path));
    };
    let users = super::users(ctx, baas);
    let callers =
        std::iter::once(Caller::Public).chain(users.iter().map(|user| Caller::Identity(user)));
    let mut answers = Vec::new();
    for caller in callers {
        let mut request = api::request(baas, Method::Get, url.clone(), caller);
        request.body_limit = Some(MAX_DOCUMENT_BYTES);
        let answer = match ctx.http.send(&request).await {
            Ok(response) if response.truncated => {
                format!("{}, over {} MiB", response.status, MAX_DOCUMENT_BYTES >> 20)
            }
            Ok(response) if response.is_success() => {
                match serde_json::from_slice::<Value>(&response.body)
                    .ok()
                    .and_then(|json| tables_listed(&json))
                {
                    Some(tables) => {
                        return Document::Served {
                            url,
                            caller: caller.name(baas.kind),
                            tables,
                        };
                    }
                    None => format!("{}, but not an OpenAPI document", response.status),
                }
            }
            Ok(response) => response.status.to_string(),
            Err(error) => ctx.redactor.redact(&error.to_string()),
        };
        answers.push(format!("as {}: {answer}", caller.name(baas.kind)));
    }
    Document::NotServed(format!("GET {url} {}", answers.join("; ")))
}

/// The tables and views an OpenAPI document (2.0 or 3) lists: the last segment of each
/// path without a template, but functions (`/rpc/…`), a GraphQL endpoint beside them and
/// the root. `None` when it is not an OpenAPI document.
pub fn tables_listed(document: &Value) -> Option<Vec<String>> {
    let is_openapi = document.get("swagger").and_then(Value::as_str) == Some("2.0")
        || document
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with('3'));
    if !is_openapi {
        return None;
    }
    let paths = document.get("paths")?.as_object()?;
    let mut tables: Vec<String> = paths
        .keys()
        .filter(|path| !path.contains('{') && !path.split('/').any(|s| s == "rpc"))
        .filter_map(|path| path.trim_end_matches('/').rsplit('/').next())
        .filter(|name| !name.is_empty() && !name.ends_with("graphql"))
        .map(str::to_string)
        .collect();
    tables.sort();
    tables.dedup();
    Some(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn postgrest_swagger_lists_tables_but_not_functions_or_the_root() {
        let document = json!({
            "swagger": "2.0",
            "paths": {"/": {}, "/notes": {}, "/billing_contacts": {}, "/rpc/search_notes": {}}
        });
        assert_eq!(
            tables_listed(&document),
            Some(vec!["billing_contacts".into(), "notes".into()])
        );
    }

    #[test]
    fn an_openapi_3_document_under_a_prefix_lists_its_last_segments() {
        let document = json!({"openapi": "3.1.0", "paths": {
            "/api/notes": {}, "/api/notes/{id}": {}, "/api/graphql": {}
        }});
        assert_eq!(tables_listed(&document), Some(vec!["notes".into()]));
    }

    #[test]
    fn a_root_that_is_not_openapi_lists_nothing() {
        assert_eq!(tables_listed(&json!({"name": "postrust"})), None);
        assert_eq!(tables_listed(&json!([])), None);
    }
}

//! What the family knows of an endpoint's root fields without introspection: those the
//! profile declares, the queries the app's own scripts carry, then the names a server's
//! "Did you mean …?" hands out for a misspelled field. Probes that need a field a stranger
//! may ask (aliases, tokens) take the first of them that executes with no login.

use serde_json::json;

use super::client::{self, Endpoint, Send};
use crate::ctx::Ctx;

/// Root fields to misspell when nothing better is known.
pub const COMMON_FIELDS: [&str; 6] = ["users", "user", "viewer", "node", "posts", "orders"];

/// Misspellings sent, and candidate fields asked, at most per endpoint.
const MAX_MISSPELLINGS: usize = 8;
const MAX_CANDIDATES: usize = 8;

/// `field` with its last letter dropped, when that still reads as a field name.
pub fn misspelled(field: &str) -> Option<&str> {
    (field.len() > 3 && !field.starts_with("__")).then(|| &field[..field.len() - 1])
}

/// The field names in a "Did you mean "a", "b" or "c"?" message, each once.
pub fn suggested(messages: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tail in messages.split("Did you mean").skip(1) {
        let question = tail.split('?').next().unwrap_or_default();
        for (i, part) in question.split('"').enumerate() {
            let name = part.trim();
            if i % 2 == 1
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// A root field strangers may ask, and where it was learnt: the first declared public
/// field; else the first of the scripts' root fields, then of the fields suggestions name,
/// that `{ field { __typename } }` executes for a caller with no login (that execution is
/// the evidence it is public).
pub async fn public_field(ctx: &Ctx, endpoint: &Endpoint) -> Option<(String, &'static str)> {
    if let Some(field) = endpoint.public_fields.first() {
        return Some((field.clone(), "[[graphql]] public_fields"));
    }
    let mut asked = Vec::new();
    for field in &endpoint.shipped_fields {
        if asked.len() >= MAX_CANDIDATES {
            return None;
        }
        asked.push(field.clone());
        if executes_for_anyone(ctx, endpoint, field).await {
            return Some((field.clone(), "the pages' scripts"));
        }
    }
    let to_misspell = endpoint
        .shipped_fields
        .iter()
        .map(String::as_str)
        .chain(COMMON_FIELDS)
        .filter_map(misspelled)
        .take(MAX_MISSPELLINGS);
    for wrong in to_misspell {
        let Ok(answer) = client::ask(
            ctx,
            &endpoint.url,
            Send::Json(json!({ "query": format!("{{ {wrong} }}") })),
            None,
        )
        .await
        else {
            continue;
        };
        for field in suggested(&answer.messages()) {
            if asked.contains(&field) {
                continue;
            }
            if asked.len() >= MAX_CANDIDATES {
                return None;
            }
            asked.push(field.clone());
            if executes_for_anyone(ctx, endpoint, &field).await {
                return Some((field, "the server's field suggestions"));
            }
        }
    }
    None
}

async fn executes_for_anyone(ctx: &Ctx, endpoint: &Endpoint, field: &str) -> bool {
    let body = json!({ "query": format!("{{ {field} {{ __typename }} }}") });
    client::ask(ctx, &endpoint.url, Send::Json(body), None)
        .await
        .is_ok_and(|answer| answer.served())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_read_out_of_graphql_js_messages() {
        assert_eq!(
            suggested(
                r#"Cannot query field "invoic" on type "Query". Did you mean "invoice" or "invoices"?"#
            ),
            ["invoice", "invoices"]
        );
        assert_eq!(
            suggested(r#"Cannot query field "post" on type "Query". Did you mean "posts"?"#),
            ["posts"]
        );
        assert!(suggested(r#"Cannot query field "x" on type "Query"."#).is_empty());
        assert_eq!(misspelled("posts"), Some("post"));
        assert_eq!(misspelled("me"), None);
        assert_eq!(misspelled("__schema"), None);
    }
}

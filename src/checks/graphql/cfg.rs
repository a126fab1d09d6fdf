//! `[[graphql]]`: the app's GraphQL endpoints, the operations to ask through them, and
//! which root fields are public. The family owns its section. Documents are kept apart
//! from placeholders: a document is sent as written (its braces are GraphQL's), and only
//! the variables' values take `{placeholders}` from `[tenants.*]`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::identity::Identity;
use crate::profile::target::{Absent, Target};
use crate::profile::validator::{Validator, list_or_none};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGraphql {
    /// The endpoint: a path under base_url (`/graphql`), or a full URL on a profile host.
    pub path: Spanned<String>,
    /// Root fields meant to answer strangers (`posts`): asked anonymously, they pass.
    #[serde(default)]
    pub public_fields: Vec<String>,
    #[serde(default)]
    pub operations: Vec<RawOperation>,
}

/// An operation the checks ask as each identity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperation {
    pub name: Option<String>,
    /// The document, sent as written.
    pub query: Spanned<String>,
    /// Its variables; string values may hold `{placeholders}` filled per tenant.
    #[serde(default)]
    pub variables: toml::Table,
}

#[derive(Clone, Debug)]
pub struct Graphql {
    pub path: String,
    pub public_fields: Vec<String>,
    pub operations: Vec<Operation>,
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub name: String,
    pub query: String,
    pub variables: serde_json::Map<String, serde_json::Value>,
    /// The placeholders its variables name (`invoice_id`).
    pub placeholders: Vec<String>,
    /// The root fields it selects, as read from the document.
    pub root_fields: Vec<String>,
    /// A mutation (only read operations are asked by the access check).
    pub mutation: bool,
}

pub(crate) fn validate(
    raw: Vec<RawGraphql>,
    target: &Target,
    tenants: &BTreeMap<String, BTreeMap<String, String>>,
    _identities: &BTreeMap<String, Identity>,
    v: &mut Validator<'_>,
) -> Vec<Graphql> {
    let mut endpoints = Vec::new();
    for (i, raw) in raw.into_iter().enumerate() {
        let key = format!("graphql[{i}]");
        if target.has_no.contains(&Absent::Graphql) {
            v.blame(
                &raw.path,
                &format!("{key}.path"),
                "[target] has_no says the app has no GraphQL endpoint, yet one is declared: remove one of the two",
            );
        }
        let path = raw.path.get_ref();
        if !path.starts_with('/') && !path.starts_with("http://") && !path.starts_with("https://") {
            v.blame(
                &raw.path,
                &format!("{key}.path"),
                "expected a path starting with `/` or a full URL",
            );
            continue;
        }
        let mut operations = Vec::new();
        for (j, op) in raw.operations.into_iter().enumerate() {
            let op_key = format!("{key}.operations[{j}]");
            let document = match super::document::read(op.query.get_ref()) {
                Ok(document) => document,
                Err(why) => {
                    v.blame(
                        &op.query,
                        &format!("{op_key}.query"),
                        format!("not a GraphQL document: {why}"),
                    );
                    continue;
                }
            };
            let variables = match serde_json::to_value(&op.variables) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            let mut placeholders = Vec::new();
            for value in variables.values() {
                if let Some(text) = value.as_str() {
                    match crate::profile::placeholder_names(text) {
                        Ok(names) => {
                            for name in names {
                                if !placeholders.iter().any(|p| p == name) {
                                    placeholders.push(name.to_string());
                                }
                            }
                        }
                        Err(why) => v.blame(&op.query, &format!("{op_key}.variables"), why),
                    }
                }
            }
            for name in &placeholders {
                if !tenants.values().any(|t| t.contains_key(name)) {
                    v.blame(
                        &op.query,
                        &format!("{op_key}.variables"),
                        format!(
                            "{{{name}}} is given by no tenant ({})",
                            list_or_none(tenants.keys())
                        ),
                    );
                }
            }
            operations.push(Operation {
                name: op.name.unwrap_or_else(|| document.root_fields.join(", ")),
                query: op.query.into_inner(),
                variables,
                placeholders,
                root_fields: document.root_fields,
                mutation: document.mutation,
            });
        }
        endpoints.push(Graphql {
            path: raw.path.into_inner(),
            public_fields: raw.public_fields,
            operations,
        });
    }
    endpoints
}

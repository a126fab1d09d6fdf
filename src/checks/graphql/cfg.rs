//! `[[graphql]]`: the app's GraphQL endpoints, the operations to ask through them, and
//! which root fields are public. The family owns its section. Documents are kept apart
//! from placeholders: a document is sent as written (its braces are GraphQL's), and only
//! the variables' values take `{placeholders}` from `[tenants.*]`.

use std::collections::BTreeMap;

pub mod document;

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
    /// The login mutation, for `graphql.login-limit`.
    pub login: Option<RawLogin>,
}

/// A login mutation's field and the arguments of a failed attempt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogin {
    /// The mutation's field (`login`).
    pub field: Spanned<String>,
    /// Arguments of one failed attempt: an identifier the app accepts, a wrong password
    /// (`{ email = "nobody@acme.test", password = "wrong" }`). String values only.
    pub arguments: BTreeMap<String, String>,
    /// The selection on its result (`token`); default `__typename`.
    pub selection: Option<String>,
    /// By which attempt a limiter must answer (default 10, at most 20).
    pub max_attempts: Option<Spanned<usize>>,
}

/// A login mutation, validated.
#[derive(Clone, Debug)]
pub struct LoginMutation {
    pub field: String,
    pub arguments: BTreeMap<String, String>,
    pub selection: String,
    pub max_attempts: usize,
}

/// The most attempts one probe request carries.
pub const MAX_LOGIN_ATTEMPTS: usize = 20;

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
    /// A mutation is tried only with this (and `--allow-production-writes` on production).
    #[serde(default)]
    pub allow_writes: bool,
    /// For a mutation: the read operation (its `name`) whose answer shows what it changes,
    /// asked before and after every attempt.
    pub read_back: Option<Spanned<String>>,
    /// For a mutation: the variables that undo it, each a JSON pointer into `read_back`'s
    /// answer before (`title = "/data/invoice/title"`). The owner sends them back.
    #[serde(default)]
    pub restore: BTreeMap<String, String>,
    /// For a read: placeholders each identity's own answer to it gives, as JSON pointers
    /// (`invoice_id = "/data/invoices/0/id"`), so ids are measured, never guessed.
    #[serde(default)]
    pub ids: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct Graphql {
    pub path: String,
    pub public_fields: Vec<String>,
    pub operations: Vec<Operation>,
    pub login: Option<LoginMutation>,
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
    /// A mutation: asked by the access check only when it may write and can be undone.
    pub mutation: bool,
    pub allow_writes: bool,
    /// How a mutation's effect is seen and undone, when the profile says.
    pub undo: Option<Undo>,
    /// Placeholders an identity's own answer to this read gives: (name, JSON pointer).
    pub ids: Vec<(String, String)>,
}

/// How a mutation is seen and undone: the read operation that shows what it changes, and
/// the variables (JSON pointers into that read's answer before) that write it back.
#[derive(Clone, Debug)]
pub struct Undo {
    pub read_back: String,
    pub restore: Vec<(String, String)>,
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
        // The read operations' names, which a mutation's read_back may name.
        let reads: Vec<String> = raw
            .operations
            .iter()
            .filter_map(|op| {
                let document = document::read(op.query.get_ref()).ok()?;
                (!document.mutation).then(|| {
                    op.name
                        .clone()
                        .unwrap_or_else(|| document.root_fields.join(", "))
                })
            })
            .collect();
        // Placeholders the operations' own answers give (`ids`).
        let measured: Vec<String> = raw
            .operations
            .iter()
            .flat_map(|op| op.ids.keys().cloned())
            .collect();
        let mut operations = Vec::new();
        for (j, op) in raw.operations.into_iter().enumerate() {
            let op_key = format!("{key}.operations[{j}]");
            let document = match document::read(op.query.get_ref()) {
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
                    match crate::profile::validator::placeholder_names(text) {
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
                if !tenants.values().any(|t| t.contains_key(name)) && !measured.contains(name) {
                    v.blame(
                        &op.query,
                        &format!("{op_key}.variables"),
                        format!(
                            "{{{name}}} is given by no tenant ({}) and by no operation's ids",
                            list_or_none(tenants.keys())
                        ),
                    );
                }
            }
            for (name, pointer) in &op.ids {
                if document.mutation || !pointer.starts_with('/') {
                    v.blame(
                        &op.query,
                        &format!("{op_key}.ids.{name}"),
                        "ids are JSON pointers into a read operation's answer, such as `/data/invoices/0/id`",
                    );
                }
            }
            let undo = undo_of(&op, &op_key, document.mutation, &variables, &reads, v);
            operations.push(Operation {
                name: op.name.unwrap_or_else(|| document.root_fields.join(", ")),
                query: op.query.into_inner(),
                variables,
                placeholders,
                root_fields: document.root_fields,
                mutation: document.mutation,
                allow_writes: op.allow_writes,
                undo,
                ids: op.ids.into_iter().collect(),
            });
        }

        let login = raw.login.and_then(|login| {
            let max_attempts = login.max_attempts.as_ref().map_or(10, |m| *m.get_ref());
            if let Some(m) = &login.max_attempts
                && !(1..MAX_LOGIN_ATTEMPTS).contains(m.get_ref())
            {
                v.blame(
                    m,
                    &format!("{key}.login.max_attempts"),
                    format!("between 1 and {}", MAX_LOGIN_ATTEMPTS - 1),
                );
                return None;
            }
            let field = login.field.get_ref();
            if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                v.blame(
                    &login.field,
                    &format!("{key}.login.field"),
                    "expected a GraphQL field name",
                );
                return None;
            }
            Some(LoginMutation {
                field: field.clone(),
                arguments: login.arguments,
                selection: login.selection.unwrap_or_else(|| "__typename".into()),
                max_attempts,
            })
        });
        endpoints.push(Graphql {
            path: raw.path.into_inner(),
            public_fields: raw.public_fields,
            operations,
            login,
        });
    }
    endpoints
}

/// A mutation's `read_back` and `restore`, checked: both or neither, only on a mutation,
/// each restored variable one the mutation has, each source a JSON pointer.
fn undo_of(
    op: &RawOperation,
    key: &str,
    mutation: bool,
    variables: &serde_json::Map<String, serde_json::Value>,
    reads: &[String],
    v: &mut Validator<'_>,
) -> Option<Undo> {
    if !mutation {
        if op.allow_writes || op.read_back.is_some() || !op.restore.is_empty() {
            v.blame(
                &op.query,
                key,
                "allow_writes, read_back and restore are for a mutation; this document reads",
            );
        }
        return None;
    }
    let read_back = op.read_back.as_ref()?;
    if !reads.contains(read_back.get_ref()) {
        v.blame(
            read_back,
            &format!("{key}.read_back"),
            format!(
                "`{}` is not the name of a read operation of this endpoint ({})",
                read_back.get_ref(),
                list_or_none(reads.iter())
            ),
        );
        return None;
    }
    if op.restore.is_empty() {
        v.blame(
            read_back,
            &format!("{key}.restore"),
            "read_back needs restore: the variables that write the values read back before",
        );
        return None;
    }
    for (variable, pointer) in &op.restore {
        if !variables.contains_key(variable) {
            v.blame(
                read_back,
                &format!("{key}.restore.{variable}"),
                format!("`{variable}` is not one of the mutation's variables"),
            );
        }
        if !pointer.starts_with('/') {
            v.blame(
                read_back,
                &format!("{key}.restore.{variable}"),
                format!("`{pointer}`: expected a JSON pointer into read_back's answer, such as `/data/invoice/title`"),
            );
        }
    }
    Some(Undo {
        read_back: read_back.get_ref().clone(),
        restore: op.restore.clone().into_iter().collect(),
    })
}

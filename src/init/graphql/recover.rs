//! The schema a server will not hand out, recovered from its validation errors, as
//! schema-recovery tools (clairvoyance) do: a document asking common field names is
//! refused field by field, and graphql-js's messages say which names do not exist
//! (`Cannot query field "foo" on type "Query"`), which do and what they return
//! (`Field "invoice" of type "Invoice" must have a selection of subfields`), and the
//! arguments they require (`Field "invoice" argument "id" of type "ID!" is required`).
//!
//! Every document sent asks a field no schema has, so it fails validation and never
//! executes: nothing is read, and no mutation runs. Requests are bounded: a few per root,
//! one per type, at most [`MAX_TYPES`] types, [`MAX_DEPTH`] levels down. A refusal cut at
//! graphql-js's error limit says nothing of the names it did not reach.

use std::collections::BTreeMap;

use url::Url;

use super::client;
use super::schema::{Argument, Field, Schema, TypeRef};
use crate::ctx::Ctx;

/// A field no schema has: it makes every document invalid, and its error names the type.
const NO_SUCH_FIELD: &str = "launchAuditNoSuchField";

/// Root query fields asked for.
const QUERY_WORDS: &[&str] = &[
    "me",
    "viewer",
    "currentUser",
    "user",
    "users",
    "profile",
    "account",
    "accounts",
    "node",
    "nodes",
    "search",
    "org",
    "orgs",
    "organization",
    "organizations",
    "team",
    "teams",
    "workspace",
    "workspaces",
    "tenant",
    "tenants",
    "company",
    "companies",
    "project",
    "projects",
    "invoice",
    "invoices",
    "order",
    "orders",
    "product",
    "products",
    "post",
    "posts",
    "article",
    "articles",
    "comment",
    "comments",
    "message",
    "messages",
    "note",
    "notes",
    "document",
    "documents",
    "file",
    "files",
    "customer",
    "customers",
    "payment",
    "payments",
    "subscription",
    "subscriptions",
    "item",
    "items",
    "task",
    "tasks",
    "ticket",
    "tickets",
    "event",
    "events",
    "member",
    "members",
    "invitation",
    "invitations",
    "setting",
    "settings",
];

/// Root mutation fields asked for: the sign-ins init writes `[graphql.login]` from.
const MUTATION_WORDS: &[&str] = &[
    "login",
    "logIn",
    "signIn",
    "signin",
    "authenticate",
    "authenticateUser",
    "loginUser",
    "tokenAuth",
];

/// Fields asked for on every type found: ids, tokens, names, and the links to a tenant.
const FIELD_WORDS: &[&str] = &[
    "id",
    "token",
    "accessToken",
    "access_token",
    "jwt",
    "name",
    "title",
    "email",
    "username",
    "amount",
    "total",
    "status",
    "body",
    "text",
    "createdAt",
    "owner",
    "user",
    "author",
    "org",
    "organization",
    "team",
    "workspace",
    "tenant",
    "account",
    "project",
];

/// Names asked per document at most: graphql-js stops at 100 errors, and a field that
/// exists may earn several (its selection, each required argument).
const BATCH: usize = 30;

/// Types whose fields are asked for at most, and how deep below a root.
const MAX_TYPES: usize = 12;
const MAX_DEPTH: usize = 3;

/// What a refusal said about the names asked at one place: the type asked on, the names
/// it does not have, the object types the others return, and their required arguments.
#[derive(Debug, Default, PartialEq, Eq)]
struct Refusal {
    on_type: Option<String>,
    /// graphql-js stopped at its error limit: a name with no error may simply not have
    /// been reached, so only names with an error of their own are known.
    cut: bool,
    missing: Vec<String>,
    returns: BTreeMap<String, String>,
    required: BTreeMap<String, Vec<(String, String)>>,
}

/// The quoted parts of a message: `Field "a" of type "B"` → `["a", "B"]`.
fn quoted(message: &str) -> Vec<&str> {
    message.split('"').skip(1).step_by(2).collect()
}

fn read_refusal(messages: &[String]) -> Refusal {
    let mut refusal = Refusal::default();
    for message in messages {
        let parts = quoted(message);
        if message.contains("error limit reached") {
            refusal.cut = true;
        } else if message.starts_with("Cannot query field ") && parts.len() >= 2 {
            refusal.missing.push(parts[0].to_string());
            if parts[0] == NO_SUCH_FIELD {
                refusal.on_type = Some(parts[1].to_string());
            }
        } else if message.contains("must have a selection of subfields") && parts.len() >= 2 {
            refusal
                .returns
                .insert(parts[0].to_string(), parts[1].to_string());
        } else if message.contains("\" argument \"")
            && message.contains("is required")
            && parts.len() >= 3
        {
            refusal
                .required
                .entry(parts[0].to_string())
                .or_default()
                .push((parts[1].to_string(), parts[2].to_string()));
        }
    }
    refusal
}

/// The fields among `words` that exist where `refusal` was read (validation ran: it named
/// the type), each with its arguments and type (a leaf's type is unknown: `String`).
fn fields_of(words: &[&str], refusal: &Refusal) -> Vec<Field> {
    let reported = |w: &str| refusal.returns.contains_key(w) || refusal.required.contains_key(w);
    words
        .iter()
        .filter(|w| !refusal.missing.iter().any(|m| m == *w))
        .filter(|w| !refusal.cut || reported(w))
        .map(|word| Field {
            name: word.to_string(),
            arguments: refusal
                .required
                .get(*word)
                .into_iter()
                .flatten()
                .map(|(name, ty)| Argument {
                    name: name.clone(),
                    ty: TypeRef::parse(ty),
                })
                .collect(),
            ty: refusal
                .returns
                .get(*word)
                .map_or_else(|| TypeRef::parse("String"), |ty| TypeRef::parse(ty)),
        })
        .collect()
}

/// Asks `words` at the end of `path` (`mutation`, or a query), in batches; the fields
/// found, and the type they were asked on. `None` when no answer showed validation run.
async fn ask(
    ctx: &Ctx,
    url: &Url,
    mutation: bool,
    path: &[String],
    words: &[&str],
) -> Option<(String, Vec<Field>)> {
    let mut on_type = None;
    let mut found = Vec::new();
    let words: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !path.iter().any(|p| p == w))
        .collect();
    for batch in words.chunks(BATCH) {
        // The made-up field first: its refusal comes first, within any error limit.
        let mut selection = format!("{NO_SUCH_FIELD} {}", batch.join(" "));
        for field in path.iter().rev() {
            selection = format!("{field} {{ {selection} }}");
        }
        let document = format!(
            "{} {{ {selection} }}",
            if mutation { "mutation" } else { "query" }
        );
        let body = serde_json::json!({ "query": document });
        let Ok(answer) = client::ask(ctx, url, client::Send::Json(body), None).await else {
            return None;
        };
        let messages: Vec<String> = answer
            .errors
            .iter()
            .filter_map(|e| e.get("message").and_then(|m| m.as_str()))
            .map(str::to_string)
            .collect();
        let refusal = read_refusal(&messages);
        // Without the made-up field's refusal, validation did not run as expected (another
        // rule refused first): nothing is known of these names.
        let type_name = refusal.on_type.clone()?;
        on_type.get_or_insert(type_name);
        found.extend(fields_of(batch, &refusal));
    }
    on_type.map(|t| (t, found))
}

/// The schema recovered from `url`'s validation errors; `None` when its messages are not
/// graphql-js's or no root query was found.
pub async fn recover(ctx: &Ctx, url: &Url) -> Option<Schema> {
    let (query_type, queries) = ask(ctx, url, false, &[], QUERY_WORDS).await?;
    if queries.is_empty() {
        return None;
    }
    let (mutation_type, mutations) = match ask(ctx, url, true, &[], MUTATION_WORDS).await {
        Some((name, found)) => (Some(name), found),
        None => (None, Vec::new()),
    };
    let mut composites: BTreeMap<String, Vec<Field>> = BTreeMap::new();
    composites.insert(query_type.clone(), queries.clone());
    if let Some(name) = &mutation_type {
        composites.insert(name.clone(), mutations.clone());
    }
    // Each object type once, through the first path that reaches it.
    let mut queue: Vec<(bool, Vec<String>, String)> = queries
        .iter()
        .map(|f| (false, vec![f.name.clone()], f.ty.name.clone()))
        .chain(
            mutations
                .iter()
                .map(|f| (true, vec![f.name.clone()], f.ty.name.clone())),
        )
        .filter(|(_, _, ty)| ty != "String")
        .collect();
    let mut next = 0;
    while next < queue.len() && composites.len() <= MAX_TYPES {
        let (mutation, path, type_name) = queue[next].clone();
        next += 1;
        if composites.contains_key(&type_name) {
            continue;
        }
        let Some((_, fields)) = ask(ctx, url, mutation, &path, FIELD_WORDS).await else {
            continue;
        };
        if path.len() < MAX_DEPTH {
            for field in fields.iter().filter(|f| f.ty.name != "String") {
                let mut deeper = path.clone();
                deeper.push(field.name.clone());
                queue.push((mutation, deeper, field.ty.name.clone()));
            }
        }
        composites.insert(type_name, fields);
    }
    Some(Schema::with_roots(
        composites,
        &query_type,
        mutation_type.as_deref(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_js_refusals_name_the_fields_their_types_and_arguments() {
        let messages: Vec<String> = [
            r#"Field "invoice" of type "Invoice" must have a selection of subfields. [Suggestion hidden]"#,
            r#"Field "invoice" argument "id" of type "ID!" is required, but it was not provided."#,
            r#"Field "invoices" of type "[Invoice!]!" must have a selection of subfields."#,
            r#"Cannot query field "foo" on type "Query"."#,
            r#"Cannot query field "launchAuditNoSuchField" on type "Query"."#,
        ]
        .iter()
        .map(|m| m.to_string())
        .collect();
        let refusal = read_refusal(&messages);
        assert_eq!(refusal.on_type.as_deref(), Some("Query"));
        let fields = fields_of(&["invoice", "invoices", "foo", "me"], &refusal);
        let shapes: Vec<(&str, &str, usize)> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.ty.text.as_str(), f.arguments.len()))
            .collect();
        assert_eq!(
            shapes,
            [
                ("invoice", "Invoice", 1),
                ("invoices", "[Invoice!]!", 0),
                ("me", "String", 0)
            ]
        );
        assert!(fields[1].ty.list && fields[1].ty.name == "Invoice");
        assert_eq!(fields[0].arguments[0].ty.text, "ID!");
        // Cut at graphql-js's error limit: a name with no error of its own is unknown,
        // not a leaf that exists.
        let mut cut = messages.clone();
        cut.push("Too many validation errors, error limit reached. Validation aborted.".into());
        let names: Vec<String> = fields_of(&["invoice", "me"], &read_refusal(&cut))
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["invoice"]);
    }
}

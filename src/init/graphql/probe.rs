//! `init --probe` on `[[graphql]]`: each identity's own ids for the documents that read
//! one object by id, text from the first identity's own record for the searches, and the
//! root queries that serve strangers what they serve both identities.

use super::client;
use super::schema::IdSource;
use super::{Measured, Starter};

/// Texts tried per search at most.
const MAX_SEARCH_TRIES: usize = 4;

/// The strings in a JSON answer of at least three characters, each once, in order (the
/// walk the leak test uses).
fn strings_in(value: Option<&serde_json::Value>) -> Vec<String> {
    let mut leaves = Vec::new();
    if let Some(value) = value {
        crate::checks::probe::scalar_leaves(value, &mut leaves);
    }
    let mut found: Vec<String> = Vec::new();
    for text in leaves.into_iter().filter_map(serde_json::Value::as_str) {
        if text.chars().count() >= 3 && !found.iter().any(|f| f == text) {
            found.push(text.to_string());
        }
    }
    found
}

/// Root queries with no argument asked per endpoint at most, for `public_fields`.
const MAX_OPEN_READS: usize = 8;

/// `--probe`: each document the scripts carry that reads one root field by a variable
/// (`invoice(id: $id)`) is made live where its ids can be measured. The plural of the
/// field (`invoices`), the list such an API usually has, is asked `{ id }` as each
/// identity: when each is shown an id and not the same one, the ids are each identity's
/// own, and the document is written with them. A root query the schema says takes no
/// argument, served to a stranger exactly as to both identities, is written in
/// `public_fields` (as a REST route serving strangers the app's own answer is written
/// public), unless it names either identity (their logins). Only queries are asked.
pub async fn measure(
    ctx: &crate::ctx::Ctx,
    starter: &mut Starter,
    first: &crate::profile::Identity,
    second: &crate::profile::Identity,
) {
    use crate::checks::graphql::cfg::document;
    let mut notes = Vec::new();
    for graphql in &mut starter.graphql {
        let Ok(url) = ctx.profile.url_for(&graphql.path) else {
            continue;
        };
        let mut texts: Vec<String> = Vec::new();
        for text in graphql.documents.clone() {
            let Ok(read) = document::read(&text) else {
                continue;
            };
            let ([field], [(_, argument, variable)]) = (
                read.root_fields.as_slice(),
                read.variable_arguments.as_slice(),
            ) else {
                continue;
            };
            if read.mutation {
                continue;
            }
            let own = match graphql.own_ids.get(field) {
                Some(own) => own.clone(),
                None if graphql.schema_read => {
                    notes.push(format!(
                        "GraphQL `{field}(${variable})`: the schema shows no caller an id of its type of its own (no root list of it, no `me`-like query leading to one): left as a suggestion"
                    ));
                    continue;
                }
                None => IdSource::list(&format!("{field}s")),
            };
            let (list, pointer) = (&own.document, &own.pointer);
            let mut ids = Vec::new();
            for identity in [first, second] {
                // Through the family's client: an answer cut at the body limit, or not
                // GraphQL's, shows no id.
                let body = serde_json::json!({ "query": list });
                let id =
                    match client::ask(ctx, &url, client::Send::Json(body), Some(identity)).await {
                        Ok(answer) if answer.errors.is_empty() => {
                            serde_json::json!({ "data": answer.data })
                                .pointer(pointer)
                                .and_then(|id| match id {
                                    serde_json::Value::String(s) => Some(s.clone()),
                                    serde_json::Value::Number(n) => Some(n.to_string()),
                                    _ => None,
                                })
                        }
                        _ => None,
                    };
                ids.push(id);
            }
            match (&ids[0], &ids[1]) {
                (Some(a), Some(b)) if a != b => {
                    notes.push(format!(
                        "GraphQL `{list}` shows {} {a} and {} {b}: `{field}({argument}: ${variable})` is written live, with each identity's own id",
                        first.name, second.name
                    ));
                    // The first identity's own record, read whole: its text is what
                    // the searches below look for.
                    let body = serde_json::json!({ "query": text, "variables": { variable.as_str(): a } });
                    if let Ok(answer) =
                        client::ask(ctx, &url, client::Send::Json(body), Some(first)).await
                        && answer.served()
                    {
                        texts.extend(
                            strings_in(answer.data.as_ref())
                                .into_iter()
                                .filter(|t| t != a),
                        );
                    }
                    graphql.measured.push(Measured {
                        document: text.clone(),
                        variable: variable.clone(),
                        own,
                        placeholder: format!("{field}_{argument}"),
                    });
                }
                _ => notes.push(format!(
                    "GraphQL `{field}(${variable})`: `{list}` did not show each identity an id of its own: left as a suggestion"
                )),
            }
        }
        // A search is given text the first identity's own record holds, the first that
        // finds something for it: an operation its owner is served (graphql.access,
        // graphql.errors put a quote in that text).
        for (field, document, arguments) in graphql.searches.clone() {
            let mut found = None;
            for text in texts.iter().take(MAX_SEARCH_TRIES) {
                let variables: toml::Table = arguments
                    .iter()
                    .map(|a| (a.clone(), toml::Value::String(text.clone())))
                    .collect();
                let body = serde_json::json!({ "query": document, "variables": variables });
                if let Ok(answer) =
                    client::ask(ctx, &url, client::Send::Json(body), Some(first)).await
                    && answer.served()
                    && answer.errors.is_empty()
                {
                    found = Some((text.clone(), variables));
                    break;
                }
            }
            match found {
                Some((text, variables)) => {
                    notes.push(format!(
                        "GraphQL `{field}` finds {} something with `{text}`, from its own record: written live",
                        first.name
                    ));
                    graphql.measured_searches.push((field, document, variables));
                }
                None => notes.push(format!(
                    "GraphQL `{field}`: no text from {}'s own records found anything: left out",
                    first.name
                )),
            }
        }
    }
    for graphql in &mut starter.graphql {
        let Ok(url) = ctx.profile.url_for(&graphql.path) else {
            continue;
        };
        let logins = super::super::identity_logins();
        for (field, document) in graphql.open_reads.iter().take(MAX_OPEN_READS) {
            let body = || serde_json::json!({ "query": document });
            let mut data = Vec::new();
            for identity in [None, Some(first), Some(second)] {
                match client::ask(ctx, &url, client::Send::Json(body()), identity).await {
                    Ok(answer) if answer.served() && answer.errors.is_empty() => {
                        data.push(answer.data)
                    }
                    _ => break,
                }
            }
            let text = data
                .first()
                .and_then(|d| serde_json::to_string(d).ok())
                .unwrap_or_default();
            let names_a_user = logins.iter().any(|l| text.contains(l.as_str()));
            if data.len() == 3 && data.iter().all(|d| *d == data[0]) && !names_a_user {
                notes.push(format!(
                    "GraphQL `{field}` serves a stranger what it serves {} and {}: written in public_fields",
                    first.name, second.name
                ));
                graphql.public_fields.push(field.clone());
            }
        }
    }
    starter.notes.extend(notes);
}

//! `init --probe`: each tenant's ids, measured with its own identity. From what the
//! identity is told about itself (`GET /api/me`: its org, team or workspace), and from the
//! collection route that lists a placeholder's objects to it (the producer of `{id}` in
//! `/api/communities/{id}/members` is `GET /api/communities`), the identity's own items
//! first. Never from a spec's examples, which are nobody's ids.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Starter;
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Identity;

/// Members a list answer commonly keeps its items in, tried in order.
const LIST_MEMBERS: &[&str] = &["data", "items", "results", "entries", "records"];

/// The objects of a list answer: the body itself, or its first list member.
fn items(body: &Value) -> Option<&Vec<Value>> {
    body.as_array().or_else(|| {
        let object = body.as_object()?;
        LIST_MEMBERS
            .iter()
            .find_map(|m| object.get(*m).and_then(Value::as_array))
    })
}

/// The id of a listed object: `id`, or a field named like the placeholder (`community_id`
/// for `{communities_id}` lists `id`; `{slug}` lists `slug`).
fn id_of(item: &Value, placeholder: &str) -> Option<String> {
    let object = item.as_object()?;
    let last = placeholder.rsplit('_').next().unwrap_or(placeholder);
    [placeholder, last, "id", "uuid", "slug", "key"]
        .iter()
        .find_map(|field| object.get(*field))
        .and_then(|value| match value {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
}

/// Keys under which an answer about the caller names its tenant.
const TENANT_KEYS: &[&str] = &[
    "org",
    "org_id",
    "orgId",
    "organization",
    "organization_id",
    "organizationId",
    "tenant",
    "tenant_id",
    "tenantId",
    "team",
    "team_id",
    "teamId",
    "workspace",
    "workspace_id",
    "workspaceId",
    "account_id",
    "accountId",
    "company",
    "company_id",
    "companyId",
];

/// Last path segments of routes that answer about the caller.
const SELF_ROUTES: &[&str] = &[
    "me", "self", "profile", "user", "account", "session", "whoami", "current",
];

/// The tenant values an answer about the caller carries (`org = 101`), at any depth.
fn tenant_marks(json: &Value, found: &mut BTreeMap<String, String>) {
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                let text = match value {
                    Value::String(s) if !s.is_empty() => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                if let Some(text) = text
                    && TENANT_KEYS.contains(&key.as_str())
                {
                    found.entry(key.clone()).or_insert(text);
                }
                tenant_marks(value, found);
            }
        }
        Value::Array(items) => items.iter().take(1).for_each(|v| tenant_marks(v, found)),
        _ => {}
    }
}

/// The key a caller's own user id is written under when the app names no tenant: each
/// user is then a tenant of its own.
const USER_ID: &str = "user_id";

/// Keys under which a listed record names the user it belongs to.
const OWNER_KEYS: &[&str] = &[
    "user_id",
    "userId",
    "user",
    "owner",
    "owner_id",
    "ownerId",
    "user_created",
    "created_by",
    "createdBy",
    "author",
    "author_id",
    "authorId",
];

/// The id of the user an answer about the caller describes: `id` of the object it is, or of
/// the object under `data` or `user` (`{"data": {"id": …, "email": …}}`).
fn self_id(json: &Value) -> Option<String> {
    let object = json.as_object()?;
    let subject = ["data", "user"]
        .iter()
        .find_map(|member| object.get(*member).and_then(Value::as_object))
        .unwrap_or(object);
    match subject.get("id")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What `identity` is told about itself: the tenant values of the first route about the
/// caller (`GET /api/me`) that names any; where none does, its own user id (`user_id`), so
/// records are told apart by the user they belong to.
async fn own_marks(ctx: &Ctx, starter: &Starter, identity: &Identity) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut user = None;
    for route in starter.routes.iter().filter(|r| {
        r.method == "GET"
            && !r.path.contains('{')
            && r.path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .is_some_and(|last| SELF_ROUTES.contains(&last.to_ascii_lowercase().as_str()))
    }) {
        let Ok(url) = ctx.profile.url_for(&route.path) else {
            continue;
        };
        if let Ok(response) = ctx
            .http
            .send(&HttpRequest::get(url).with_identity(Some(identity)))
            .await
            && response.is_success()
            && let Ok(json) = serde_json::from_slice::<Value>(&response.body)
        {
            tenant_marks(&json, &mut found);
            if !found.is_empty() {
                break;
            }
            user = user.or_else(|| self_id(&json));
        }
    }
    if found.is_empty()
        && let Some(user) = user
    {
        found.insert(USER_ID.to_string(), user);
    }
    found
}

/// Whether a listed item carries one of the identity's own tenant values (its own user id
/// under any key that names an owner).
fn carries(item: &Value, marks: &BTreeMap<String, String>) -> bool {
    item.as_object().is_some_and(|object| {
        object.iter().any(|(key, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return false,
            };
            marks.get(key).is_some_and(|own| *own == text)
                || (OWNER_KEYS.contains(&key.as_str())
                    && marks.get(USER_ID).is_some_and(|own| *own == text))
        })
    })
}

/// Fills each placeholder per tenant: from what each identity is told about itself (its
/// org, team, workspace), else from the collection route that lists it (an item carrying
/// the identity's own tenant value first). The tenant values themselves are written too,
/// so list routes can tell whose records are whose.
pub async fn discover(ctx: &Ctx, starter: &mut Starter, first: &Identity, second: &Identity) {
    let marks = [
        own_marks(ctx, starter, first).await,
        own_marks(ctx, starter, second).await,
    ];
    for (key, a) in &marks[0] {
        if let Some(b) = marks[1].get(key)
            && a != b
        {
            starter.placeholders.insert(key.clone(), a.clone());
            starter.second_tenant.insert(key.clone(), b.clone());
            starter.notes.push(format!(
                "{key}: {a} for {}, {b} for {} (what each is told about itself)",
                first.name, second.name
            ));
        }
    }
    // Outer collections first: a nested one (`/buckets/{bucket_id}/collections`) is listed
    // with each tenant's own outer id once that is measured.
    let mut names: Vec<String> = starter.placeholders.keys().cloned().collect();
    names.sort_by_key(|name| nesting(starter, name));
    for name in names {
        if starter.second_tenant.contains_key(&name) {
            continue;
        }
        // `{orgs_id}` is the org each identity is told it belongs to.
        if let Some(key) = marks[0]
            .keys()
            .find(|k| crate::discovery::stem(k) == crate::discovery::stem(&name))
            && let (Some(a), Some(b)) = (marks[0].get(key), marks[1].get(key))
            && a != b
        {
            starter.placeholders.insert(name.clone(), a.clone());
            starter.second_tenant.insert(name.clone(), b.clone());
            continue;
        }
        let marker = format!("/{{{name}}}");
        let measured = |prefix: &str| {
            placeholders_in(prefix)
                .iter()
                .all(|p| starter.second_tenant.contains_key(p))
        };
        let Some(collection) = starter
            .routes
            .iter()
            .filter_map(|r| r.path.find(&marker).map(|at| r.path[..at].to_string()))
            .find(|prefix| measured(prefix))
        else {
            starter.notes.push(format!(
                "{{{name}}}: no route lists it (its collection path has placeholders no tenant's id was measured for): FILL IN its ids by hand"
            ));
            continue;
        };
        if !starter
            .routes
            .iter()
            .any(|r| r.method == "GET" && r.path == collection)
        {
            starter.notes.push(format!(
                "{{{name}}}: the spec has no GET {collection} to list its ids: FILL IN them by hand"
            ));
            continue;
        }
        let mut listed: Vec<Option<Vec<String>>> = Vec::new();
        for (identity, own, values) in [
            (first, &marks[0], &starter.placeholders),
            (second, &marks[1], &starter.second_tenant),
        ] {
            let path = fill(&collection, values);
            listed.push(match ctx.profile.url_for(&path) {
                Ok(url) => {
                    let request = HttpRequest::get(url).with_identity(Some(identity));
                    match ctx.http.send(&request).await {
                        Ok(response) if response.is_success() => {
                            serde_json::from_slice::<Value>(&response.body)
                                .ok()
                                .as_ref()
                                .and_then(items)
                                .map(|list| {
                                    // The identity's own items first: an unscoped list
                                    // shows every tenant's.
                                    list.iter()
                                        .filter(|item| carries(item, own))
                                        .chain(list.iter())
                                        .filter_map(|item| id_of(item, &name))
                                        .collect()
                                })
                        }
                        _ => None,
                    }
                }
                Err(_) => None,
            });
        }
        let (Some(a), Some(b)) = (
            listed[0]
                .as_deref()
                .and_then(|own| pick(own, listed[1].as_deref())),
            listed[1]
                .as_deref()
                .and_then(|own| pick(own, listed[0].as_deref())),
        ) else {
            starter.notes.push(format!(
                "{{{name}}}: GET {collection} listed no id for one of the identities: FILL IN by hand"
            ));
            continue;
        };
        // The same id under two tenants' own parents (a collection `notes` in each one's
        // bucket) is two objects; the same list path for both is one.
        if a == b
            && fill(&collection, &starter.placeholders) == fill(&collection, &starter.second_tenant)
        {
            starter.notes.push(format!(
                "{{{name}}}: GET {collection} lists {a} for both identities: are they of two tenants? FILL IN the second's by hand"
            ));
            continue;
        }
        starter.placeholders.insert(name.clone(), a.clone());
        starter.second_tenant.insert(name.clone(), b.clone());
        starter.notes.push(format!(
            "{{{name}}}: {a} for {}, {b} for {} (listed by GET {collection})",
            first.name, second.name
        ));
    }
}

/// An identity's id among those it is listed: the first the other identity is not listed
/// (a list that leaks shows the other's too, and the one only it sees is its own), else
/// its first.
fn pick(own: &[String], other: Option<&[String]>) -> Option<String> {
    own.iter()
        .find(|id| !other.unwrap_or_default().contains(id))
        .or(own.first())
        .cloned()
}

/// The placeholders a path holds: `bucket_id` of `/buckets/{bucket_id}/collections`.
fn placeholders_in(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// `path` with one tenant's measured values in its placeholders.
fn fill(path: &str, values: &BTreeMap<String, String>) -> String {
    values.iter().fold(path.to_string(), |path, (name, value)| {
        path.replace(&format!("{{{name}}}"), value)
    })
}

/// How deep a placeholder's collection sits: the fewest placeholders before it in any
/// route, so outer ids are measured before the collections nested under them.
fn nesting(starter: &Starter, name: &str) -> usize {
    let marker = format!("/{{{name}}}");
    starter
        .routes
        .iter()
        .filter_map(|r| {
            r.path
                .find(&marker)
                .map(|at| placeholders_in(&r.path[..at]).len())
        })
        .min()
        .unwrap_or(usize::MAX)
}

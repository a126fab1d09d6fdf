//! `init --probe`: what the app does, measured, where the spec only claims. The starter is
//! turned into a scratch profile (its `${VARIABLES}` from the environment, so the two
//! identities can log in), and then:
//!
//! - each placeholder is filled per tenant with an id that tenant's identity is listed on
//!   the collection route in front of it (`GET /api/communities` produces the `{id}` of
//!   `/api/communities/{id}/members`): the producer of an id is the route that lists it;
//! - each safe route is asked anonymously and as the first identity: a route the spec calls
//!   public that refuses strangers is written as required; one it calls required that
//!   serves a stranger stays required, so `auth.unauthenticated` reports it, and is said.
//!
//! Besides the two logins, only GETs are sent, and only to base_url's origin.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::Starter;
use crate::checks::probe::{Admission, classify};
use crate::ctx::{Consent, Ctx};
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

/// The top-level member a stranger's JSON answer carries an error in, when the owner's
/// answer has no such member.
fn error_member(stranger: &[u8], owner: &[u8]) -> Option<&'static str> {
    let stranger: Value = serde_json::from_slice(stranger).ok()?;
    let owner: Value = serde_json::from_slice(owner).ok()?;
    ["error", "errors"].into_iter().find(|member| {
        stranger.get(*member).is_some_and(|v| !v.is_null()) && owner.get(*member).is_none()
    })
}

/// The starter as a profile the tool can run with: values init does not know yet are
/// stand-ins that fill no real object, and secrets come from the environment.
fn scratch_profile(starter: &Starter) -> Result<crate::profile::Profile, String> {
    if starter.base_url.is_none() {
        return Err(
            "--probe needs a base_url: give --url, or a spec whose servers name one".into(),
        );
    }
    let text = starter
        .render("init --probe")
        .replace("\"FILL IN\"", "\"launch-audit-unknown\"");
    super::own_guess(
        &text,
        &|name| std::env::var(name).ok(),
        "the profile init would write cannot log in yet",
    )
}

/// Measures and fills `starter`; what it could not learn is in `starter.notes`.
pub async fn apply(starter: &mut Starter) -> Result<(), String> {
    let profile = Arc::new(scratch_profile(starter)?);
    let ctx = Ctx::new(profile.clone(), Consent::default())?;
    ctx.http.establish(profile.identities.values()).await;
    for outcome in ctx.http.login_outcomes() {
        if let Err(why) = outcome.result {
            return Err(format!(
                "{} could not log in ({}: {why}): check its ${{VARIABLES}}",
                outcome.identity, outcome.step
            ));
        }
    }
    let first = profile.identities.get("alice").ok_or("no identity alice")?;
    let second = profile
        .identities
        .get("mallory")
        .ok_or("no identity mallory")?;
    discover_ids(&ctx, starter, first, second).await;
    measure_auth(&ctx, starter, first).await;
    Ok(())
}

/// Fills each placeholder per tenant from the collection route that lists it.
async fn discover_ids(ctx: &Ctx, starter: &mut Starter, first: &Identity, second: &Identity) {
    let names: Vec<String> = starter.placeholders.keys().cloned().collect();
    for name in names {
        let marker = format!("/{{{name}}}");
        let Some(collection) = starter
            .routes
            .iter()
            .filter_map(|r| r.path.find(&marker).map(|at| r.path[..at].to_string()))
            .find(|prefix| !prefix.contains('{'))
        else {
            starter.notes.push(format!(
                "{{{name}}}: no route lists it (its collection path has placeholders of its own): FILL IN its ids by hand"
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
        let mut found = Vec::new();
        for identity in [first, second] {
            let id = match ctx.profile.url_for(&collection) {
                Ok(url) => {
                    let request = HttpRequest::get(url).with_identity(Some(identity));
                    match ctx.http.send(&request).await {
                        Ok(response) if response.is_success() => {
                            serde_json::from_slice::<Value>(&response.body)
                                .ok()
                                .as_ref()
                                .and_then(items)
                                .and_then(|list| list.iter().find_map(|item| id_of(item, &name)))
                        }
                        _ => None,
                    }
                }
                Err(_) => None,
            };
            found.push(id);
        }
        match (&found[0], &found[1]) {
            (Some(a), Some(b)) if a != b => {
                starter.placeholders.insert(name.clone(), a.clone());
                starter.second_tenant.insert(name.clone(), b.clone());
                starter.notes.push(format!(
                    "{{{name}}}: {a} for {}, {b} for {} (listed by GET {collection})",
                    first.name, second.name
                ));
            }
            (Some(a), Some(_)) => starter.notes.push(format!(
                "{{{name}}}: GET {collection} lists {a} for both identities: are they of two tenants? FILL IN the second's by hand"
            )),
            _ => starter.notes.push(format!(
                "{{{name}}}: GET {collection} listed no id for one of the identities: FILL IN by hand"
            )),
        }
    }
}

/// Asks each safe route anonymously and as `identity`; writes what it measured.
async fn measure_auth(ctx: &Ctx, starter: &mut Starter, identity: &Identity) {
    let values: BTreeMap<String, String> = starter.placeholders.clone();
    let mut notes = Vec::new();
    let mut unreachable: Vec<String> = Vec::new();
    let mut error_pointer = starter.error_pointer.take();
    for route in starter.routes.iter_mut().filter(|r| r.method == "GET") {
        let mut path = route.path.clone();
        for (name, value) in &values {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        if path.contains('{') || path.contains("FILL IN") {
            continue;
        }
        let Ok(url) = ctx.profile.url_for(&path) else {
            continue;
        };
        let (Ok(anonymous), Ok(owner)) = (
            ctx.http.send(&HttpRequest::get(url.clone())).await,
            ctx.http
                .send(&HttpRequest::get(url).with_identity(Some(identity)))
                .await,
        ) else {
            continue;
        };
        if !owner.is_success() {
            // No identity init has may use it (an admin route, say): no check could tell a
            // refusal from a broken route there, so it is left out, and said.
            if matches!(owner.status, 401 | 403 | 404) {
                notes.push(format!(
                    "GET {}: {} was refused ({}): left out; add an identity holding the role it needs, with `roles` on the route, to audit it",
                    route.path, identity.name, owner.status
                ));
                unreachable.push(route.path.clone());
            }
            continue;
        }
        let mut stranger = classify(&anonymous, &ctx.profile.auth, false);
        // A 200 whose body is an error the owner's answer does not carry is a refusal in
        // an envelope: the profile learns where the error is.
        if stranger == Admission::Served
            && let Some(member) = error_member(&anonymous.body, &owner.body)
        {
            stranger = Admission::Refused(format!("200 with an error at /{member}"));
            error_pointer.get_or_insert_with(|| format!("/{member}"));
        }
        match (stranger, route.auth_required) {
            (Admission::Refused(how), false) => {
                notes.push(format!(
                    "GET {}: {} says public, but it refuses strangers ({how}): written as required",
                    route.path,
                    if route.auth_stated {
                        "the spec"
                    } else {
                        "init's guess"
                    }
                ));
                route.auth_required = true;
                route.auth_stated = true;
            }
            (Admission::Served, true) => {
                notes.push(format!(
                    "GET {}: the spec says a credential is required, but it served a stranger: kept as required, so auth.unauthenticated reports it",
                    route.path
                ));
                route.auth_stated = true;
            }
            (Admission::Refused(_), true) | (Admission::Served, false) => route.auth_stated = true,
            (Admission::Unclear(_), _) => {}
        }
    }
    starter.notes.extend(notes);
    starter.error_pointer = error_pointer;
    starter
        .routes
        .retain(|r| !(r.method == "GET" && unreachable.contains(&r.path)));
}

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

/// Member names a login answer commonly puts its token under.
const TOKEN_MEMBERS: &[&str] = &[
    "token",
    "access_token",
    "accessToken",
    "jwt",
    "id_token",
    "idToken",
    "auth_token",
    "session_token",
];

/// Where a login answer holds its token: a member named like one, or a JWT-shaped string,
/// at any depth (the first found, members before array items).
fn token_pointer(json: &Value) -> Option<String> {
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                if let Value::String(text) = value
                    && (TOKEN_MEMBERS.contains(&key.as_str())
                        || (text.len() > 20
                            && text.split('.').count() == 3
                            && text.starts_with("ey")))
                {
                    return Some(format!("/{}", escape(key)));
                }
            }
            map.iter().find_map(|(key, value)| {
                token_pointer(value).map(|rest| format!("/{}{rest}", escape(key)))
            })
        }
        _ => None,
    }
}

/// The login's token pointer, measured: the first identity logs in once and the answer is
/// read for its token. Only when neither the spec nor anything else said where it is.
async fn measure_token_pointer(starter: &mut Starter) -> Result<(), String> {
    let Some(login) = starter.login.clone() else {
        return Ok(());
    };
    if login.token_pointer.is_some() {
        return Ok(());
    }
    let profile = Arc::new(scratch_profile(starter)?);
    let ctx = Ctx::new(profile.clone(), Consent::default())?;
    let user = std::env::var(super::env_name("alice", "USER")).unwrap_or_default();
    let password = std::env::var(super::env_name("alice", "PASSWORD")).unwrap_or_default();
    let url = profile
        .url_for(&login.path)
        .map_err(|e| format!("{}: {e}", login.path))?;
    let request = HttpRequest::new(crate::profile::Method::Post, url).with_json(Some(
        serde_json::json!({ login.user_field.clone(): user, login.password_field.clone(): password }),
    ));
    let response = ctx.http.send(&request).await.map_err(|e| {
        format!(
            "POST {}: {}",
            login.path,
            ctx.redactor.redact(&e.to_string())
        )
    })?;
    let found = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .filter(|_| response.is_success())
        .as_ref()
        .and_then(token_pointer);
    match found {
        Some(pointer) => {
            starter.notes.push(format!(
                "the login's token is at {pointer} of its answer (measured)"
            ));
            if let Some(login) = &mut starter.login {
                login.token_pointer = Some(pointer);
            }
            Ok(())
        }
        None => Err(format!(
            "POST {} as alice answered {} with no token in it: check ALICE_USER and ALICE_PASSWORD (a login that sets a cookie instead needs `cookie` on the identities)",
            login.path, response.status
        )),
    }
}

/// Measures and fills `starter`; what it could not learn is in `starter.notes`.
pub async fn apply(starter: &mut Starter) -> Result<(), String> {
    measure_token_pointer(starter).await?;
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
    read_views(&ctx, starter, [first, second]).await;
    discover_ids(&ctx, starter, first, second).await;
    measure_auth(&ctx, starter, first, second).await;
    Ok(())
}

/// The spec the app serves, read again as each identity: a role-filtered spec shows a
/// signed-in user routes the anonymous view hides. Those are added, each saying whose view
/// it came from.
async fn read_views(ctx: &Ctx, starter: &mut Starter, identities: [&Identity; 2]) {
    let Some(url) = starter.spec_url.clone() else {
        return;
    };
    for identity in identities {
        let mut request = HttpRequest::get(url.clone()).with_identity(Some(identity));
        request.body_limit = Some(16 * 1024 * 1024);
        let spec = match ctx.http.send(&request).await {
            Ok(response) if response.is_success() && !response.truncated => {
                super::openapi::parse(&String::from_utf8_lossy(&response.body))
            }
            Ok(response) => Err(format!("answered {}", response.status)),
            Err(error) => Err(ctx.redactor.redact(&error.to_string())),
        };
        let mut view = Starter {
            base_url: starter.base_url.clone(),
            own_user: starter.own_user.clone(),
            ..Starter::default()
        };
        if let Err(why) = spec.and_then(|spec| super::openapi::apply(&spec, &mut view)) {
            starter.notes.push(format!(
                "{url} as {}: not read ({why}); only the anonymous view is here",
                identity.name
            ));
            continue;
        }
        let mut added = 0;
        for mut route in view.routes {
            if starter.routes.iter().any(|r| {
                r.method == route.method && crate::discovery::same_route(&r.path, &route.path)
            }) {
                continue;
            }
            if starter.routes.iter().any(|r| r.name == route.name) {
                route.name = format!("{} (as {})", route.name, identity.name);
            }
            route.source = Some(format!("only in {}'s view of the spec", identity.name));
            starter.routes.push(route);
            added += 1;
        }
        for name in view.placeholders.into_keys() {
            starter
                .placeholders
                .entry(name)
                .or_insert_with(|| "FILL IN".into());
        }
        starter.notes.push(if added == 0 {
            format!(
                "{url} as {}: the same routes as read anonymously",
                identity.name
            )
        } else {
            format!(
                "{url} as {}: {added} route(s) the anonymous view does not show",
                identity.name
            )
        });
    }
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

/// A key's stem: `orgs_id`, `org_id`, `orgId` and `org` all give `org`.
fn stem(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    let lower = lower
        .strip_suffix("_id")
        .or_else(|| lower.strip_suffix("id"))
        .unwrap_or(&lower)
        .trim_end_matches('_');
    lower.strip_suffix('s').unwrap_or(lower).to_string()
}

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

/// What `identity` is told about itself: the tenant values of the first route about the
/// caller (`GET /api/me`) that names any.
async fn own_marks(ctx: &Ctx, starter: &Starter, identity: &Identity) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
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
        }
    }
    found
}

/// Whether a listed item carries one of the identity's own tenant values.
fn carries(item: &Value, marks: &BTreeMap<String, String>) -> bool {
    item.as_object().is_some_and(|object| {
        object.iter().any(|(key, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return false,
            };
            marks.get(key).is_some_and(|own| *own == text)
        })
    })
}

/// Fills each placeholder per tenant: from what each identity is told about itself (its
/// org, team, workspace), else from the collection route that lists it (an item carrying
/// the identity's own tenant value first). The tenant values themselves are written too,
/// so list routes can tell whose records are whose.
async fn discover_ids(ctx: &Ctx, starter: &mut Starter, first: &Identity, second: &Identity) {
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
    let names: Vec<String> = starter.placeholders.keys().cloned().collect();
    for name in names {
        if starter.second_tenant.contains_key(&name) {
            continue;
        }
        // `{orgs_id}` is the org each identity is told it belongs to.
        if let Some(key) = marks[0].keys().find(|k| stem(k) == stem(&name))
            && let (Some(a), Some(b)) = (marks[0].get(key), marks[1].get(key))
            && a != b
        {
            starter.placeholders.insert(name.clone(), a.clone());
            starter.second_tenant.insert(name.clone(), b.clone());
            continue;
        }
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
        for (identity, own) in [(first, &marks[0]), (second, &marks[1])] {
            let id = match ctx.profile.url_for(&collection) {
                Ok(url) => {
                    let request = HttpRequest::get(url).with_identity(Some(identity));
                    match ctx.http.send(&request).await {
                        Ok(response) if response.is_success() => {
                            serde_json::from_slice::<Value>(&response.body)
                                .ok()
                                .as_ref()
                                .and_then(items)
                                .and_then(|list| {
                                    // The identity's own item first: an unscoped list
                                    // shows every tenant's.
                                    list.iter()
                                        .filter(|item| carries(item, own))
                                        .chain(list.iter())
                                        .find_map(|item| id_of(item, &name))
                                })
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

/// Asks each safe route anonymously and as `identity` (and, where it answers 404, as
/// `other`); writes what it measured.
async fn measure_auth(ctx: &Ctx, starter: &mut Starter, identity: &Identity, other: &Identity) {
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
            // 404 to everyone, logged in or not, is a path the app does not have: a wrong
            // path (a server prefix the spec's paths lack), never a role init lacks.
            let everyone_404 = owner.status == 404
                && match ctx.profile.url_for(&path) {
                    Ok(url) => ctx
                        .http
                        .send(&HttpRequest::get(url).with_identity(Some(other)))
                        .await
                        .is_ok_and(|r| r.status == 404),
                    Err(_) => false,
                };
            if everyone_404 {
                notes.push(format!(
                    "GET {}: answers 404 to both identities ({} without a login): the path looks wrong (is a server prefix such as /api missing?), not a role init lacks: left out",
                    route.path, anonymous.status
                ));
                unreachable.push(route.path.clone());
                continue;
            }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn finds_where_a_login_answer_holds_its_token() {
        assert_eq!(
            super::token_pointer(&json!({"token": "abc"})).as_deref(),
            Some("/token")
        );
        assert_eq!(
            super::token_pointer(&json!({"data": {"user": "a", "session": {"accessToken": "x"}}}))
                .as_deref(),
            Some("/data/session/accessToken")
        );
        assert_eq!(
            super::token_pointer(
                &json!({"ok": true, "value": "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"})
            )
            .as_deref(),
            Some("/value")
        );
        assert_eq!(super::token_pointer(&json!({"ok": true})), None);
    }
}

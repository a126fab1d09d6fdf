//! Route probing shared by the auth and access families: a route's request for a given
//! caller, a control fetched by a legitimate caller, the difference between a refusal and
//! an answer (real apps refuse with 401, 403, 404, a redirect to login, or a 200 error
//! envelope), and whether one caller's data shows up in another's answer.

use crate::checks::auth::cfg::AuthPolicy;
use crate::ctx::Ctx;
use crate::net::contact::Shared;
use crate::net::{Fetched, HttpRequest};
use crate::profile::{Environment, FilledRoute, Identity, Route};

/// What an answer amounts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// The app said no; the reason says how (`401`, `302 → /login`, …).
    Refused(String),
    /// The app served the request.
    Served,
    /// Neither: a 5xx, an unexpected redirect, a 404 on a route not marked hidden…
    Unclear(String),
}

/// Classifies a response under the profile's refusal policy. `not_found_refuses`: a 404
/// counts as "no" (hidden routes, other tenants' objects, roles the caller lacks).
pub fn classify(response: &Fetched, policy: &AuthPolicy, not_found_refuses: bool) -> Admission {
    let status = response.status;
    // A limiter's 429 says nothing about who may see the route, even where the profile lists
    // 429 as a refusal: read as one, a limited cross-tenant probe would pass.
    if status == 429 {
        return Admission::Unclear(crate::net::reached(response, None).explain());
    }
    if policy.refusal_statuses.contains(&status) {
        return Admission::Refused(status.to_string());
    }
    match status {
        404 if not_found_refuses => Admission::Refused("404".into()),
        404 => Admission::Unclear(
            "404: is the path right? If the app hides this route from strangers, set `hidden = true` on it".into(),
        ),
        300..=399 => {
            let location = response.header("location").unwrap_or_default();
            if crate::net::reached::is_login_redirect(&location, policy.login_path.as_deref()) {
                Admission::Refused(format!("{status} → {location}"))
            } else {
                Admission::Unclear(format!("{status} redirect to `{location}`: set [auth] login_path if that is the login page"))
            }
        }
        200..=299 => match error_envelope(response, policy.error_pointer.as_deref()) {
            Some(pointer) => Admission::Refused(format!("{status} with an error at {pointer}")),
            None => Admission::Served,
        },
        400..=499 => Admission::Unclear(format!(
            "{status}: not a refusal status; add {status} to [auth] refusal_statuses if this is how the app refuses"
        )),
        _ => Admission::Unclear(format!("{status}: the app failed instead of refusing")),
    }
}

/// The pointer at which a 2xx JSON body carries an error, if it does.
fn error_envelope<'p>(response: &Fetched, pointer: Option<&'p str>) -> Option<&'p str> {
    let pointer = pointer?;
    let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
    let value = body.pointer(pointer)?;
    let set = match value {
        serde_json::Value::Null => false,
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => !s.is_empty(),
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(o) => !o.is_empty(),
        serde_json::Value::Number(_) => true,
    };
    set.then_some(pointer)
}

/// Whether write probes may touch this route: routes that only read always (a safe method,
/// or `reads = true`); unsafe ones only when the route opts in, and against production
/// only with `--allow-production-writes`.
pub fn may_probe(ctx: &Ctx, route: &Route) -> bool {
    route.only_reads()
        || (route.allow_writes
            && (ctx.profile.target.environment != Environment::Production
                || ctx.consent.production_writes))
}

/// Routes probed of those declared; the rest are writes that [`may_probe`] held back.
pub fn route_coverage(ctx: &Ctx, declared: usize, probed: usize) -> crate::result::Coverage {
    let held = declared - probed;
    let left = if held == 0 {
        Vec::new()
    } else if ctx.profile.target.environment == Environment::Production {
        vec![format!(
            "{held} write route(s) not probed: they need allow_writes = true, and --allow-production-writes against production"
        )]
    } else {
        vec![format!(
            "{held} write route(s) not probed without allow_writes = true"
        )]
    };
    crate::result::Coverage::new("routes", probed, declared, left)
}

/// The request for a filled route, sent as `identity` (or anonymously), with the headers
/// the app's own client sends there (a data API's public key).
pub fn request<'a>(
    ctx: &Ctx,
    route: &Route,
    filled: &FilledRoute,
    identity: Option<&'a Identity>,
) -> Result<HttpRequest<'a>, String> {
    let url = url_of(ctx, filled)?;
    let mut request = HttpRequest::new(route.method, url.clone())
        .with_identity(identity)
        .with_json(filled.body.clone());
    for (name, value) in client_headers(ctx, &url) {
        request = request.with_header(&name, value);
    }
    Ok(request)
}

/// What the app's own client adds to every request to `url`, whoever sends it: `[baas]`'s
/// public key on its data API.
pub fn client_headers(ctx: &Ctx, url: &url::Url) -> Vec<(String, String)> {
    ctx.profile
        .baas
        .as_ref()
        .map(|baas| baas.client_headers(url))
        .unwrap_or_default()
}

/// The URL of a filled route: its path under base_url, its query appended.
pub fn url_of(ctx: &Ctx, filled: &FilledRoute) -> Result<url::Url, String> {
    let mut url = ctx
        .profile
        .url_for(&filled.path)
        .map_err(|e| format!("{}: {e}", filled.path))?;
    if !filled.query.is_empty() {
        url.query_pairs_mut().extend_pairs(filled.query.iter());
    }
    Ok(url)
}

/// `GET /api/x?y=1`: what evidence names (never a credential).
pub fn describe(route: &Route, filled: &FilledRoute) -> String {
    let mut text = format!("{} {}", route.method.as_str(), filled.path);
    if !filled.query.is_empty() {
        let query: Vec<String> = filled
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        text.push('?');
        text.push_str(&query.join("&"));
    }
    text
}

/// A legitimate caller's answer on a route: what "having access" looks like.
#[derive(Clone)]
pub struct Control<'a> {
    pub identity: &'a Identity,
    pub filled: FilledRoute,
    pub response: std::sync::Arc<Fetched>,
}

/// A route's control as the audit keeps it: fetched once, whichever checks ask.
type CachedControl = Result<(String, FilledRoute, std::sync::Arc<Fetched>), String>;

/// Each route's control for this audit, indexed like `profile.routes` (a [`Ctx::slot`]).
struct Controls(Vec<tokio::sync::OnceCell<Shared<CachedControl>>>);

/// `route` fetched by the first active identity that may use it and can fill it — once per
/// audit: every check asking for the same route's control shares that answer. An error says
/// why no control exists: without one, a refusal proves nothing.
pub async fn control<'a>(ctx: &'a Ctx, route: &Route) -> Result<Control<'a>, String> {
    let index = ctx
        .profile
        .routes
        .iter()
        .position(|r| std::ptr::eq(r, route));
    let controls =
        ctx.slot(|profile| Controls(profile.routes.iter().map(|_| Default::default()).collect()));
    let Some(cell) = index.and_then(|i| controls.0.get(i)) else {
        return find_control(ctx, route).await;
    };
    let cached = cell
        .get_or_init(|| {
            Shared::compute(async {
                find_control(ctx, route)
                    .await
                    .map(|b| (b.identity.name.clone(), b.filled, b.response))
            })
        })
        .await
        .read()
        .clone();
    let (name, filled, response) = cached?;
    let identity = ctx
        .profile
        .identities
        .get(&name)
        .ok_or("the control identity vanished")?;
    Ok(Control {
        identity,
        filled,
        response,
    })
}

async fn find_control<'a>(ctx: &'a Ctx, route: &Route) -> Result<Control<'a>, String> {
    let mut tried = Vec::new();
    for identity in ctx
        .profile
        .active_identities()
        .filter(|i| i.may_use(&route.roles))
    {
        match control_as(ctx, route, identity).await {
            Ok(Some(control)) => return Ok(control),
            Ok(None) => {}
            Err(why) => tried.push(why),
        }
    }
    if tried.is_empty() {
        Err("no identity may use this route (roles) and fill its placeholders (tenant)".into())
    } else {
        Err(format!(
            "no legitimate caller was served, so a refusal proves nothing ({})",
            tried.join("; ")
        ))
    }
}

/// `route` fetched as `identity`: `Ok(None)` when its tenant cannot fill the route, an
/// error naming the identity and what it got when it was not served.
pub async fn control_as<'a>(
    ctx: &Ctx,
    route: &Route,
    identity: &'a Identity,
) -> Result<Option<Control<'a>>, String> {
    let Some(filled) = route.fill(&ctx.profile.tenant_values(identity)) else {
        return Ok(None);
    };
    let request = request(ctx, route, &filled, Some(identity))?;
    match ctx.http.send(&request).await {
        Ok(response) => match classify(&response, &ctx.profile.auth, false) {
            Admission::Served => Ok(Some(Control {
                identity,
                filled,
                response: std::sync::Arc::new(response),
            })),
            Admission::Refused(how) | Admission::Unclear(how) => {
                Err(format!("{} got {how}", identity.name))
            }
        },
        Err(error) => Err(format!(
            "{}: {}",
            identity.name,
            ctx.redactor.redact(&error.to_string())
        )),
    }
}

/// Distinctive values in a body (ids, names, emails, amounts): if they show up in an answer
/// to someone who should not see them, data leaked.
pub fn fingerprints(body: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => json_leaves(&value, &mut found),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "_@.-".contains(c))) {
                if id_like(word) {
                    found.push(word.to_string());
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// A word that reads as an id or an address: six characters or more, with a digit or `@`.
fn id_like(word: &str) -> bool {
    word.len() >= 6 && word.chars().any(|c| c.is_ascii_digit() || c == '@')
}

/// The distinctive leaves of `value`: strings of five characters or more, numbers of four
/// digits or more.
fn json_leaves(value: &serde_json::Value, found: &mut Vec<String>) {
    let mut all = Vec::new();
    scalar_leaves(value, &mut all);
    found.extend(all.into_iter().filter_map(|leaf| match leaf {
        serde_json::Value::String(s) if s.chars().count() >= 5 => Some(s.clone()),
        serde_json::Value::Number(n) if n.to_string().trim_start_matches('-').len() >= 4 => {
            Some(n.to_string())
        }
        _ => None,
    }));
}

/// Every string and number in `value`, at any depth, in document order.
pub(crate) fn scalar_leaves<'v>(
    value: &'v serde_json::Value,
    found: &mut Vec<&'v serde_json::Value>,
) {
    match value {
        serde_json::Value::String(_) | serde_json::Value::Number(_) => found.push(value),
        serde_json::Value::Array(items) => items.iter().for_each(|v| scalar_leaves(v, found)),
        serde_json::Value::Object(map) => map.values().for_each(|v| scalar_leaves(v, found)),
        _ => {}
    }
}

/// The fingerprints that appear in `body`. In JSON, a fingerprint appears as a value of its
/// own, or, when it is an id or an address (a digit or `@` in six characters or more),
/// inside one: a plain word that is also a key or part of a sentence (`message`, a table's
/// name in "no permission to access …") is not the legitimate answer's data.
pub fn leaked<'f>(body: &[u8], fingerprints: &'f [String]) -> Vec<&'f str> {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        let text = String::from_utf8_lossy(body);
        return fingerprints
            .iter()
            .filter(|f| text.contains(f.as_str()))
            .map(String::as_str)
            .collect();
    };
    let mut leaves = Vec::new();
    scalar_leaves(&json, &mut leaves);
    let values: Vec<String> = leaves
        .into_iter()
        .map(|leaf| match leaf {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    fingerprints
        .iter()
        .filter(|f| {
            let id_like = id_like(f);
            values
                .iter()
                .any(|v| v == *f || (id_like && v.contains(f.as_str())))
        })
        .map(String::as_str)
        .collect()
}

/// Whether a body carries anything: not empty, `{}`, `[]`, `null`, or JSON whose every leaf is empty.
pub fn carries_data(body: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => has_leaf(&value),
        Err(_) => !String::from_utf8_lossy(body).trim().is_empty(),
    }
}

/// A 2xx that lists nothing where the legitimate caller is shown values (`prints`): how row
/// security and collection rules refuse, filtering every row out instead of answering
/// 401/403. Returns how it refused, for the evidence. "Nothing" is an empty body, `null`,
/// `{}`, or JSON whose every list is empty and that has one (`[]`, a page envelope such as
/// `{"items":[],"page":1,"totalItems":0}`), with no text in it: counters alone are not a
/// record, but a lone number or flag may be, so it is not taken for nothing.
pub fn filtered_out(response: &Fetched, prints: &[String]) -> Option<String> {
    let nothing = match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(serde_json::Value::Null) => true,
        Ok(serde_json::Value::Object(map)) if map.is_empty() => true,
        Ok(value) => {
            let mut lists = 0;
            lists_nothing(&value, &mut lists) && lists > 0
        }
        Err(_) => String::from_utf8_lossy(&response.body).trim().is_empty(),
    };
    ((200..300).contains(&response.status) && !prints.is_empty() && nothing).then(|| {
        format!(
            "{} listing nothing (`{}`), where the legitimate caller is shown {} value(s): filtered out, as row security and collection rules refuse",
            response.status,
            String::from_utf8_lossy(&response.body).trim().chars().take(80).collect::<String>(),
            prints.len()
        )
    })
}

/// Whether `value` holds no text and no list with anything in it; counts the lists seen.
fn lists_nothing(value: &serde_json::Value, lists: &mut usize) -> bool {
    match value {
        serde_json::Value::String(s) => s.is_empty(),
        serde_json::Value::Array(items) => {
            *lists += 1;
            items.is_empty()
        }
        serde_json::Value::Object(map) => map.values().all(|v| lists_nothing(v, lists)),
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => true,
    }
}

fn has_leaf(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => false,
        serde_json::Value::String(s) => !s.is_empty(),
        serde_json::Value::Array(items) => items.iter().any(has_leaf),
        serde_json::Value::Object(map) => map.values().any(has_leaf),
        _ => true,
    }
}

/// The values each tenant gives the route's placeholders.
pub fn tenant_fillings<'a>(ctx: &'a Ctx, route: &Route) -> Vec<(&'a String, FilledRoute)> {
    ctx.profile
        .tenants
        .iter()
        .filter_map(|(tenant, values)| Some((tenant, route.fill(values)?)))
        .collect()
}

/// The first active identity of `tenant` allowed on `route`.
pub fn member_of<'a>(ctx: &'a Ctx, tenant: &str, route: &Route) -> Option<&'a Identity> {
    ctx.profile
        .active_identities()
        .find(|i| i.tenant.as_deref() == Some(tenant) && i.may_use(&route.roles))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> Fetched {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Fetched {
            status,
            headers: map,
            body: body.as_bytes().to_vec(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        }
    }

    fn policy() -> AuthPolicy {
        AuthPolicy {
            refusal_statuses: vec![401, 403],
            login_path: Some("/login".into()),
            error_pointer: Some("/error".into()),
            jwt_public_key: None,
        }
    }

    #[test]
    fn the_many_ways_apps_say_no() {
        let p = policy();
        assert_eq!(
            classify(&fetched(401, &[], ""), &p, false),
            Admission::Refused("401".into())
        );
        assert!(matches!(
            classify(&fetched(404, &[], ""), &p, false),
            Admission::Unclear(_)
        ));
        assert!(matches!(
            classify(&fetched(404, &[], ""), &p, true),
            Admission::Refused(_)
        ));
        let to_login = fetched(302, &[("location", "/login?next=/app")], "");
        assert!(matches!(
            classify(&to_login, &p, false),
            Admission::Refused(_)
        ));
        let elsewhere = fetched(302, &[("location", "https://app.acme.test/home")], "");
        assert!(matches!(
            classify(&elsewhere, &p, false),
            Admission::Unclear(_)
        ));
        let envelope = fetched(200, &[], r#"{"error":{"code":401}}"#);
        assert!(matches!(
            classify(&envelope, &p, false),
            Admission::Refused(_)
        ));
        let served = fetched(200, &[], r#"{"error":null,"data":[1]}"#);
        assert_eq!(classify(&served, &p, false), Admission::Served);
        assert!(matches!(
            classify(&fetched(500, &[], ""), &p, true),
            Admission::Unclear(_)
        ));
        assert!(matches!(
            classify(&fetched(400, &[], ""), &p, false),
            Admission::Unclear(_)
        ));
    }

    #[test]
    fn fingerprints_find_distinctive_values() {
        let prints = fingerprints(
            br#"{"id":"u_1001","name":"Alice Adams","n":7,"total":420000,"ok":true,"t":"acme"}"#,
        );
        assert_eq!(prints, ["420000", "Alice Adams", "u_1001"]);
        assert_eq!(
            leaked(br#"{"members":[{"id":"u_1001"}]}"#, &prints),
            ["u_1001"]
        );
        assert_eq!(fingerprints(b"<h1>Dashboard of u_1001</h1>"), ["u_1001"]);
        // A refusal's keys and sentences are not the data: Directus's 403 names the
        // collection a field catalogue lists, and its error object has a `message`.
        let catalogue = fingerprints(
            br#"{"data":[{"collection":"directus_fields","field":"message","note":"id u_1001"}]}"#,
        );
        let refusal = br#"{"errors":[{"message":"You don't have permission to access collection \"directus_fields\"","extensions":{"code":"FORBIDDEN"}}]}"#;
        assert!(leaked(refusal, &catalogue).is_empty());
        // An id inside a sentence still is.
        assert_eq!(
            leaked(br#"{"error":"record u_1001 is not yours"}"#, &prints),
            ["u_1001"]
        );
    }

    #[test]
    fn an_answer_that_lists_nothing_is_filtered_out_only_against_a_control_with_data() {
        let answer = |status: u16, body: &str| fetched(status, &[], body);
        let prints = vec!["alice private note".to_string()];
        for body in [
            "[]",
            "",
            "{}",
            "null",
            r#"{"items":[],"page":1,"perPage":30,"totalItems":0,"totalPages":0}"#,
        ] {
            assert!(
                filtered_out(&answer(200, body), &prints).is_some(),
                "{body}"
            );
            assert!(filtered_out(&answer(200, body), &[]).is_none(), "{body}");
        }
        for body in [
            r#"[{"id":1}]"#,
            r#"{"balance":1200}"#,
            r#"{"error":"no"}"#,
            "42",
            "<html></html>",
        ] {
            assert!(
                filtered_out(&answer(200, body), &prints).is_none(),
                "{body}"
            );
        }
        assert!(filtered_out(&answer(500, "[]"), &prints).is_none());
    }

    #[test]
    fn empty_answers_carry_no_data() {
        for body in ["", "{}", "[]", "null", r#"{"items":[],"next":null}"#] {
            assert!(!carries_data(body.as_bytes()), "{body}");
        }
        assert!(carries_data(br#"{"items":[{"id":1}]}"#));
    }
}

//! `init --probe`: what the app does, measured, where the spec and the scripts only claim.
//! The starter is turned into a scratch profile (its `${VARIABLES}` from the environment,
//! so the two identities can log in), and then:
//!
//! - where nothing said how callers authenticate (no scheme, no login), the app's own
//!   challenge to a stranger (`WWW-Authenticate`) says it;
//! - where nothing said where the login's answer holds its token, the first identity logs
//!   in once and the answer is read for it;
//! - a spec the app serves is read again as each identity: routes only a signed-in view
//!   shows are added, saying whose view they came from;
//! - each tenant's ids are measured with its own identity ([`super::ids`]), and the GraphQL
//!   operations the scripts carry get theirs from the list each identity is shown
//!   ([`super::graphql::measure`]);
//! - each safe route is asked anonymously and as the first identity: a route the spec calls
//!   public that refuses strangers is written as required; one it calls required that
//!   serves a stranger stays required, so `auth.unauthenticated` reports it, and is said.
//!   A route both identities get 404 from is a wrong path, not a role init lacks.
//!
//! Besides the logins, only GETs are sent (and GraphQL queries, `{ list { id } }`), and only
//! to base_url's origin.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::Starter;
use crate::checks::probe::{Admission, classify};
use crate::ctx::{Consent, Ctx};
use crate::net::HttpRequest;
use crate::profile::Identity;

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
    let request = HttpRequest::new(crate::profile::Method::Post, url)
        .with_json(Some(login.body(&user, &password)));
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

/// How callers authenticate, measured where nothing said: a spec with no security scheme
/// and no login. The app's own challenge (`WWW-Authenticate` on a 401 to a stranger) names
/// the scheme: `Basic` makes the identities' token the whole Authorization header, `Bearer`
/// a bearer token. Anonymous GETs of up to ten placeholder-free routes, the first
/// challenge wins.
async fn measure_challenge(starter: &mut Starter) -> Result<(), String> {
    if !starter.identities.is_empty() || starter.login.is_some() {
        return Ok(());
    }
    let profile = Arc::new(scratch_profile(starter)?);
    let ctx = Ctx::new(profile.clone(), Consent::default())?;
    let paths: Vec<String> = starter
        .routes
        .iter()
        .filter(|r| r.method == "GET" && !r.path.contains('{'))
        .map(|r| r.path.clone())
        .take(10)
        .collect();
    for path in paths {
        let Ok(url) = profile.url_for(&path) else {
            continue;
        };
        let Ok(response) = ctx.http.send(&HttpRequest::get(url)).await else {
            continue;
        };
        let Some(challenge) = response
            .header("www-authenticate")
            .filter(|_| response.status == 401)
        else {
            continue;
        };
        let scheme = challenge
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (style, how) = match scheme.as_str() {
            "basic" => (
                super::CredentialStyle::Header("Authorization".into()),
                "HTTP Basic: set ALICE_TOKEN and MALLORY_TOKEN to the whole header value, `Basic base64(user:password)`",
            ),
            "bearer" => (super::CredentialStyle::Bearer, "a bearer token"),
            _ => continue,
        };
        starter.identities.push(super::IdentityStarter {
            scheme_name: format!("{scheme} (measured)"),
            style,
        });
        // As with a scheme the spec declares, a write that states nothing is assumed to
        // need the credential. The reads are measured next: each that refuses strangers is
        // written required, each that serves them stays public.
        for route in starter
            .routes
            .iter_mut()
            .filter(|r| !r.auth_stated && r.method != "GET")
        {
            route.auth_required = true;
        }
        starter.notes.push(format!(
            "callers authenticate with {how} (measured: GET {path} answers a stranger 401 with `WWW-Authenticate: {}`)",
            challenge.split_whitespace().next().unwrap_or_default()
        ));
        return Ok(());
    }
    Ok(())
}

/// Measures and fills `starter`; what it could not learn is in `starter.notes`.
pub async fn apply(starter: &mut Starter) -> Result<(), String> {
    measure_challenge(starter).await?;
    if starter.nothing_signs_in() {
        // A static site: no identity to measure as, and no spec read again as one.
        starter.notes.push(
            "--probe: nothing here asks for a credential, so nothing was measured as an identity"
                .into(),
        );
        return Ok(());
    }
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
    super::ids::discover(&ctx, starter, first, second).await;
    super::graphql::measure(&ctx, starter, first, second).await;
    super::baas::measure(&ctx, starter, [first, second]).await;
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
        let spec = super::openapi::read_served(ctx, &url, Some(identity)).await;
        let mut view = Starter {
            base_url: starter.base_url.clone(),
            own_user: starter.own_user.clone(),
            spec_url: Some(url.clone()),
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
        // What the other identity is shown there tells the identity's own values from
        // what every signed-in user sees.
        let guest = if stranger == Admission::Served && route.auth_required {
            let theirs = match ctx.profile.url_for(&path) {
                Ok(url) => ctx
                    .http
                    .send(&HttpRequest::get(url).with_identity(Some(other)))
                    .await
                    .ok()
                    .filter(|r| r.is_success()),
                Err(_) => None,
            };
            guest_view(
                &anonymous.body,
                &owner.body,
                theirs.as_ref().map(|r| r.body.as_slice()),
            )
        } else {
            false
        };
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
            // A stranger served less than the identity is shown and nothing of the
            // identity's own (a guest's view: public project info, a `me` answered for
            // nobody), or where the identity is shown nothing distinctive, is served the
            // app's own answer to strangers. Anything else may be a leak: kept required,
            // so auth.unauthenticated says which.
            (Admission::Served, true) if guest => {
                notes.push(format!(
                    "GET {}: the spec says a credential is required, but it serves strangers an answer of their own, short of {}'s: written as public",
                    route.path, identity.name
                ));
                route.auth_required = false;
                route.auth_stated = true;
            }
            (Admission::Served, true) => {
                notes.push(format!(
                    "GET {}: the spec says a credential is required, but it served a stranger what {} is shown: kept as required, so auth.unauthenticated reports it",
                    route.path, identity.name
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

/// Whether a stranger's answer is a view of its own: it carries none of the identity's own
/// values (those the other identity, `theirs`, is not shown), and lacks some of what the
/// identity is shown, or that shows nothing distinctive (flags, an empty list).
fn guest_view(stranger: &[u8], identity: &[u8], theirs: Option<&[u8]>) -> bool {
    use crate::checks::probe::{fingerprints, leaked};
    let shown = fingerprints(identity);
    let theirs = theirs.map(fingerprints).unwrap_or_default();
    let own: Vec<String> = shown
        .iter()
        .filter(|value| !theirs.contains(value))
        .cloned()
        .collect();
    leaked(stranger, &own).is_empty()
        && (shown.is_empty() || leaked(stranger, &shown).len() < shown.len())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_guest_view_carries_nothing_of_the_identitys_own() {
        let alice = br##"{"data":{"project":"Notes","colour":"#6644FF","version":"11.3.5","email":"alice@example.com"}}"##;
        let mallory = br##"{"data":{"project":"Notes","colour":"#6644FF","version":"11.3.5","email":"mallory@example.org"}}"##;
        // Public project info, less than a member sees: the app's own answer to strangers.
        let guest = br##"{"data":{"project":"Notes","colour":"#6644FF"}}"##;
        assert!(super::guest_view(guest, alice, Some(mallory)));
        // Alice's own address, to a stranger: not a guest's view, whatever else it lacks.
        let leak = br#"{"data":{"project":"Notes","email":"alice@example.com"}}"#;
        assert!(!super::guest_view(leak, alice, Some(mallory)));
        // Everything a member sees: may be a leak.
        assert!(!super::guest_view(alice, alice, Some(mallory)));
        // Nothing distinctive to protect (flags).
        assert!(super::guest_view(
            br#"{"app_access":false}"#,
            br#"{"app_access":true}"#,
            None
        ));
    }

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

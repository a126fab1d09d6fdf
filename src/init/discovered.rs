//! `init --url`: the routes, the login and the bursts the app's own scripts name, read by
//! discovery from what the pages load. Each becomes a starter entry; what only a run can
//! tell (auth, ids) is left to `--probe`, which measures it.

use super::{LoginStarter, PASSWORD_FIELDS, RateLimitStarter, RouteStarter, Starter, USER_FIELDS};
use crate::discovery::{BaasKind, Surface, same_route};
use crate::profile::Method;

/// Path words of the requests an attacker hammers: sign-in, sign-up, reset.
fn abuse_kind(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&["login", "signin", "sign-in", "sign_in", "session", "/token"]) {
        Some("login")
    } else if has(&["reset", "forgot", "recover"]) {
        Some("password-reset")
    } else if has(&["signup", "sign-up", "register"]) {
        Some("signup")
    } else {
        None
    }
}

/// A route's name from its method and path: `projects`, `POST notes`, `projects by id`.
fn route_name(method: Method, path: &str) -> String {
    let words: Vec<&str> = path
        .split('/')
        .filter(|s| {
            let version =
                s.len() > 1 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit());
            !s.is_empty() && *s != "api" && !version
        })
        .collect();
    let mut name = words
        .iter()
        .map(|w| if w.starts_with('{') { "by id" } else { w })
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        name = path.to_string();
    }
    match method {
        Method::Get => name,
        other => format!("{} {name}", other.as_str()),
    }
}

/// Writes what the scripts call on `own_origin` into `starter`: routes (with their
/// placeholders, to be measured), the login and the bursts, and notes about the data APIs
/// and GraphQL endpoints they talk to.
pub fn apply(surface: &Surface, own_origin: &str, starter: &mut Starter) {
    let mut written = 0;
    for discovered in &surface.requests {
        let request = &discovered.request;
        if request
            .target
            .origin
            .as_deref()
            .is_some_and(|o| o != own_origin)
        {
            continue;
        }
        let path = request.target.path.clone();
        let method = request.method.as_str().to_string();
        if request.method == Method::Post
            && let Some(kind) = abuse_kind(&path)
            && !super::spends_the_link(kind, &request.fields)
        {
            let user = USER_FIELDS
                .iter()
                .find(|f| request.fields.iter().any(|x| x == *f));
            let password = PASSWORD_FIELDS
                .iter()
                .find(|f| request.fields.iter().any(|x| x == *f));
            let mut body = toml::Table::new();
            if let Some(user) = user {
                body.insert(
                    (*user).into(),
                    super::burst_identifier(starter.own_user.as_deref()).into(),
                );
            }
            if let Some(password) = password {
                body.insert((*password).into(), "not-the-password".into());
            }
            if kind == "login"
                && let (Some(user), Some(password)) = (user, password)
                && starter.login.is_none()
            {
                starter.login = Some(LoginStarter {
                    path: path.clone(),
                    user_field: (*user).to_string(),
                    password_field: (*password).to_string(),
                    token_pointer: None,
                    graphql_document: None,
                });
                starter.notes.push(format!(
                    "the login is POST {path} {{{user}, {password}}}, as {} sends it",
                    discovered.found_in
                ));
            }
            // One burst per kind: names are check ids, and a second login path would clash.
            if !starter
                .rate_limits
                .iter()
                .any(|l| l.path == path || l.name == kind)
            {
                starter.rate_limits.push(RateLimitStarter {
                    name: kind.to_string(),
                    path: path.clone(),
                    body: (!body.is_empty()).then_some(body),
                });
            }
            continue;
        }
        if starter
            .routes
            .iter()
            .any(|r| r.method == method && same_route(&r.path, &path))
        {
            continue;
        }
        let query: std::collections::BTreeMap<String, String> =
            request.target.query.iter().cloned().collect();
        for text in std::iter::once(&path).chain(query.values()) {
            for placeholder in
                crate::profile::validator::placeholder_names(text).unwrap_or_default()
            {
                starter
                    .placeholders
                    .entry(placeholder.to_string())
                    .or_insert_with(|| "FILL IN".to_string());
            }
        }
        let mut name = route_name(request.method, &path);
        if starter.routes.iter().any(|r| r.name == name) {
            name = format!("{method} {path}");
        }
        starter.routes.push(RouteStarter {
            name,
            method,
            path,
            auth_required: true,
            auth_stated: false,
            query,
            body: request
                .body
                .as_ref()
                .and_then(|b| toml::Value::try_from(b).ok())
                .and_then(|v| v.as_table().cloned()),
            source: Some(format!("discovered: called by {}", discovered.found_in)),
        });
        written += 1;
    }
    if written > 0 {
        starter.notes.push(format!(
            "{written} route(s) read from the {} script(s) the pages load",
            surface.scripts_read
        ));
    }
    for client in &surface.baas {
        let kind = match client.kind {
            BaasKind::Supabase => "a Supabase-style data API",
            BaasKind::PocketBase => "a PocketBase API",
        };
        let key = match client.role.as_deref() {
            Some("service_role") => {
                " with a service_role key: a privileged key shipped to every visitor (baas.privileged-key)"
            }
            _ if client.key.is_some() => " with its public key",
            _ => "",
        };
        starter.notes.push(format!(
            "the browser talks to {kind} at {}{key} ({})",
            client.url, client.found_in
        ));
    }
    for (project, found_in) in &surface.firebase {
        starter.notes.push(format!(
            "the browser talks to Firebase project {project} ({found_in}): its apiKey is publishable; its Security Rules are not probed, verify them (baas.privileged-key says OPEN)"
        ));
    }
    if !surface.resources.is_empty() {
        let names: Vec<String> = surface
            .resources
            .iter()
            .map(|r| format!("{} {}", r.kind, r.name))
            .collect();
        starter
            .notes
            .push(format!("the scripts name {}", names.join(", ")));
    }
    for endpoint in &surface.graphql_endpoints {
        starter.notes.push(format!(
            "a GraphQL endpoint: {endpoint} ({} operation document(s) in the scripts)",
            surface.graphql_documents.len()
        ));
    }
    for partial in &surface.partial {
        starter.notes.push(format!("read in part: {partial}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_read_like_the_path() {
        assert_eq!(route_name(Method::Get, "/api/projects"), "projects");
        assert_eq!(
            route_name(Method::Get, "/api/projects/{projects_id}"),
            "projects by id"
        );
        assert_eq!(route_name(Method::Post, "/api/notes"), "POST notes");
    }
}

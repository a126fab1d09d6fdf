//! `init --openapi`: a profile from an OpenAPI 3 or Swagger 2.0 document (JSON or YAML),
//! read from disk or fetched from the app. Security requirements (global or per operation; `security: []` is public) become
//! `auth`; an operation that states none, in a spec that defines schemes, is assumed to
//! need a credential, and the profile says it is an assumption. The most required scheme
//! is the identities' credential style (an apiKey named Authorization is a bearer token).
//! Path parameters become placeholders named after their resource (`/users/{id}` →
//! `{users_id}`), with the spec's examples as the first tenant's values; bodies come from
//! examples or schemas; servers' variables take their defaults, and a server's path prefixes
//! every route. The login operation becomes the identities' `login`, and sign-in, sign-up
//! and reset operations `[[rate_limits]]`. Local `$ref`s are followed.
//!
//! `security` reads the schemes and requirements, `values` the examples, bodies and `$ref`s,
//! `swagger2` turns a 2.0 document into the 3.0 one it describes.

mod security;
mod swagger2;
mod values;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{CredentialStyle, IdentityStarter, RouteStarter, Starter};
use security::{requirement, style_of};
use values::{
    body_fields, body_of, deref, example, json_to_toml, scalar, token_pointer, without_braces,
};

/// Reads a spec file: JSON when it parses as JSON, YAML otherwise.
pub fn load(path: &std::path::Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A spec's text: JSON when it parses as JSON, YAML otherwise.
pub fn parse(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(value);
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text)
        .map_err(|e| format!("neither JSON nor YAML: {e}"))?;
    docs.into_iter()
        .next()
        .map(yaml_to_json)
        .ok_or_else(|| "empty document".to_string())
}

/// An OpenAPI document the app serves at `url`, fetched through the audit's client (the
/// same scope guard, nameservers and CA), never with a credential.
pub async fn fetch(
    url: &url::Url,
    nameservers: &[String],
    ca_file: Option<&str>,
) -> Result<serde_json::Value, String> {
    let origin = url.origin().ascii_serialization();
    let target = format!(
        "[target]\nname = \"init\"\nbase_url = {}\n",
        toml::Value::String(origin)
    );
    let ctx = super::scratch_ctx(&target, nameservers, ca_file, &format!("--openapi {url}"))?;
    read_served(&ctx, url, None).await
}

/// A spec the app serves at `url`, read anonymously or as `identity` (a role-filtered
/// spec shows a signed-in user more), within 16 MiB.
pub async fn read_served(
    ctx: &crate::ctx::Ctx,
    url: &url::Url,
    identity: Option<&crate::profile::Identity>,
) -> Result<Value, String> {
    const MAX_SPEC_BYTES: usize = 16 * 1024 * 1024;
    let mut request = crate::net::HttpRequest::get(url.clone()).with_identity(identity);
    request.body_limit = Some(MAX_SPEC_BYTES);
    let response = ctx
        .http
        .send(&request)
        .await
        .map_err(|e| ctx.redactor.redact(&e.to_string()))?;
    if !response.is_success() || response.truncated {
        return Err(format!(
            "answered {}{}",
            response.status,
            if response.truncated {
                " (over 16 MiB)"
            } else {
                ""
            }
        ));
    }
    parse(&String::from_utf8_lossy(&response.body))
}

fn yaml_to_json(yaml: yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match yaml {
        Yaml::Real(text) => text.parse::<f64>().map_or(Value::String(text), Value::from),
        Yaml::Integer(i) => Value::from(i),
        Yaml::String(s) => Value::String(s),
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Array(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s,
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        other => format!("{other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Value::Null,
    }
}

const METHODS: &[&str] = &["get", "head", "post", "put", "patch", "delete", "options"];

/// Path parameter names that say nothing of the resource: `/users/{id}` and
/// `/items/{id}` are different ids, so they get the resource in their placeholder.
const GENERIC_PARAMETERS: &[&str] = &["id", "uuid", "key", "slug", "code", "name", "ref", "number"];

/// Where health endpoints usually live.
const HEALTH_SUFFIXES: &[&str] = &[
    "/health",
    "/healthz",
    "/livez",
    "/readyz",
    "/status",
    "/ping",
    "/_health",
    "/heartbeat",
];

/// `servers[0]`, its `{variables}` filled with their defaults: an absolute URL (base_url)
/// or a path every route sits under.
fn server(spec: &Value) -> Option<String> {
    let server = spec.pointer("/servers/0")?;
    let mut url = server.get("url")?.as_str()?.to_string();
    if let Some(variables) = server.get("variables").and_then(Value::as_object) {
        for (name, variable) in variables {
            if let Some(default) = variable.get("default") {
                url = url.replace(&format!("{{{name}}}"), &scalar(default));
            }
        }
    }
    (!url.contains('{')).then_some(url)
}

/// A placeholder name as profiles write them: letters, digits and `_`.
fn placeholder_name(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .trim_matches('_')
        .to_string()
}

/// `/users/{id}/posts/{id2}` with each generic parameter named after the resource before
/// it: `/users/{users_id}/…`. Returns the path and the renames (spec name → placeholder).
fn resource_placeholders(path: &str) -> (String, BTreeMap<String, String>) {
    let mut renames = BTreeMap::new();
    let mut previous = "";
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                if !segment.is_empty() {
                    previous = segment;
                }
                return segment.to_string();
            };
            let generic = GENERIC_PARAMETERS.contains(&name.to_ascii_lowercase().as_str());
            let placeholder = if generic && !previous.is_empty() {
                format!("{}_{}", placeholder_name(previous), placeholder_name(name))
            } else {
                placeholder_name(name)
            };
            renames.insert(name.to_string(), placeholder.clone());
            format!("{{{placeholder}}}")
        })
        .collect();
    (segments.join("/"), renames)
}

/// What kind of abuse-prone endpoint a POST path is, by its last words.
fn abuse_kind(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    let mut words = lower.trim_end_matches('/').rsplit('/');
    let last = words.next().unwrap_or("");
    // `/auth/password/request` (Directus) asks for the reset mail.
    if last == "request" && matches!(words.next(), Some("password" | "reset")) {
        return Some("password-reset");
    }
    match last {
        "login" | "signin" | "sign-in" | "sign_in" | "sessions" | "session" | "authenticate" => {
            Some("login")
        }
        "register" | "signup" | "sign-up" | "sign_up" => Some("signup"),
        "forgot" | "forgot-password" | "forgot_password" | "reset" | "reset-password"
        | "password-reset" | "password_reset" | "recover" => Some("password-reset"),
        "verify" | "otp" | "mfa" | "2fa" => Some("verify"),
        _ => None,
    }
}

/// Fills `starter` from `spec` (OpenAPI 3, or Swagger 2.0 read as the OpenAPI 3 document it
/// describes).
pub fn apply(spec: &Value, starter: &mut Starter) -> Result<(), String> {
    if swagger2::is_swagger2(spec) {
        let fetched_with = starter.spec_url.as_ref().map(|u| u.scheme().to_string());
        return apply(&swagger2::upgrade(spec, fetched_with.as_deref()), starter);
    }
    let version = spec.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with('3') {
        return Err(format!(
            "not an OpenAPI 3 or Swagger 2.0 document (openapi: {})",
            if version.is_empty() {
                "missing"
            } else {
                version
            }
        ));
    }
    if let Some(title) = spec.pointer("/info/title").and_then(Value::as_str) {
        starter.name = title.to_string();
    }
    // Routes sit under the server's path, whether base_url comes from it or from --url.
    let mut prefix = String::new();
    match server(spec) {
        Some(url) if url.starts_with("http") => {
            if starter.base_url.is_none() {
                starter.base_url = Some(url.trim_end_matches('/').to_string());
            } else if let Ok(parsed) = url::Url::parse(&url) {
                // base_url came from --url: the spec's server path still leads the routes,
                // unless base_url already ends with it (base_url came from this spec).
                let server_path = parsed.path().trim_end_matches('/');
                let base_path = starter
                    .base_url
                    .as_deref()
                    .and_then(|b| url::Url::parse(b).ok())
                    .map(|b| b.path().trim_end_matches('/').to_string())
                    .unwrap_or_default();
                if !base_path.ends_with(server_path) {
                    prefix = server_path.to_string();
                }
            }
        }
        Some(path) if path.starts_with('/') => prefix = path.trim_end_matches('/').to_string(),
        _ => {}
    }
    if starter.domain.is_none()
        && let Some(host) = starter
            .base_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
        && !crate::profile::is_ip_literal(&host)
        && host != "localhost"
    {
        starter.domain = Some(super::apex(&host));
        starter.notes.push(format!(
            "domain guessed from base_url's host {host}: check it"
        ));
    }

    let schemes = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let global = requirement(spec.get("security"));
    // How often each scheme is required, globally or per operation: the most used one is
    // how identities present their credential.
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for scheme in global.iter().flatten() {
        *uses.entry(scheme.clone()).or_default() += 1000;
    }
    for (_, item) in spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(names) = deref(spec, item)
                .get(*method)
                .and_then(|op| requirement(op.get("security")))
            {
                for name in names {
                    *uses.entry(name).or_default() += 1;
                }
            }
        }
    }
    for (name, scheme) in &schemes {
        match style_of(name, deref(spec, scheme)) {
            Ok(style) => starter.identities.push(IdentityStarter {
                scheme_name: name.clone(),
                style,
            }),
            Err(note) => starter.notes.push(note),
        }
    }
    starter.identities.sort_by_key(|identity| {
        std::cmp::Reverse(uses.get(&identity.scheme_name).copied().unwrap_or(0))
    });
    if starter
        .identities
        .first()
        .is_some_and(|i| i.style == CredentialStyle::Header("Authorization".into()))
    {
        starter.notes.push("the credential is the whole Authorization header: set the token variables to the full value (`Basic …`, `Token …`)".into());
    }
    let has_schemes = !starter.identities.is_empty();

    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    let mut health: Option<(usize, String)> = None;
    for (spec_path, item) in paths {
        let item = deref(spec, item);
        // A GraphQL endpoint is one path for the whole API: [[graphql]], not a route the
        // REST checks would probe with a body they cannot write.
        if spec_path.trim_end_matches('/').ends_with("graphql") {
            let path = format!("{prefix}{spec_path}");
            if !starter.graphql.iter().any(|g| g.path == path) {
                starter
                    .graphql
                    .push(super::graphql::GraphqlStarter::new(path));
            }
            continue;
        }
        let (path, renames) = resource_placeholders(spec_path);
        let path = format!("{prefix}{path}");
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for method in METHODS {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let stated = requirement(operation.get("security")).or_else(|| global.clone());
            let abuse = (*method == "post").then(|| abuse_kind(spec_path)).flatten();
            // Unstated with schemes defined: what is not a sign-in or a health check most
            // likely needs a credential (the usual omission in real specs).
            let auth_required = match &stated {
                Some(names) => !names.is_empty(),
                None => {
                    has_schemes
                        && abuse.is_none()
                        && !HEALTH_SUFFIXES.iter().any(|h| spec_path.ends_with(h))
                }
            };
            let mut query = BTreeMap::new();
            let parameters = shared.iter().copied().chain(
                operation
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
            for parameter in parameters {
                let parameter = deref(spec, parameter);
                let name = parameter
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                match parameter.get("in").and_then(Value::as_str) {
                    Some("path") => {
                        let placeholder = renames
                            .get(&name)
                            .cloned()
                            .unwrap_or_else(|| placeholder_name(&name));
                        let value = example(spec, parameter)
                            .map_or_else(|| "FILL IN".to_string(), |v| scalar(&v));
                        starter.placeholders.entry(placeholder).or_insert(value);
                    }
                    Some("query")
                        if parameter.get("required").and_then(Value::as_bool) == Some(true) =>
                    {
                        let value = example(spec, parameter)
                            .map_or_else(|| "FILL IN".to_string(), |v| scalar(&v));
                        query.insert(name, value);
                    }
                    _ => {}
                }
            }
            // A path placeholder the parameters never declared still needs a value.
            for placeholder in renames.values() {
                starter
                    .placeholders
                    .entry(placeholder.clone())
                    .or_insert_with(|| "FILL IN".into());
            }
            let json_body = body_of(spec, operation);
            let fields = body_fields(spec, operation);
            let abuse = abuse.filter(|kind| !super::spends_the_link(kind, &fields));
            if let Some(kind) = abuse {
                let user_field = fields
                    .iter()
                    .find(|f| {
                        ["email", "username", "user", "login", "name"]
                            .contains(&f.to_ascii_lowercase().as_str())
                    })
                    .cloned();
                let password_field = fields
                    .iter()
                    .find(|f| f.to_ascii_lowercase().contains("pass"))
                    .cloned();
                if kind == "login"
                    && starter.login.is_none()
                    && let (Some(user_field), Some(password_field)) = (&user_field, &password_field)
                {
                    starter.login = Some(super::LoginStarter {
                        path: path.clone(),
                        user_field: user_field.clone(),
                        password_field: password_field.clone(),
                        token_pointer: token_pointer(spec, operation),
                        graphql_document: None,
                    });
                }
                if !starter.rate_limits.iter().any(|r| r.name == kind) {
                    // Wrong credentials on purpose: the burst must fail every attempt.
                    let mut body = toml::Table::new();
                    for field in &fields {
                        let lower = field.to_ascii_lowercase();
                        let value = if lower.contains("pass") {
                            "not-the-password".to_string()
                        } else if lower.contains("mail") || Some(field) == user_field.as_ref() {
                            super::burst_identifier(starter.own_user.as_deref())
                        } else {
                            continue;
                        };
                        body.insert(field.clone(), toml::Value::String(value));
                    }
                    starter.rate_limits.push(super::RateLimitStarter {
                        name: kind.to_string(),
                        path: path.clone(),
                        body: (!body.is_empty()).then_some(body),
                    });
                }
                // Sign-ins are audited as logins and bursts, not as routes.
                continue;
            }
            let body = json_body
                .map(|v| without_braces(&v))
                .and_then(|v| match json_to_toml(&v) {
                    Some(toml::Value::Table(table)) => Some(table),
                    _ => None,
                });
            let name = operation
                .get("operationId")
                .or_else(|| operation.get("summary"))
                .and_then(Value::as_str)
                .map_or_else(
                    || format!("{} {path}", method.to_uppercase()),
                    str::to_string,
                );
            // The best-named health route wins (`/healthz` over `/api/legacy/status`).
            if *method == "get"
                && !path.contains('{')
                && let Some(rank) = HEALTH_SUFFIXES.iter().position(|h| spec_path.ends_with(h))
                && health.as_ref().is_none_or(|(best, _)| rank < *best)
            {
                health = Some((rank, path.clone()));
            }
            starter.routes.push(RouteStarter {
                name,
                method: method.to_uppercase(),
                path: path.clone(),
                auth_required,
                auth_stated: stated.is_some(),
                query,
                body,
                source: None,
            });
        }
    }
    if starter.health_path.is_none() {
        starter.health_path = health.map(|(_, path)| path);
    }
    if starter.routes.is_empty() && starter.login.is_none() {
        return Err("the spec's paths hold no operation".into());
    }
    // Route names make check evidence and must be unique to read well.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for route in &mut starter.routes {
        let count = seen.entry(route.name.clone()).or_default();
        *count += 1;
        if *count > 1 {
            route.name = format!("{} ({})", route.name, count);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_parameters_are_named_after_their_resource() {
        let (path, renames) = resource_placeholders("/communities/{id}/members/{memberId}");
        assert_eq!(path, "/communities/{communities_id}/members/{memberId}");
        assert_eq!(renames["id"], "communities_id");
        let (path, _) = resource_placeholders("/items/{item-id}");
        assert_eq!(path, "/items/{item_id}");
    }

    #[test]
    fn the_reset_burst_goes_where_the_mail_is_asked_for() {
        assert_eq!(abuse_kind("/auth/password/request"), Some("password-reset"));
        assert_eq!(abuse_kind("/auth/password/reset"), Some("password-reset"));
        assert_eq!(abuse_kind("/items/request"), None);
        assert_eq!(abuse_kind("/auth/login"), Some("login"));
    }
}

//! `init --openapi`: `[[routes]]` from an OpenAPI 3 document (JSON or YAML), read from disk
//! only. Security requirements become `auth = "required"` (an operation's `security: []`
//! makes it public), path parameters become `{placeholders}` with the spec's examples as
//! the first tenant's values, request examples become bodies, security schemes become the
//! identities' credential style. Local `$ref`s are followed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{CredentialStyle, IdentityStarter, RouteStarter, Starter};

/// Reads a spec file: JSON when it parses as JSON, YAML otherwise.
pub fn load(path: &std::path::Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        return Ok(value);
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(&text)
        .map_err(|e| format!("{}: neither JSON nor YAML: {e}", path.display()))?;
    docs.into_iter()
        .next()
        .map(yaml_to_json)
        .ok_or_else(|| format!("{}: empty document", path.display()))
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

/// Follows a local `$ref` (`#/components/…`), at most 16 deep (cycles end there).
fn deref<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return value;
        };
        match spec.pointer(pointer) {
            Some(target) => value = target,
            None => return value,
        }
    }
    value
}

/// An example for a parameter or a media type: `example`, the first of `examples`, or the
/// schema's `example`/`default`/first `enum` value.
fn example(spec: &Value, holder: &Value) -> Option<Value> {
    let holder = deref(spec, holder);
    if let Some(example) = holder.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = holder
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
    {
        let first = deref(spec, first);
        return first.get("value").cloned().or_else(|| Some(first.clone()));
    }
    let schema = deref(spec, holder.get("schema").unwrap_or(&Value::Null));
    schema
        .get("example")
        .or_else(|| schema.get("default"))
        .or_else(|| schema.get("enum").and_then(|e| e.get(0)))
        .cloned()
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json_to_toml(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(items.iter().filter_map(json_to_toml).collect()),
        Value::Object(map) => toml::Value::Table(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), json_to_toml(v)?)))
                .collect(),
        ),
    })
}

const METHODS: &[&str] = &["get", "head", "post", "put", "patch", "delete", "options"];

/// Fills `starter` from `spec`.
pub fn apply(spec: &Value, starter: &mut Starter) -> Result<(), String> {
    let version = spec.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with('3') {
        return Err(format!(
            "not an OpenAPI 3 document (openapi: {})",
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
    if starter.base_url.is_none()
        && let Some(server) = spec.pointer("/servers/0/url").and_then(Value::as_str)
        && server.starts_with("http")
        && !server.contains('{')
    {
        starter.base_url = Some(server.to_string());
    }
    if starter.domain.is_none()
        && let Some(host) = starter
            .base_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
    {
        starter.domain = Some(super::probe::apex(&host));
        starter.notes.push(format!(
            "domain guessed from base_url's host {host}: check it"
        ));
    }

    let schemes = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, scheme) in &schemes {
        let scheme = deref(spec, scheme);
        let style = match (
            scheme.get("type").and_then(Value::as_str),
            scheme.get("in").and_then(Value::as_str),
        ) {
            (Some("http"), _)
                if scheme
                    .get("scheme")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("bearer")) =>
            {
                CredentialStyle::Bearer
            }
            (Some("apiKey"), Some("header")) => CredentialStyle::Header(
                scheme
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("X-Api-Key")
                    .to_string(),
            ),
            (Some("apiKey"), Some("cookie")) => CredentialStyle::Cookie(
                scheme
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("session")
                    .to_string(),
            ),
            (Some("oauth2"), _) => match scheme
                .pointer("/flows/clientCredentials/tokenUrl")
                .and_then(Value::as_str)
            {
                Some(url) => CredentialStyle::ClientCredentials {
                    token_url: url.to_string(),
                },
                None => CredentialStyle::Bearer,
            },
            (Some("openIdConnect"), _) => CredentialStyle::Bearer,
            _ => {
                starter.notes.push(format!(
                    "security scheme `{name}` ({}) has no profile equivalent: FILL IN by hand",
                    scheme.get("type").and_then(Value::as_str).unwrap_or("?")
                ));
                continue;
            }
        };
        starter.identities.push(IdentityStarter {
            scheme_name: name.clone(),
            style,
        });
    }

    let global_security = spec.get("security");
    // The scheme the spec requires by default is the one identities should use.
    let required: Vec<String> = global_security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().cloned())
        .collect();
    starter
        .identities
        .sort_by_key(|identity| !required.contains(&identity.scheme_name));
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    for (path, item) in paths {
        let item = deref(spec, item);
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for method in METHODS {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let security = operation.get("security").or(global_security);
            let auth_required = match security.and_then(Value::as_array) {
                None => false,
                // `security: []` or `[{}]`: anonymous access allowed.
                Some(requirements) => {
                    !requirements.is_empty()
                        && !requirements
                            .iter()
                            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
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
                        let value = example(spec, parameter)
                            .map_or_else(|| "FILL IN".to_string(), |v| scalar(&v));
                        starter.placeholders.entry(name).or_insert(value);
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
            let body = operation
                .get("requestBody")
                .map(|b| deref(spec, b))
                .and_then(|b| b.pointer("/content/application~1json"))
                .and_then(|media| example(spec, media))
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
            if *method == "get"
                && starter.health_path.is_none()
                && ["/health", "/healthz", "/livez", "/status"]
                    .iter()
                    .any(|h| path.ends_with(h))
            {
                starter.health_path = Some(path.clone());
            }
            starter.routes.push(RouteStarter {
                name,
                method: method.to_uppercase(),
                path: path.clone(),
                auth_required,
                query,
                body,
            });
        }
    }
    if starter.routes.is_empty() {
        return Err("the spec's paths hold no operation".into());
    }
    Ok(())
}

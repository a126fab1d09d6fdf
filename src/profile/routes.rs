//! `[[routes]]`: the app's routes, their placeholders, and who may use them.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::validator::{Validator, placeholder_names};

#[derive(Clone, Debug)]
pub struct Route {
    pub name: String,
    pub method: Method,
    /// As written, with `{placeholders}`.
    pub path: String,
    pub auth: Auth,
    pub roles: Vec<String>,
    /// 404 counts as a refusal.
    pub hidden: bool,
    /// Query parameters, values with `{placeholders}`.
    pub query: Vec<(String, String)>,
    /// JSON body, strings with `{placeholders}`.
    pub body: Option<serde_json::Value>,
    pub allow_writes: bool,
    /// A POST (or other unsafe method) that only reads, as a GraphQL query or a search
    /// does: probed like a GET, without `allow_writes`.
    pub reads: bool,
    /// Loaded by `latency.p95`.
    pub onboarding: bool,
}

impl Route {
    /// Whether sending it changes nothing: a safe method, or a route stated to only read.
    pub fn only_reads(&self) -> bool {
        self.method.is_safe() || self.reads
    }

    /// Every placeholder the route uses, in the path, the query and the body.
    pub fn placeholders(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut add = |text: &str| {
            for name in placeholder_names(text).unwrap_or_default() {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        };
        add(&self.path);
        for (_, value) in &self.query {
            add(value);
        }
        if let Some(body) = &self.body {
            json_strings(body, &mut |s| add(s));
        }
        names
    }

    /// The route with its placeholders filled from `values`; `None` if one is missing.
    pub fn fill(&self, values: &BTreeMap<String, String>) -> Option<FilledRoute> {
        let path = fill(&self.path, values)?;
        let query = self
            .query
            .iter()
            .map(|(k, v)| Some((k.clone(), fill(v, values)?)))
            .collect::<Option<Vec<_>>>()?;
        let body = match &self.body {
            Some(body) => Some(fill_json(body, values)?),
            None => None,
        };
        Some(FilledRoute { path, query, body })
    }
}

/// A route ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct FilledRoute {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
}

/// Replaces `{name}` with `values[name]`, and `{{`/`}}` with a literal brace.
fn fill(template: &str, values: &BTreeMap<String, String>) -> Option<String> {
    placeholder_names(template).ok()?;
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let brace = rest.as_bytes()[at] as char;
        if rest[at + 1..].starts_with(brace) {
            out.push(brace);
            rest = &rest[at + 2..];
            continue;
        }
        // Validated: `{name}`.
        let close = at + 1 + rest[at + 1..].find('}')?;
        out.push_str(values.get(&rest[at + 1..close])?);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn fill_json(
    value: &serde_json::Value,
    values: &BTreeMap<String, String>,
) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match value {
        Value::String(s) => Value::String(fill(s, values)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| fill_json(v, values))
                .collect::<Option<_>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Some((k.clone(), fill_json(v, values)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

pub(crate) fn json_strings(value: &serde_json::Value, visit: &mut dyn FnMut(&str)) {
    match value {
        serde_json::Value::String(s) => visit(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, visit)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, visit)),
        _ => {}
    }
}

pub(crate) fn post() -> Method {
    Method::Post
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub name: String,
    #[serde(default)]
    pub method: Method,
    pub path: Spanned<String>,
    pub auth: Auth,
    #[serde(default)]
    pub roles: Vec<String>,
    /// The route answers 404 to those who may not see it: a 404 counts as a refusal.
    #[serde(default)]
    pub hidden: bool,
    /// Query parameters; values may use the route's `{placeholders}`.
    #[serde(default)]
    pub query: BTreeMap<String, Spanned<String>>,
    /// JSON body; string values may use `{placeholders}`.
    pub body: Option<toml::Table>,
    /// Write probes (cross-tenant, role matrix) may use this route's unsafe method.
    #[serde(default)]
    pub allow_writes: bool,
    /// The route's unsafe method only reads (a GraphQL query over POST): probed like a GET.
    #[serde(default)]
    pub reads: Option<Spanned<bool>>,
    /// Part of the onboarding path `latency.p95` loads.
    #[serde(default)]
    pub onboarding: bool,
}

/// HTTP methods a route may declare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    #[default]
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl Method {
    /// GET, HEAD and OPTIONS change nothing on a well-behaved server.
    pub fn is_safe(self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Options)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

/// Whether a route must refuse anonymous callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    Required,
    Public,
}

impl Validator<'_> {
    /// `[[routes]]`: each route's placeholders must name tenant values.
    pub(crate) fn routes(
        &mut self,
        raw: Vec<RawRoute>,
        tenants: &BTreeMap<String, BTreeMap<String, String>>,
        no_roles: bool,
    ) -> Vec<Route> {
        raw.into_iter()
            .enumerate()
            .map(|(i, route)| {
                let key = format!("routes[{i}]");
                if no_roles && !route.roles.is_empty() {
                    self.blame(
                        &route.path,
                        &format!("{key}.roles"),
                        "[target] has_no says the app has no roles, yet this route names the roles allowed on it: remove one of the two",
                    );
                }
                if !route.path.get_ref().starts_with('/') {
                    self.blame(
                        &route.path,
                        &format!("{key}.path"),
                        "expected a path starting with `/`",
                    );
                }
                self.placeholders(&route.path, &format!("{key}.path"), tenants);
                for (name, value) in &route.query {
                    self.placeholders(value, &format!("{key}.query.{name}"), tenants);
                }
                let body = route
                    .body
                    .map(|table| serde_json::to_value(table).unwrap_or_default());
                if let Some(body) = &body {
                    let mut strings = Vec::new();
                    json_strings(body, &mut |s| strings.push(s.to_string()));
                    for text in strings {
                        let spanned = Spanned::new(route.path.span(), text);
                        self.placeholders(&spanned, &format!("{key}.body"), tenants);
                    }
                }
                let reads = route.reads.as_ref().is_some_and(|r| *r.get_ref());
                if let Some(flag) = route.reads.as_ref().filter(|r| *r.get_ref()) {
                    if route.method.is_safe() {
                        self.blame(
                            flag,
                            &format!("{key}.reads"),
                            format!("{} already only reads: `reads` is for a POST (or other unsafe method) that does, such as a GraphQL query", route.method.as_str()),
                        );
                    } else if route.allow_writes {
                        self.blame(
                            flag,
                            &format!("{key}.reads"),
                            "a route that only reads writes nothing: drop `allow_writes` or `reads`",
                        );
                    }
                }
                Route {
                    name: route.name,
                    method: route.method,
                    path: route.path.into_inner(),
                    auth: route.auth,
                    roles: route.roles,
                    hidden: route.hidden,
                    query: route
                        .query
                        .into_iter()
                        .map(|(k, v)| (k, v.into_inner()))
                        .collect(),
                    body,
                    allow_writes: route.allow_writes,
                    reads,
                    onboarding: route.onboarding,
                }
            })
            .collect()
    }
}

//! A script's calls read as requests: which method, which URL or path (template holes
//! named as placeholders), which literal body.

use crate::profile::Method;
use crate::shipped::js::{Call, Literal};

/// Extensions of files a page loads that are not API calls.
const ASSET_EXTENSIONS: &[&str] = &[
    ".js", ".mjs", ".css", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp",
    ".woff", ".woff2", ".ttf", ".html", ".json", ".txt", ".xml", ".wasm", ".mp4", ".webm",
];

/// Where a call goes, as written: a path on the page's own origin, or an absolute URL.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// `https://api.acme.test` for an absolute URL; `None` for a path the page's origin serves.
    pub origin: Option<String>,
    /// The path, holes as `{placeholders}` (`/api/projects/{projects_id}`).
    pub path: String,
    /// The query's pairs as written, holes as `{placeholders}` named by their key.
    pub query: Vec<(String, String)>,
}

/// One request the browser makes, as the script writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    pub target: Target,
    /// A literal JSON body, when the script writes one out.
    pub body: Option<serde_json::Value>,
    /// The body's field names, literal values or not (`{email, password}` of a login form).
    pub fields: Vec<String>,
}

fn method_named(name: &str) -> Option<Method> {
    Some(match name.to_ascii_lowercase().as_str() {
        "get" => Method::Get,
        "head" => Method::Head,
        "post" => Method::Post,
        "put" => Method::Put,
        "patch" => Method::Patch,
        "delete" | "del" => Method::Delete,
        "options" => Method::Options,
        _ => return None,
    })
}

/// The URL a literal names, when it names one.
fn url_text(literal: &Literal) -> Option<Vec<String>> {
    match literal {
        Literal::Text(text) => Some(vec![text.clone()]),
        Literal::Template(parts) => Some(parts.clone()),
        _ => None,
    }
}

/// A hole in a template, while the text around it is read.
const HOLE: char = '\u{0}';

/// A free placeholder name from `base`: `base`, `base2`, …
fn fresh(base: String, names: &mut Vec<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    names.push(name.clone());
    name
}

/// A path or URL with holes, as a target: a hole in the path becomes a placeholder named
/// after the segment before it (`/projects/${id}` → `{projects_id}`), one in the query
/// after its key (`?org=${org}` → `org = "{org}"`), numbered where a name repeats.
fn target_of(parts: &[String]) -> Option<Target> {
    if parts.iter().any(|p| p.contains(HOLE)) {
        return None;
    }
    let joined = parts.join(&HOLE.to_string());
    let joined = joined.split('#').next().unwrap_or("");
    let (address, query_text) = joined.split_once('?').unwrap_or((joined, ""));
    let (origin, raw_path) = if let Some(rest) = address
        .strip_prefix("https://")
        .or_else(|| address.strip_prefix("http://"))
    {
        let scheme = &address[..address.len() - rest.len()];
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if host.is_empty() || host.contains(HOLE) {
            return None;
        }
        (Some(format!("{scheme}{host}")), path.to_string())
    } else if address.starts_with('/') && !address.starts_with("//") {
        (None, address.to_string())
    } else {
        return None;
    };
    let mut names: Vec<String> = Vec::new();
    let mut path = String::new();
    for (i, piece) in raw_path.split(HOLE).enumerate() {
        if i > 0 {
            let before = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>();
            let base = if before.is_empty() || !path.ends_with('/') {
                "param".to_string()
            } else {
                format!("{before}_id")
            };
            path.push_str(&format!("{{{}}}", fresh(base, &mut names)));
        }
        path.push_str(piece);
    }
    let mut query = Vec::new();
    for pair in query_text.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key.is_empty() || key.contains(HOLE) {
            continue;
        }
        let value = if value.contains(HOLE) {
            format!("{{{}}}", fresh(key.to_string(), &mut names))
        } else {
            value.to_string()
        };
        query.push((key.to_string(), value));
    }
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path
    };
    let lower = path.to_ascii_lowercase();
    if path.chars().any(char::is_whitespace)
        || ASSET_EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
        || path.starts_with("/{")
    {
        return None;
    }
    Some(Target {
        origin,
        path,
        query,
    })
}

/// Calls that move the browser to a page rather than request data: a router's
/// `push("/settings/roles")`, `navigate`, `redirect`, `location.assign`, `window.open`,
/// `history.pushState`. Their paths are the app's pages, which the API does not serve.
const NAVIGATION: &[&str] = &[
    "push",
    "replace",
    "navigate",
    "navigateTo",
    "redirect",
    "assign",
    "open",
    "pushState",
    "replaceState",
];

/// The request a call makes, if it is one: `fetch(url, {method, body})`, `axios.post(url,
/// body)`, `xhr.open("GET", url)`, `axios({url, method})`, or a wrapper called with a path
/// (`api("/api/me")`, GET unless its options say otherwise). A navigation
/// ([`NAVIGATION`]) is not one.
pub fn request_of(call: &Call) -> Option<Request> {
    if call.construct {
        return None;
    }
    let named = call.method_name();
    // `xhr.open("POST", "/api/x")`.
    if named == "open"
        && let [Literal::Text(method), url, ..] = call.args.as_slice()
        && let Some(method) = method_named(method)
    {
        return Some(Request {
            method,
            target: target_of(&url_text(url)?)?,
            body: None,
            fields: Vec::new(),
        });
    }
    if NAVIGATION.contains(&named) {
        return None;
    }
    // The URL is what the call is given first: a path given after something else is a
    // URL being built (`new URL(path, base)`'s cousin `join(base, "/auth/refresh")`), whose
    // request, if any, is made elsewhere.
    let (position, parts) = call
        .args
        .first()
        .and_then(url_text)
        .map(|parts| (0, parts))
        .or_else(|| {
            // `axios({url: "/api/x", method: "post"})`.
            call.args.iter().enumerate().find_map(|(i, a)| match a {
                Literal::Object(members) => Some((i, url_text(members.get("url")?)?)),
                _ => None,
            })
        })?;
    let target = target_of(&parts)?;
    let options = call.args.iter().find_map(|a| match a {
        Literal::Object(members) => Some(members),
        _ => None,
    });
    let from_options = options.and_then(|o| {
        o.get("method")
            .or_else(|| o.get("type"))
            .and_then(Literal::text)
            .and_then(method_named)
    });
    let from_callee = call
        .callee
        .contains('.')
        .then(|| method_named(named))
        .flatten();
    let method = from_options.or(from_callee).unwrap_or(Method::Get);
    // The body: `body: JSON.stringify({...})` in fetch's options, or the argument after
    // the URL of `client.post(url, {...})`.
    let body_literal = options
        .and_then(|o| o.get("body").or_else(|| o.get("data")))
        .or_else(|| {
            (from_callee.is_some() && !method.is_safe())
                .then(|| call.args.get(position + 1))
                .flatten()
        });
    let fields = match body_literal {
        Some(Literal::Object(members)) => members.keys().cloned().collect(),
        Some(Literal::Stringified(inner)) => match inner.as_ref() {
            Literal::Object(members) => members.keys().cloned().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let body = body_literal
        .and_then(Literal::to_json)
        .filter(serde_json::Value::is_object);
    Some(Request {
        method,
        target,
        body,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shipped::js::read;

    fn requests(source: &str) -> Vec<(String, String, Option<serde_json::Value>)> {
        read(source)
            .calls
            .iter()
            .filter_map(request_of)
            .map(|r| {
                let query: Vec<String> = r
                    .target
                    .query
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let query = if query.is_empty() {
                    String::new()
                } else {
                    format!("?{}", query.join("&"))
                };
                (
                    r.method.as_str().to_string(),
                    format!(
                        "{}{}{query}",
                        r.target.origin.unwrap_or_default(),
                        r.target.path
                    ),
                    r.body,
                )
            })
            .collect()
    }

    #[test]
    fn reads_the_usual_clients() {
        let found = requests(
            r#"fetch("/api/me");axios.post("/api/orgs/"+o,{a:1});axios.delete(`/api/projects/${p}/members/${m}?force=1`);
            x.open("PUT","https://api.acme.test/v1/items");t("/api/notes",{method:"POST",body:JSON.stringify({text:"hi"})});
            axios({url:"/api/search",method:"post"});document.querySelector("/assets/logo.svg");api.get(`${base}/x`);
            api("/api/invoices?org="+t.org+"&status=open");"#,
        );
        assert_eq!(
            found,
            [
                ("GET".into(), "/api/me".into(), None),
                (
                    "POST".into(),
                    "/api/orgs/{orgs_id}".into(),
                    Some(serde_json::json!({"a": 1}))
                ),
                (
                    "DELETE".into(),
                    "/api/projects/{projects_id}/members/{members_id}?force=1".into(),
                    None
                ),
                ("PUT".into(), "https://api.acme.test/v1/items".into(), None),
                (
                    "POST".into(),
                    "/api/notes".into(),
                    Some(serde_json::json!({"text": "hi"}))
                ),
                ("POST".into(), "/api/search".into(), None),
                (
                    "GET".into(),
                    "/api/invoices?org={org}&status=open".into(),
                    None
                ),
            ]
        );
    }

    #[test]
    fn a_navigation_or_a_url_being_built_is_not_a_request() {
        let found = requests(
            r#"router.push("/settings/roles");this.$router.replace("/login");navigate("/embed/");
            window.open("/admin/files");location.assign("/login");history.pushState(null,"","/v4/");
            api.get("/server/info");let u=join(t.url,"/auth/refresh");"#,
        );
        assert_eq!(found, [("GET".into(), "/server/info".into(), None)]);
    }
}

//! The surface the app ships: what its pages' scripts call, read out of the scripts
//! ([`crate::shipped`]) rather than declared. One reading feeds `run` (routes the profile
//! omits are still probed, and said to be discovered, with the script they were found in)
//! and `init` (which writes them into the profile).
//!
//! - requests: `fetch`, XHR, axios-style and wrapper calls with a literal path or URL,
//!   their method and literal body ([`calls`]);
//! - back-end-as-a-service clients with their URL and public key, and the tables,
//!   functions and collections the scripts name ([`services`]);
//! - GraphQL endpoints and the operation documents the scripts carry.

pub mod calls;
pub mod services;

use crate::net::contact::Shared;
use std::sync::Arc;

use crate::ctx::Ctx;
use crate::profile::{Auth, Method, Profile, Route};
use crate::shipped::Bundle;

pub use calls::{Request, Target};
pub use services::{BaasClient, BaasKind, ResourceKind, SuperuserSignIn};

/// Undeclared routes the checks probe per audit, at most (in the order the scripts name
/// them): a bundle may call thousands, and each costs a few requests per identity.
pub const MAX_PROBED: usize = 50;

/// Undeclared routes the checks will probe, and how many more the scripts call beyond
/// [`MAX_PROBED`], which are not probed (and the evidence says so).
#[derive(Debug, Default)]
pub struct Undeclared {
    pub routes: Vec<(Route, String)>,
    pub unprobed: usize,
}

impl Undeclared {
    /// An INFO line naming the routes left out by the cap, when there are any.
    pub fn unprobed_note(&self, what: &str) -> Option<crate::result::Observation> {
        (self.unprobed > 0).then(|| {
            crate::result::Observation::new(
                crate::result::Status::Info,
                format!("{} more {what} the scripts call", self.unprobed),
                format!(
                    "not probed: at most {MAX_PROBED} undeclared routes are, per audit; declare the ones that matter in [[routes]]"
                ),
            )
        })
    }
}

/// A request the scripts make, and the first script it was found in.
#[derive(Clone, Debug, PartialEq)]
pub struct Discovered {
    pub request: Request,
    pub found_in: String,
}

/// A table, function or collection the scripts name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resource {
    pub kind: ResourceKind,
    pub name: String,
    /// A function's arguments as the script passes them (JSON), when all literal.
    pub args: Option<String>,
    pub found_in: String,
}

/// What the app ships says about the API it uses.
#[derive(Debug, Default)]
pub struct Surface {
    /// Each (method, target) once, in the order found.
    pub requests: Vec<Discovered>,
    pub baas: Vec<BaasClient>,
    /// Keys that bypass a data API's rules, anywhere in the scripts.
    pub privileged_keys: Vec<services::PrivilegedKey>,
    /// Superuser credentials the scripts sign in with, in literals.
    pub superuser_sign_ins: Vec<services::SuperuserSignIn>,
    /// Firebase projects the scripts configure (`initializeApp`), with the script.
    pub firebase: Vec<(String, String)>,
    pub resources: Vec<Resource>,
    /// GraphQL endpoints (paths or URLs), each once.
    pub graphql_endpoints: Vec<String>,
    /// GraphQL operation documents, each once.
    pub graphql_documents: Vec<String>,
    /// Scripts read, and those read only in part (with why).
    pub scripts_read: usize,
    pub partial: Vec<String>,
}

impl Surface {
    /// Reads the surface out of a fetched bundle.
    pub fn of(bundle: &Bundle) -> Surface {
        let mut surface = Surface {
            scripts_read: bundle.scripts.len(),
            ..Surface::default()
        };
        for script in &bundle.scripts {
            if let Some(why) = &script.facts.partial {
                surface.partial.push(format!("{}: {why}", script.name));
            }
            surface.read(&script.facts, &script.name);
            for key in services::privileged_keys(&script.text, &script.name) {
                if !surface.privileged_keys.iter().any(|k| k.value == key.value) {
                    surface.privileged_keys.push(key);
                }
            }
        }
        // A served source map's original sources say what the minifier folded away.
        for map in &bundle.maps {
            if let crate::shipped::maps::MapAnswer::Served { sources, .. } = &map.answer {
                for source in sources {
                    surface.read(
                        &source.facts,
                        &format!("{} (in the source map of {})", source.name, map.script),
                    );
                }
            }
        }
        let page_origin = bundle
            .pages_read
            .first()
            .map(|p| p.url.origin().ascii_serialization());
        surface.drop_data_api_requests(page_origin.as_deref());
        surface
    }

    /// Requests into a data API the scripts create a client for are its client's own (the
    /// PocketBase SDK's `/api/batch`), not routes of the app: the baas family probes that
    /// API. `page_origin` is what a relative path is relative to.
    fn drop_data_api_requests(&mut self, page_origin: Option<&str>) {
        let under_api = |client: &BaasClient, request: &Request| {
            let Ok(client_url) = url::Url::parse(&client.url) else {
                return false;
            };
            let origin = client_url.origin().ascii_serialization();
            let same = match &request.target.origin {
                Some(o) => *o == origin,
                None => page_origin == Some(origin.as_str()),
            };
            let prefixes: &[&str] = match client.kind {
                BaasKind::PocketBase => &["/api/"],
                BaasKind::Supabase => &[
                    "/rest/v1",
                    "/auth/v1",
                    "/storage/v1",
                    "/functions/v1",
                    "/realtime/v1",
                ],
            };
            same && prefixes.iter().any(|p| request.target.path.starts_with(p))
        };
        let clients = self.baas.clone();
        self.requests
            .retain(|d| !clients.iter().any(|c| under_api(c, &d.request)));
    }

    /// Adds what one script (or original source) says, found in `found_in`.
    fn read(&mut self, facts: &crate::shipped::ScriptFacts, found_in: &str) {
        for call in &facts.calls {
            if let Some(request) = calls::request_of(call)
                && !self.requests.iter().any(|d| {
                    d.request.method == request.method && d.request.target == request.target
                })
            {
                if request
                    .target
                    .path
                    .trim_end_matches('/')
                    .ends_with("graphql")
                {
                    push_once(&mut self.graphql_endpoints, full(&request.target));
                }
                self.requests.push(Discovered {
                    request,
                    found_in: found_in.to_string(),
                });
            }
            if let Some(client) = services::client_of(call, found_in)
                && !self
                    .baas
                    .iter()
                    .any(|c| c.url == client.url && c.key == client.key)
            {
                self.baas.push(client);
            }
            if let Some((kind, name)) = services::resource_of(call)
                && !self
                    .resources
                    .iter()
                    .any(|r| r.kind == kind && r.name == name)
            {
                let args = (kind == ResourceKind::Function)
                    .then(|| call.args.get(1).and_then(|a| a.to_json()))
                    .flatten()
                    .map(|json| json.to_string());
                self.resources.push(Resource {
                    kind,
                    name,
                    args,
                    found_in: found_in.to_string(),
                });
            }
            if let Some(sign_in) = services::superuser_sign_in(call, found_in)
                && !self
                    .superuser_sign_ins
                    .iter()
                    .any(|s| s.password == sign_in.password)
            {
                self.superuser_sign_ins.push(sign_in);
            }
            if let Some(project) = services::firebase_project_of(call)
                && !self.firebase.iter().any(|(p, _)| *p == project)
            {
                self.firebase.push((project, found_in.to_string()));
            }
            if let Some(endpoint) = services::graphql_endpoint_of(call) {
                push_once(&mut self.graphql_endpoints, endpoint);
            }
        }
        // A minifier renames `new PocketBase(url)`; a constructor given only a URL in a
        // script that names collections is the same client.
        if !self.baas.iter().any(|c| c.kind == BaasKind::PocketBase)
            && facts.calls.iter().any(|c| {
                matches!(
                    services::resource_of(c),
                    Some((ResourceKind::Collection, _))
                )
            })
            && let Some(client) = facts
                .calls
                .iter()
                .find_map(|c| services::url_only_client(c, found_in))
        {
            self.baas.push(client);
        }
        for document in &facts.documents {
            push_once(&mut self.graphql_documents, document.clone());
        }
    }

    /// Reads that the scripts make on the app's own origin and the profile does not
    /// declare, as routes the checks can probe: GET, no placeholder to fill, under
    /// base_url's path (a browser's `/api/x` is the route `/x` of a base_url ending in
    /// `/api`), and no declared route of the same method matching the path. `found_in`
    /// names the script.
    pub fn undeclared_reads(&self, profile: &Profile) -> Undeclared {
        self.undeclared(profile, |path| {
            (!path.contains('{')).then(|| path.to_string())
        })
    }

    /// Reads the scripts make of one tenant's object (`/api/orgs/${org}/members`) that the
    /// profile does not declare, where each hole is named like one of the profile's tenant
    /// values (`{orgs_id}` is `org`): as routes whose placeholders those values fill, so
    /// each tenant's object can be asked for as another tenant.
    pub fn undeclared_records(&self, profile: &Profile) -> Undeclared {
        let keys: Vec<&String> = match profile.tenants.values().next() {
            Some(first) => first
                .keys()
                .filter(|k| {
                    profile
                        .tenants
                        .values()
                        .all(|values| values.contains_key(*k))
                })
                .collect(),
            None => return Undeclared::default(),
        };
        self.undeclared(profile, |path| {
            let names = crate::profile::validator::placeholder_names(path).ok()?;
            if names.is_empty() {
                return None;
            }
            let mut renamed = path.to_string();
            for name in names {
                let mut matching = keys.iter().filter(|k| stem(k) == stem(name));
                let key = matching.next()?;
                if matching.next().is_some() {
                    return None;
                }
                renamed = renamed.replace(&format!("{{{name}}}"), &format!("{{{key}}}"));
            }
            Some(renamed)
        })
    }

    /// GET requests on the app's own origin (the first [`MAX_PROBED`] of them: each is asked
    /// by several identities in several checks), under base_url's path (a browser's `/api/x`
    /// is the route `/x` of a base_url ending in `/api`), with no query placeholder, whose
    /// path `shape` accepts (and may rewrite), and which no declared route of the same
    /// method matches.
    fn undeclared(&self, profile: &Profile, shape: impl Fn(&str) -> Option<String>) -> Undeclared {
        let base = &profile.target.base_url;
        let own = base.origin().ascii_serialization();
        let prefix = base.path().trim_end_matches('/');
        let routes = self
            .requests
            .iter()
            .filter(|d| d.request.method == Method::Get)
            .filter(|d| d.request.target.origin.as_deref().is_none_or(|o| o == own))
            .filter(|d| !d.request.target.query.iter().any(|(_, v)| v.contains('{')))
            .filter_map(|d| {
                let path = if prefix.is_empty() {
                    d.request.target.path.as_str()
                } else {
                    d.request
                        .target
                        .path
                        .strip_prefix(prefix)
                        .filter(|rest| rest.starts_with('/'))?
                };
                Some((d, shape(path)?))
            })
            .filter(|(d, path)| {
                !profile
                    .routes
                    .iter()
                    .any(|r| r.method == d.request.method && same_route(&r.path, path))
            })
            .map(|(d, path)| {
                let route = Route {
                    name: format!("discovered {}", d.request.target.path),
                    method: Method::Get,
                    path,
                    auth: Auth::Required,
                    roles: Vec::new(),
                    hidden: false,
                    query: d.request.target.query.clone(),
                    body: None,
                    allow_writes: false,
                    reads: false,
                    onboarding: false,
                };
                (route, d.found_in.clone())
            });
        let mut routes: Vec<(Route, String)> = routes.collect();
        let unprobed = routes.len().saturating_sub(MAX_PROBED);
        routes.truncate(MAX_PROBED);
        Undeclared { routes, unprobed }
    }
}

/// A key's stem: `orgs_id`, `org_id`, `orgId` and `org` all give `org`.
pub fn stem(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    let lower = lower
        .strip_suffix("_id")
        .or_else(|| lower.strip_suffix("id"))
        .unwrap_or(&lower)
        .trim_end_matches('_');
    lower.strip_suffix('s').unwrap_or(lower).to_string()
}

fn push_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// A target as one string: `https://api.acme.test/graphql` or `/graphql`.
pub fn full(target: &Target) -> String {
    format!("{}{}", target.origin.as_deref().unwrap_or(""), target.path)
}

/// Whether two route paths name the same route: segment by segment, a `{placeholder}` on
/// either side matching any one segment; a trailing slash does not count.
pub fn same_route(a: &str, b: &str) -> bool {
    let split = |p: &str| -> Vec<String> {
        p.trim_end_matches('/')
            .split('/')
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (split(a), split(b));
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x == y
                || (x.starts_with('{') && x.ends_with('}'))
                || (y.starts_with('{') && y.ends_with('}'))
        })
}

/// The surface, read once per audit however many checks ask.
pub async fn surface(ctx: &Ctx) -> Arc<Surface> {
    let cell = ctx.slot(|_| tokio::sync::OnceCell::<Shared<Arc<Surface>>>::new());
    cell.get_or_init(|| {
        Shared::compute(async {
            let bundle = crate::shipped::collect(ctx).await;
            let surface = Surface::of(&bundle);
            // What bypasses the rules is redacted from every report, whichever check says
            // it first (or none does).
            for key in &surface.privileged_keys {
                ctx.redactor.add(key.value.clone());
            }
            for sign_in in &surface.superuser_sign_ins {
                ctx.redactor.add(sign_in.password.clone());
            }
            Arc::new(surface)
        })
    })
    .await
    .read()
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_reads_sit_under_base_urls_path() {
        let profile = crate::profile::parse(
            "test.toml",
            "[target]\nname = \"t\"\nbase_url = \"https://app.acme.test/api/\"\n\n[[routes]]\nname = \"me\"\npath = \"/me\"\nauth = \"required\"\n",
            std::path::Path::new("."),
            &|_| None,
        )
        .unwrap_or_else(|e| panic!("{:?}", e.0.first().map(|e| &e.message)));
        let get = |path: &str, origin: Option<&str>| Discovered {
            request: Request {
                method: Method::Get,
                target: Target {
                    origin: origin.map(str::to_string),
                    path: path.into(),
                    query: Vec::new(),
                },
                body: None,
                fields: Vec::new(),
            },
            found_in: "app.js".into(),
        };
        let surface = Surface {
            requests: vec![
                get("/api/projects", None),
                get("/api/me", None),
                get("/health", None),
                get("/api/teams", Some("https://app.acme.test")),
                get("/api/people", Some("https://cdn.test")),
            ],
            ..Surface::default()
        };
        let reads: Vec<String> = surface
            .undeclared_reads(&profile)
            .routes
            .into_iter()
            .map(|(route, _)| route.path)
            .collect();
        assert_eq!(reads, ["/projects", "/teams"]);
        // Past the cap, the routes left out are counted and said, never dropped silently.
        let many = Surface {
            requests: (0..MAX_PROBED + 3)
                .map(|i| get(&format!("/api/r{i}"), None))
                .collect(),
            ..Surface::default()
        };
        let capped = many.undeclared_reads(&profile);
        assert_eq!((capped.routes.len(), capped.unprobed), (MAX_PROBED, 3));
        let note = capped.unprobed_note("reads").expect("said");
        assert!(note.subject.starts_with("3 more reads") && note.detail.contains("at most 50"));
        assert!(
            surface
                .undeclared_reads(&profile)
                .unprobed_note("reads")
                .is_none()
        );
    }

    #[test]
    fn routes_match_across_placeholders() {
        assert!(same_route(
            "/api/projects/{id}",
            "/api/projects/{projects_id}"
        ));
        assert!(same_route("/api/projects/{id}", "/api/projects/p-101"));
        assert!(same_route("/api/me/", "/api/me"));
        assert!(!same_route("/api/projects", "/api/projects/{id}"));
        assert!(!same_route("/api/notes", "/api/projects"));
    }
}

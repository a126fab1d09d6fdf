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

use std::sync::Arc;

use crate::ctx::Ctx;
use crate::profile::{Auth, Method, Profile, Route};
use crate::shipped::Bundle;

pub use calls::{Request, Target};
pub use services::{BaasClient, BaasKind, ResourceKind};

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
    pub found_in: String,
}

/// What the app ships says about the API it uses.
#[derive(Debug, Default)]
pub struct Surface {
    /// Each (method, target) once, in the order found.
    pub requests: Vec<Discovered>,
    pub baas: Vec<BaasClient>,
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
        surface
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
                self.resources.push(Resource {
                    kind,
                    name,
                    found_in: found_in.to_string(),
                });
            }
            if let Some(endpoint) = services::graphql_endpoint_of(call) {
                push_once(&mut self.graphql_endpoints, endpoint);
            }
        }
        for document in &facts.documents {
            push_once(&mut self.graphql_documents, document.clone());
        }
    }

    /// Reads that the scripts make on the app's own origin and the profile does not
    /// declare, as routes the checks can probe: GET, no placeholder to fill, and no
    /// declared route of the same method matching the path. `found_in` names the script.
    pub fn undeclared_reads(&self, profile: &Profile) -> Vec<(Route, String)> {
        let own = profile.target.base_url.origin().ascii_serialization();
        self.requests
            .iter()
            .filter(|d| d.request.method == Method::Get)
            .filter(|d| d.request.target.origin.as_deref().is_none_or(|o| o == own))
            .filter(|d| {
                !d.request.target.path.contains('{')
                    && !d.request.target.query.iter().any(|(_, v)| v.contains('{'))
            })
            .filter(|d| {
                !profile.routes.iter().any(|r| {
                    r.method == d.request.method && same_route(&r.path, &d.request.target.path)
                })
            })
            .map(|d| {
                let route = Route {
                    name: format!("discovered {}", d.request.target.path),
                    method: Method::Get,
                    path: d.request.target.path.clone(),
                    auth: Auth::Required,
                    roles: Vec::new(),
                    hidden: false,
                    query: d.request.target.query.clone(),
                    body: None,
                    allow_writes: false,
                    onboarding: false,
                };
                (route, d.found_in.clone())
            })
            .collect()
    }
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
    let cell = ctx.slot(|_| tokio::sync::OnceCell::<Arc<Surface>>::new());
    cell.get_or_init(|| async {
        let bundle = crate::shipped::collect(ctx).await;
        Arc::new(Surface::of(&bundle))
    })
    .await
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

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

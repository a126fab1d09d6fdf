//! `init`: `[[graphql]]` from the GraphQL endpoints the pages' scripts set their clients up
//! with, on the app's own origin, and the operation documents the scripts carry as
//! commented suggestions (their ids are the user's to give as `{placeholders}`).

use std::fmt::Write as _;

use super::Starter;
use crate::discovery::Surface;

/// An endpoint to write, with the documents to suggest.
#[derive(Clone, Debug)]
pub struct GraphqlStarter {
    /// A path under base_url, or a full URL.
    pub path: String,
    pub documents: Vec<String>,
}

/// Documents suggested per endpoint at most.
const MAX_DOCUMENTS: usize = 5;

pub fn apply(surface: &Surface, own_origin: &str, starter: &mut Starter) {
    for endpoint in &surface.graphql_endpoints {
        let path = match endpoint.strip_prefix(own_origin) {
            Some(path) if path.starts_with('/') => path.to_string(),
            _ if endpoint.starts_with('/') => endpoint.clone(),
            // Another origin: the profile does not name it, so init does not either.
            _ => continue,
        };
        if starter.graphql.iter().any(|g| g.path == path) {
            continue;
        }
        starter.graphql.push(GraphqlStarter {
            path,
            documents: surface
                .graphql_documents
                .iter()
                .filter(|d| {
                    !d.trim_start().starts_with("mutation")
                        && !d.trim_start().starts_with("fragment")
                })
                .take(MAX_DOCUMENTS)
                .cloned()
                .collect(),
        });
    }
}

pub fn render(graphql: &GraphqlStarter) -> String {
    let mut out = String::new();
    out.push_str("\n# A GraphQL endpoint the pages' scripts talk to: the graphql.* checks probe it.\n[[graphql]]\n");
    let _ = writeln!(out, "path = {}", toml::Value::String(graphql.path.clone()));
    out.push_str(
        "# public_fields = [\"posts\"]   # FILL IN: root fields meant to answer strangers\n",
    );
    for document in &graphql.documents {
        let one_line: String = document.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str("# An operation the scripts carry: give its ids as {placeholders} from [tenants.*] and uncomment.\n");
        out.push_str("# [[graphql.operations]]\n");
        let _ = writeln!(out, "# query = {}", toml::Value::String(one_line));
        out.push_str("# variables = { id = \"{…}\" }\n");
    }
    out
}

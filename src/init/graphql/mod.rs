//! `init`: `[[graphql]]` from the GraphQL endpoints the pages' scripts set their clients up
//! with, on the app's own origin (else the first usual path that answers `{__typename}`),
//! and the operation documents the scripts carry, or that the schema implies (introspection
//! where the server hands it out, else the SDL given with `--graphql-schema`,
//! [`schema`]): live where `--probe` measured each identity's own id for them
//! ([`Measured`]), else commented suggestions (their ids are the user's to give as
//! `{placeholders}`).

mod probe;
mod recover;
pub mod schema;

pub use probe::measure;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Starter;
use crate::checks::graphql::client;
use crate::discovery::Surface;
use schema::{IdSource, Schema};

/// An endpoint to write, with the documents to suggest.
#[derive(Clone, Debug)]
pub struct GraphqlStarter {
    /// A path under base_url, or a full URL.
    pub path: String,
    pub documents: Vec<String>,
    /// The sign-in mutation the scripts send, for the login burst.
    pub login: Option<LoginMutation>,
    /// Documents `--probe` made live, with the list that shows each identity its own id.
    pub measured: Vec<Measured>,
    /// Root field read by one id → where the schema shows a caller an id of its type of
    /// its own. Without a schema, `--probe` asks the field's plural.
    pub own_ids: BTreeMap<String, IdSource>,
    /// Whether a schema was read: then a field it shows no own id for is not guessed.
    pub schema_read: bool,
    /// Root queries that take no argument, as documents (from the schema): `--probe` asks
    /// each anonymously and as each identity for `public_fields`.
    pub open_reads: Vec<(String, String)>,
    /// Root fields `--probe` saw served to a stranger exactly as to both identities.
    pub public_fields: Vec<String>,
    /// Root queries that take text to look for (from the schema): (field, document, its
    /// required arguments). `--probe` gives them text from the first identity's own data.
    pub searches: Vec<(String, String, Vec<String>)>,
    /// Searches `--probe` saw serve the first identity: (field, document, the variables).
    pub measured_searches: Vec<(String, String, toml::Table)>,
}

impl GraphqlStarter {
    pub fn new(path: String) -> GraphqlStarter {
        GraphqlStarter {
            path,
            documents: Vec::new(),
            login: None,
            measured: Vec::new(),
            own_ids: BTreeMap::new(),
            schema_read: false,
            open_reads: Vec::new(),
            public_fields: Vec::new(),
            searches: Vec::new(),
            measured_searches: Vec::new(),
        }
    }

    /// Takes in what `schema` implies: its sign-in mutation (when the scripts sent none),
    /// a document per root field read by one id (beside the scripts' own, at most
    /// [`MAX_DOCUMENTS`]) with the list of its type, and the root queries that take no
    /// argument.
    pub fn adopt(&mut self, schema: &Schema) {
        self.schema_read = true;
        if self.login.is_none() {
            let mutations: Vec<String> = schema
                .mutations
                .iter()
                .filter(|m| LOGIN_FIELDS.contains(&bare(&m.name).as_str()))
                .filter_map(|m| schema.document(m, true, false))
                .collect();
            self.login = login_mutation(&mutations);
        }
        for lookup in schema.lookups() {
            let asked = self.documents.iter().any(|d| {
                crate::checks::graphql::cfg::document::read(d)
                    .is_ok_and(|d| d.root_fields.contains(&lookup.field))
            });
            if !asked && self.documents.len() < MAX_DOCUMENTS {
                self.documents.push(lookup.document);
            }
            if let Some(own) = lookup.own {
                self.own_ids.entry(lookup.field).or_insert(own);
            }
        }
        for search in schema.searches() {
            if self.searches.len() < MAX_SEARCHES
                && !self.searches.iter().any(|(f, ..)| *f == search.0)
            {
                self.searches.push(search);
            }
        }
        for field in &schema.queries {
            if field.arguments.iter().all(|a| !a.ty.required())
                && !self.open_reads.iter().any(|(f, _)| *f == field.name)
                && let Some(document) = schema.document(field, false, true)
            {
                self.open_reads.push((field.name.clone(), document));
            }
        }
    }
}

/// A root field's name lower case without separators (`logIn` → `login`).
fn bare(field: &str) -> String {
    field
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A document reading one root field by a variable (`invoice(id: $id)`), and the document
/// that showed each identity an id of its own (`{ invoices { id } }`): written with `ids`
/// (graphql.access takes each identity's id from its own answer) beside the document with
/// the id as its variable.
#[derive(Clone, Debug)]
pub struct Measured {
    pub document: String,
    pub variable: String,
    pub own: IdSource,
    pub placeholder: String,
}

/// A sign-in mutation a script sends (`login(email: $email, password: $password) { token
/// }`): its root field, the arguments carrying the user and the password, and what it
/// selects.
#[derive(Clone, Debug)]
pub struct LoginMutation {
    pub field: String,
    pub user_argument: String,
    pub password_argument: String,
    pub selection: String,
    /// The whole document, and the variables carrying the user and the password: how
    /// the identities sign in where nothing else logs them in.
    pub document: String,
    pub user_variable: String,
    pub password_variable: String,
}

/// Where nothing else logs the identities in (no login form, no spec's login), they sign
/// in with the first endpoint's sign-in mutation, as the app's clients do: its document
/// with their user and password as its variables. The token is where the mutation selects
/// it when that reads as a token (`login { token }` → `/data/login/token`); else `--probe`
/// measures it.
pub fn sign_in(starter: &mut Starter) {
    if starter.login.is_some() {
        return;
    }
    let Some((path, login)) = starter
        .graphql
        .iter()
        .find_map(|g| g.login.as_ref().map(|l| (g.path.clone(), l.clone())))
    else {
        return;
    };
    let lower = login.selection.to_ascii_lowercase();
    let token_pointer = (lower.contains("token") || lower.contains("jwt"))
        .then(|| format!("/data/{}/{}", login.field, login.selection));
    starter.login = Some(super::LoginStarter {
        path,
        user_field: login.user_variable,
        password_field: login.password_variable,
        token_pointer,
        graphql_document: Some(
            login
                .document
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        ),
    });
}

/// Documents suggested per endpoint at most.
const MAX_DOCUMENTS: usize = 5;

/// Searches written per endpoint at most (each costs `--probe` a few requests).
const MAX_SEARCHES: usize = 3;

/// Root fields that sign a user in, compared lower case without separators.
const LOGIN_FIELDS: &[&str] = &[
    "login",
    "signin",
    "loginuser",
    "authenticate",
    "authenticateuser",
    "tokenauth",
];

/// The sign-in mutation among `documents`: a mutation whose root field signs in
/// ([`LOGIN_FIELDS`]) with a user and a password given as variables.
fn login_mutation(documents: &[String]) -> Option<LoginMutation> {
    documents.iter().find_map(|text| {
        let document = crate::checks::graphql::cfg::document::read(text).ok()?;
        if !document.mutation {
            return None;
        }
        document.root_fields.iter().find_map(|field| {
            if !LOGIN_FIELDS.contains(&bare(field).as_str()) {
                return None;
            }
            let arguments: Vec<(&str, &str)> = document
                .variable_arguments
                .iter()
                .filter(|(f, _, _)| f == field)
                .map(|(_, argument, variable)| (argument.as_str(), variable.as_str()))
                .collect();
            let named = |names: &[&str]| {
                names.iter().find_map(|n| {
                    arguments
                        .iter()
                        .find(|(a, _)| a.eq_ignore_ascii_case(n))
                        .copied()
                })
            };
            let (user, password) = (named(super::USER_FIELDS)?, named(super::PASSWORD_FIELDS)?);
            let selection = document
                .first_selections
                .iter()
                .find(|(f, _)| f == field)
                .map_or_else(|| "__typename".to_string(), |(_, s)| s.clone());
            Some(LoginMutation {
                field: field.clone(),
                user_argument: user.0.to_string(),
                password_argument: password.0.to_string(),
                selection,
                document: text.clone(),
                user_variable: user.1.to_string(),
                password_variable: password.1.to_string(),
            })
        })
    })
}

pub fn apply(surface: &Surface, own_origin: &str, starter: &mut Starter) {
    for endpoint in &surface.graphql_endpoints {
        let path = match endpoint.strip_prefix(own_origin) {
            Some(path) if path.starts_with('/') => path.to_string(),
            _ if endpoint.starts_with('/') => endpoint.clone(),
            // Another origin: the profile does not name it, so init does not either.
            _ => continue,
        };
        // The endpoint is the graphql family's, not a route: its requests are operations.
        starter.routes.retain(|route| route.path != path);
        if let Some(known) = starter.graphql.iter_mut().find(|g| g.path == path) {
            if known.login.is_none() {
                known.login = login_mutation(&surface.graphql_documents);
            }
            continue;
        }
        let mut graphql = GraphqlStarter::new(path);
        graphql.login = login_mutation(&surface.graphql_documents);
        graphql.documents = surface
            .graphql_documents
            .iter()
            .filter(|d| {
                !d.trim_start().starts_with("mutation") && !d.trim_start().starts_with("fragment")
            })
            .take(MAX_DOCUMENTS)
            .cloned()
            .collect();
        starter.graphql.push(graphql);
    }
}

/// Where nothing the app ships names a GraphQL endpoint: `url` itself when it has a path
/// (the user pointed at the endpoint), then the family's usual paths, the first that
/// answers `{__typename}` as GraphQL does (the control the graphql checks stand on).
pub async fn find_endpoint(ctx: &crate::ctx::Ctx, url: &url::Url, starter: &mut Starter) {
    if !starter.graphql.is_empty() {
        return;
    }
    let given = (url.path() != "/").then(|| url.path().to_string());
    for path in given.iter().map(String::as_str).chain(client::USUAL_PATHS) {
        let Ok(candidate) = url.join(path) else {
            continue;
        };
        if client::confirmed(ctx, &candidate).await.is_ok() {
            starter.routes.retain(|route| route.path != path);
            starter.notes.push(format!(
                "a GraphQL endpoint: {path} (it answered {{__typename}}; nothing the pages ship names it)"
            ));
            starter.graphql.push(GraphqlStarter::new(path.to_string()));
            return;
        }
    }
}

/// Each endpoint's schema taken in ([`GraphqlStarter::adopt`]): the SDL the user gave
/// (`--graphql-schema`, for the first endpoint), else what introspection hands a stranger,
/// else what its validation errors show ([`recover`]); where none does, the note says how
/// to give it.
pub async fn read_schemas(ctx: &crate::ctx::Ctx, starter: &mut Starter) {
    let mut notes = Vec::new();
    let given = starter.graphql_schema.take();
    for (i, graphql) in starter.graphql.iter_mut().enumerate() {
        if let (0, Some((file, schema))) = (i, &given) {
            graphql.adopt(schema);
            notes.push(format!(
                "GraphQL {}: its schema was read from {file} ({})",
                graphql.path,
                schema.size()
            ));
            continue;
        }
        let Ok(url) = ctx.profile.url_for(&graphql.path) else {
            continue;
        };
        let body = serde_json::json!({ "query": schema::INTROSPECTION });
        let answer = client::ask(ctx, &url, client::Send::Json(body), None).await;
        let read = answer
            .map_err(|failure| failure.to_string())
            .and_then(|answer| {
                let whole = serde_json::json!({ "data": answer.data });
                Schema::from_introspection(&whole).map_err(|_| answer.describe())
            });
        match read {
            Ok(schema) => {
                graphql.adopt(&schema);
                notes.push(format!(
                    "GraphQL {}: its schema was read by introspection ({})",
                    graphql.path,
                    schema.size()
                ));
            }
            Err(why) => match recover::recover(ctx, &url).await {
                Some(schema) => {
                    graphql.adopt(&schema);
                    notes.push(format!(
                        "GraphQL {}: introspection refused ({why}); the schema was recovered from its validation errors, asking common names in documents that never execute ({}): give its SDL with --graphql-schema FILE for the whole of it",
                        graphql.path,
                        schema.size()
                    ));
                }
                None => notes.push(format!(
                    "GraphQL {}: introspection refused ({why}), and its validation errors name no field: give your schema's SDL with --graphql-schema FILE for init to write its operations and login",
                    graphql.path
                )),
            },
        }
    }
    starter.notes.extend(notes);
}

/// `--graphql-schema FILE`: the SDL read, for [`read_schemas`] to take in.
pub fn load_sdl(path: &std::path::Path) -> Result<(String, Schema), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    Ok((path.display().to_string(), Schema::from_sdl(&text)?))
}

/// `[[graphql]]` for one endpoint; `burst_identifier` is who the login burst signs in as.
pub fn render(graphql: &GraphqlStarter, burst_identifier: &str) -> String {
    let mut out = String::new();
    out.push_str("\n# A GraphQL endpoint the pages' scripts talk to: the graphql.* checks probe it.\n[[graphql]]\n");
    let _ = writeln!(out, "path = {}", toml::Value::String(graphql.path.clone()));
    if graphql.public_fields.is_empty() {
        out.push_str(
            "# public_fields = [\"posts\"]   # FILL IN: root fields meant to answer strangers\n",
        );
    } else {
        let fields: Vec<toml::Value> = graphql
            .public_fields
            .iter()
            .map(|f| toml::Value::String(f.clone()))
            .collect();
        let _ = writeln!(
            out,
            "public_fields = {}   # measured: strangers are served what alice and mallory are; remove any not meant for everyone",
            toml::Value::Array(fields)
        );
    }
    if let Some(login) = &graphql.login {
        out.push_str("# The sign-in mutation the scripts send, tried with a wrong password (graphql.login-limit).
[graphql.login]
");
        let _ = writeln!(out, "field = {}", toml::Value::String(login.field.clone()));
        let mut arguments = toml::Table::new();
        arguments.insert(
            login.user_argument.clone(),
            toml::Value::String(burst_identifier.to_string()),
        );
        arguments.insert(
            login.password_argument.clone(),
            toml::Value::String("not-the-password".into()),
        );
        let _ = writeln!(out, "arguments = {}", toml::Value::Table(arguments));
        let _ = writeln!(
            out,
            "selection = {}",
            toml::Value::String(login.selection.clone())
        );
    }
    let one_line = |document: &str| document.split_whitespace().collect::<Vec<_>>().join(" ");
    for measured in &graphql.measured {
        let own = &measured.own;
        let _ = writeln!(
            out,
            "# measured: `{}` shows alice and mallory each an id of their own (init --probe)",
            own.document
        );
        out.push_str("[[graphql.operations]]\n");
        let _ = writeln!(
            out,
            "name = {}",
            toml::Value::String(format!("my {}", own.label))
        );
        let _ = writeln!(out, "query = {}", toml::Value::String(own.document.clone()));
        let _ = writeln!(
            out,
            "ids = {{ {} = {} }}",
            measured.placeholder,
            toml::Value::String(own.pointer.clone())
        );
        out.push_str("[[graphql.operations]]\n");
        let _ = writeln!(
            out,
            "query = {}",
            toml::Value::String(one_line(&measured.document))
        );
        let _ = writeln!(
            out,
            "variables = {{ {} = {} }}",
            measured.variable,
            toml::Value::String(format!("{{{}}}", measured.placeholder))
        );
    }
    for (field, document, variables) in &graphql.measured_searches {
        let _ = writeln!(
            out,
            "# measured: finds alice something with text from her own record (init --probe)"
        );
        out.push_str("[[graphql.operations]]\n");
        let _ = writeln!(out, "name = {}", toml::Value::String(field.clone()));
        let _ = writeln!(out, "query = {}", toml::Value::String(document.clone()));
        let _ = writeln!(out, "variables = {}", toml::Value::Table(variables.clone()));
    }
    for document in graphql
        .documents
        .iter()
        .filter(|d| !graphql.measured.iter().any(|m| &m.document == *d))
    {
        let one_line = one_line(document);
        out.push_str("# An operation the scripts carry: give its ids as {placeholders} from [tenants.*] and uncomment.\n");
        out.push_str("# [[graphql.operations]]\n");
        let _ = writeln!(out, "# query = {}", toml::Value::String(one_line));
        out.push_str("# variables = { id = \"{…}\" }\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_mutation_is_read_from_the_scripts_documents() {
        let documents = vec![
            "query Invoice($id: ID!) { invoice(id: $id) { id } }".to_string(),
            "mutation Login($e: String!, $p: String!) { logIn(email: $e, password: $p) { token user { id } } }"
                .to_string(),
        ];
        let login = login_mutation(&documents).expect("a login");
        assert_eq!(
            (
                login.field.as_str(),
                login.user_argument.as_str(),
                login.password_argument.as_str(),
                login.selection.as_str()
            ),
            ("logIn", "email", "password", "token")
        );
        // A mutation that takes no password signs nobody in.
        assert!(
            login_mutation(&["mutation($e: String!) { login(email: $e) { ok } }".to_string()])
                .is_none()
        );
    }
}

//! `init`: `[[graphql]]` from the GraphQL endpoints the pages' scripts set their clients up
//! with, on the app's own origin, and the operation documents the scripts carry: live where
//! `--probe` measured each identity's own id for them ([`Measured`]), else commented
//! suggestions (their ids are the user's to give as `{placeholders}`).

use std::fmt::Write as _;

use super::Starter;
use crate::discovery::Surface;

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
}

/// A document reading one root field by a variable (`invoice(id: $id)`), and the list
/// field that showed each identity an id of its own (`invoices`): written as that list
/// with `ids` (graphql.access takes each identity's id from its own answer) beside the
/// document with the id as its variable.
#[derive(Clone, Debug)]
pub struct Measured {
    pub document: String,
    pub variable: String,
    pub list_field: String,
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
}

/// Documents suggested per endpoint at most.
const MAX_DOCUMENTS: usize = 5;

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
            let bare: String = field
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if !LOGIN_FIELDS.contains(&bare.as_str()) {
                return None;
            }
            let arguments: Vec<&str> = document
                .variable_arguments
                .iter()
                .filter(|(f, _, _)| f == field)
                .map(|(_, argument, _)| argument.as_str())
                .collect();
            let named = |names: &[&str]| {
                names
                    .iter()
                    .find_map(|n| arguments.iter().find(|a| a.eq_ignore_ascii_case(n)))
                    .copied()
            };
            let (user, password) = (named(super::USER_FIELDS)?, named(super::PASSWORD_FIELDS)?);
            let selection = document
                .first_selections
                .iter()
                .find(|(f, _)| f == field)
                .map_or_else(|| "__typename".to_string(), |(_, s)| s.clone());
            Some(LoginMutation {
                field: field.clone(),
                user_argument: user.to_string(),
                password_argument: password.to_string(),
                selection,
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
        starter.graphql.push(GraphqlStarter {
            measured: Vec::new(),
            login: login_mutation(&surface.graphql_documents),
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

/// `[[graphql]]` for one endpoint; `burst_identifier` is who the login burst signs in as.
pub fn render(graphql: &GraphqlStarter, burst_identifier: &str) -> String {
    let mut out = String::new();
    out.push_str("\n# A GraphQL endpoint the pages' scripts talk to: the graphql.* checks probe it.\n[[graphql]]\n");
    let _ = writeln!(out, "path = {}", toml::Value::String(graphql.path.clone()));
    out.push_str(
        "# public_fields = [\"posts\"]   # FILL IN: root fields meant to answer strangers\n",
    );
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
        let list = format!("{{ {} {{ id }} }}", measured.list_field);
        let _ = writeln!(
            out,
            "# measured: `{list}` shows alice and mallory each an id of their own (init --probe)"
        );
        out.push_str("[[graphql.operations]]\n");
        let _ = writeln!(
            out,
            "name = {}",
            toml::Value::String(format!("my {}", measured.list_field))
        );
        let _ = writeln!(out, "query = {}", toml::Value::String(list));
        let _ = writeln!(
            out,
            "ids = {{ {} = {} }}",
            measured.placeholder,
            toml::Value::String(format!("/data/{}/0/id", measured.list_field))
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

/// `--probe`: each document the scripts carry that reads one root field by a variable
/// (`invoice(id: $id)`) is made live where its ids can be measured. The plural of the
/// field (`invoices`), the list such an API usually has, is asked `{ id }` as each
/// identity: when each is shown an id and not the same one, the ids are each identity's
/// own, and the document is written with them. Only queries are asked.
pub async fn measure(
    ctx: &crate::ctx::Ctx,
    starter: &mut Starter,
    first: &crate::profile::Identity,
    second: &crate::profile::Identity,
) {
    use crate::checks::graphql::cfg::document;
    let mut notes = Vec::new();
    for graphql in &mut starter.graphql {
        let Ok(url) = ctx.profile.url_for(&graphql.path) else {
            continue;
        };
        for text in graphql.documents.clone() {
            let Ok(read) = document::read(&text) else {
                continue;
            };
            let ([field], [(_, argument, variable)]) = (
                read.root_fields.as_slice(),
                read.variable_arguments.as_slice(),
            ) else {
                continue;
            };
            if read.mutation {
                continue;
            }
            let list_field = format!("{field}s");
            let list = format!("{{ {list_field} {{ id }} }}");
            let pointer = format!("/data/{list_field}/0/id");
            let mut ids = Vec::new();
            for identity in [first, second] {
                let request =
                    crate::net::HttpRequest::new(crate::profile::Method::Post, url.clone())
                        .with_json(Some(serde_json::json!({ "query": list })))
                        .with_identity(Some(identity));
                let id = match ctx.http.send(&request).await {
                    Ok(response) if response.is_success() => {
                        serde_json::from_slice::<serde_json::Value>(&response.body)
                            .ok()
                            .and_then(|json| json.pointer(&pointer).cloned())
                            .and_then(|id| match id {
                                serde_json::Value::String(s) => Some(s),
                                serde_json::Value::Number(n) => Some(n.to_string()),
                                _ => None,
                            })
                    }
                    _ => None,
                };
                ids.push(id);
            }
            match (&ids[0], &ids[1]) {
                (Some(a), Some(b)) if a != b => {
                    notes.push(format!(
                        "GraphQL `{list}` shows {} {a} and {} {b}: `{field}({argument}: ${variable})` is written live, with each identity's own id",
                        first.name, second.name
                    ));
                    graphql.measured.push(Measured {
                        document: text.clone(),
                        variable: variable.clone(),
                        list_field,
                        placeholder: format!("{field}_{argument}"),
                    });
                }
                _ => notes.push(format!(
                    "GraphQL `{field}(${variable})`: `{list}` did not show each identity an id of its own: left as a suggestion"
                )),
            }
        }
    }
    starter.notes.extend(notes);
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

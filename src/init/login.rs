//! `init`: how the identities log in, as init writes it: a login operation's path, the
//! body's field names (or a GraphQL sign-in mutation's variables), and where the answer
//! holds the token.

/// A login operation: its path, the body's field names, and where the answer's token is.
#[derive(Debug, Clone)]
pub struct LoginStarter {
    pub path: String,
    /// The field that names the user (`email`, `username`).
    pub user_field: String,
    pub password_field: String,
    /// JSON pointer to the token in the answer, when the spec's response schema shows it.
    pub token_pointer: Option<String>,
    /// A GraphQL sign-in mutation: the body is this document, with the user and password
    /// fields as its variables (`{ query, variables: { e, p } }`).
    pub graphql_document: Option<String>,
}

impl LoginStarter {
    /// The login's JSON body for `user` and `password`: the two fields, or the GraphQL
    /// document with them as its variables.
    pub fn body(&self, user: &str, password: &str) -> serde_json::Value {
        let fields = serde_json::json!({
            self.user_field.clone(): user,
            self.password_field.clone(): password,
        });
        match &self.graphql_document {
            Some(query) => serde_json::json!({ "query": query, "variables": fields }),
            None => fields,
        }
    }
}

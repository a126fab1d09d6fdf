//! Services the browser talks to directly, as the scripts set them up: a back end as a
//! service (a Supabase-style data API with its key, PocketBase) and GraphQL endpoints.

use base64::Engine as _;

use crate::shipped::js::{Call, Literal};

/// The kind of data API a client is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BaasKind {
    /// A PostgREST data API behind a gateway that takes an `apikey` (Supabase and alikes).
    Supabase,
    PocketBase,
}

/// A back-end-as-a-service client the scripts create.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BaasClient {
    pub kind: BaasKind,
    pub url: String,
    /// The key the browser sends, when the script carries it.
    pub key: Option<String>,
    /// The role the key's own claims give (`anon`, `service_role`), when it is a JWT.
    pub role: Option<String>,
    pub found_in: String,
}

/// The `role` claim of a JWT-shaped key, `None` when it is not one.
pub fn jwt_role(key: &str) -> Option<String> {
    let mut parts = key.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("role")?.as_str().map(str::to_string)
}

fn is_api_key(text: &str) -> bool {
    text.starts_with("sb_publishable_")
        || text.starts_with("sb_secret_")
        || jwt_role(text).is_some()
}

fn http_url(literal: &Literal) -> Option<&str> {
    literal
        .text()
        .filter(|t| t.starts_with("http://") || t.starts_with("https://"))
}

/// The client a call creates, if it creates one: `createClient(url, key)` (any name: the
/// minifier renames it; the URL and key beside each other are what tell), or
/// `new PocketBase(url)`.
pub fn client_of(call: &Call, found_in: &str) -> Option<BaasClient> {
    let url = call.args.first().and_then(http_url)?;
    let key = call
        .args
        .get(1)
        .and_then(Literal::text)
        .filter(|k| is_api_key(k));
    let kind = if key.is_some() {
        BaasKind::Supabase
    } else if call.construct && call.method_name().eq_ignore_ascii_case("pocketbase") {
        BaasKind::PocketBase
    } else {
        return None;
    };
    Some(BaasClient {
        kind,
        url: url.trim_end_matches('/').to_string(),
        key: key.map(str::to_string),
        role: key.and_then(jwt_role),
        found_in: found_in.to_string(),
    })
}

/// A PocketBase client whose constructor the minifier renamed: `new K("https://…")`, with
/// the URL its only argument (the caller knows the script names collections).
pub fn url_only_client(call: &Call, found_in: &str) -> Option<BaasClient> {
    let [url] = call.args.as_slice() else {
        return None;
    };
    let url = http_url(url).filter(|_| call.construct)?;
    Some(BaasClient {
        kind: BaasKind::PocketBase,
        url: url.trim_end_matches('/').to_string(),
        key: None,
        role: None,
        found_in: found_in.to_string(),
    })
}

/// What a data API's client names: a table or view (`from`), a database function
/// (`rpc`), a PocketBase collection (`collection`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResourceKind {
    Table,
    Function,
    Collection,
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResourceKind::Table => "table",
            ResourceKind::Function => "function",
            ResourceKind::Collection => "collection",
        })
    }
}

/// The table, function or collection a call names: `from("notes")`, `rpc("stats")`,
/// `collection("posts")`.
pub fn resource_of(call: &Call) -> Option<(ResourceKind, String)> {
    let kind = match call.method_name() {
        "from" => ResourceKind::Table,
        "rpc" => ResourceKind::Function,
        "collection" => ResourceKind::Collection,
        _ => return None,
    };
    let name = call.args.first()?.text()?;
    let plausible = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    plausible.then(|| (kind, name.to_string()))
}

/// A GraphQL endpoint a client is set up with: `new ApolloClient({uri})`,
/// `new GraphQLClient(url)`, `createClient({url})` of urql.
pub fn graphql_endpoint_of(call: &Call) -> Option<String> {
    call.args.iter().find_map(|arg| {
        let text = match arg {
            Literal::Text(text) => Some(text.as_str()),
            Literal::Object(members) => members
                .get("uri")
                .or_else(|| members.get("url"))
                .and_then(Literal::text),
            _ => None,
        }?;
        let path = text.split(['?', '#']).next().unwrap_or(text);
        path.trim_end_matches('/')
            .ends_with("graphql")
            .then(|| path.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shipped::js::read;

    #[test]
    fn finds_a_supabase_client_its_key_role_and_tables() {
        // {"alg":"HS256"} . {"role":"anon"} . sig
        let key = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln";
        let facts = read(&format!(
            r#"const s=Xe("http://127.0.0.1:54321/","{key}");s.from("notes").select("*");s.rpc("stats");const pb=new PocketBase("http://127.0.0.1:8090");pb.collection("posts").getList();new ApolloClient({{uri:"/graphql",cache:c}})"#
        ));
        let clients: Vec<BaasClient> = facts
            .calls
            .iter()
            .filter_map(|c| client_of(c, "app.js"))
            .collect();
        assert_eq!(clients.len(), 2, "{clients:?}");
        assert_eq!(clients[0].kind, BaasKind::Supabase);
        assert_eq!(clients[0].url, "http://127.0.0.1:54321");
        assert_eq!(clients[0].role.as_deref(), Some("anon"));
        assert_eq!(clients[1].kind, BaasKind::PocketBase);
        let resources: Vec<(ResourceKind, String)> =
            facts.calls.iter().filter_map(resource_of).collect();
        assert_eq!(
            resources,
            [
                (ResourceKind::Table, "notes".to_string()),
                (ResourceKind::Function, "stats".to_string()),
                (ResourceKind::Collection, "posts".to_string())
            ]
        );
        let endpoints: Vec<String> = facts.calls.iter().filter_map(graphql_endpoint_of).collect();
        assert_eq!(endpoints, ["/graphql"]);
    }
}

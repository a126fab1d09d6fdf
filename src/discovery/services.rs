//! Services the browser talks to directly, as the scripts set them up: a back end as a
//! service (a Supabase-style data API with its key, PocketBase) and GraphQL endpoints.

use base64::Engine as _;

use crate::shipped::js::{Call, Literal};

pub use crate::checks::baas::cfg::BaasKind;

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
    jwt_claims(key)?.get("role")?.as_str().map(str::to_string)
}

/// The claims of a JWT-shaped string (not verified: what it says of itself).
fn jwt_claims(key: &str) -> Option<serde_json::Value> {
    let mut parts = key.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
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

/// A key in a script that bypasses a data API's rules, wherever it sits (not only in a
/// client's constructor).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrivilegedKey {
    /// What it is: `a Supabase service_role JWT`, `a PocketBase superuser token`.
    pub what: String,
    pub value: String,
    pub found_in: String,
}

/// PocketBase's `_superusers` collection: its id is fixed since 0.23.
const POCKETBASE_SUPERUSERS: &str = "pbc_3142635823";

/// The privileged keys in a script's text: JWTs whose claims give a privileged role or a
/// PocketBase superuser, and Supabase secret keys.
pub fn privileged_keys(text: &str, found_in: &str) -> Vec<PrivilegedKey> {
    static SHAPES: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let shapes = SHAPES.get_or_init(|| {
        regex::Regex::new(
            r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|sb_secret_[A-Za-z0-9_-]{16,}",
        )
        .expect("a valid pattern")
    });
    let mut found: Vec<PrivilegedKey> = Vec::new();
    for candidate in shapes.find_iter(text).map(|m| m.as_str()) {
        let what = if candidate.starts_with("sb_secret_") {
            "a Supabase secret key (sb_secret_)".to_string()
        } else {
            let Some(claims) = jwt_claims(candidate) else {
                continue;
            };
            let role = claims.get("role").and_then(serde_json::Value::as_str);
            let collection = claims
                .get("collectionId")
                .and_then(serde_json::Value::as_str);
            let kind = claims.get("type").and_then(serde_json::Value::as_str);
            if let Some(role @ ("service_role" | "supabase_admin")) = role {
                format!("a Supabase {role} JWT")
            } else if collection == Some(POCKETBASE_SUPERUSERS) || kind == Some("admin") {
                "a PocketBase superuser token".to_string()
            } else {
                continue;
            }
        };
        if !found.iter().any(|k| k.value == candidate) && found.len() < 20 {
            found.push(PrivilegedKey {
                what,
                value: candidate.to_string(),
                found_in: found_in.to_string(),
            });
        }
    }
    found
}

/// Superuser credentials a script signs in with, in literals: PocketBase's
/// `pb.collection("_superusers").authWithPassword("root@…", "…")`, or the older
/// `pb.admins.authWithPassword(…)`. Whoever opens the page holds them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SuperuserSignIn {
    pub identity: String,
    pub password: String,
    pub found_in: String,
}

pub fn superuser_sign_in(call: &Call, found_in: &str) -> Option<SuperuserSignIn> {
    let superusers = call.on.as_deref() == Some("_superusers")
        || call.callee.ends_with("admins.authWithPassword");
    if call.method_name() != "authWithPassword" || !superusers {
        return None;
    }
    let identity = call.args.first()?.text()?;
    let password = call.args.get(1)?.text()?;
    (!identity.is_empty() && !password.is_empty()).then(|| SuperuserSignIn {
        identity: identity.to_string(),
        password: password.to_string(),
        found_in: found_in.to_string(),
    })
}

/// A Firebase web app's configuration: `initializeApp({apiKey, projectId, …})` under any
/// name. Its `apiKey` is publishable; what protects the data is its Security Rules.
pub fn firebase_project_of(call: &Call) -> Option<String> {
    call.args.iter().find_map(|arg| match arg {
        Literal::Object(members) => {
            let key = members.get("apiKey").and_then(Literal::text)?;
            let project = members.get("projectId").and_then(Literal::text)?;
            key.starts_with("AIza").then(|| project.to_string())
        }
        _ => None,
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

    fn jwt(claims: &str) -> String {
        let b64 = |t: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t);
        format!(
            "{}.{}.c2lnbmF0dXJlLWJ5dGVz",
            b64(r#"{"alg":"HS256"}"#),
            b64(claims)
        )
    }

    #[test]
    fn superuser_sign_ins_with_literal_credentials_are_found() {
        let facts = read(
            r#"const pb=new K("http://127.0.0.1:8090");await pb.collection("_superusers").authWithPassword("root@acme.test","s3cret!");pb.admins.authWithPassword("old@acme.test","older");pb.collection("users").authWithPassword("a@acme.test","user-pass");pb.collection("_superusers").authWithPassword(e,p)"#,
        );
        let found: Vec<(String, String)> = facts
            .calls
            .iter()
            .filter_map(|c| superuser_sign_in(c, "app.js"))
            .map(|s| (s.identity, s.password))
            .collect();
        assert_eq!(
            found,
            vec![
                ("root@acme.test".to_string(), "s3cret!".to_string()),
                ("old@acme.test".to_string(), "older".to_string()),
            ]
        );
    }

    #[test]
    fn privileged_keys_are_found_anywhere_and_publishable_ones_are_not() {
        let service = jwt(r#"{"role":"service_role","iss":"supabase"}"#);
        let anon = jwt(r#"{"role":"anon","iss":"supabase"}"#);
        let superuser = jwt(r#"{"collectionId":"pbc_3142635823","type":"auth","id":"x"}"#);
        let user = jwt(r#"{"collectionId":"_pb_users_auth_","type":"auth","id":"y"}"#);
        let text = format!(
            r#"const admin={{key:"{service}"}};const a="{anon}";localStorage.t="{superuser}";const u="{user}";const s="sb_secret_abcdefghijklmnopqrst";"#
        );
        let found: Vec<String> = privileged_keys(&text, "app.js")
            .into_iter()
            .map(|k| k.what)
            .collect();
        assert_eq!(
            found,
            [
                "a Supabase service_role JWT",
                "a PocketBase superuser token",
                "a Supabase secret key (sb_secret_)"
            ]
        );
    }

    #[test]
    fn a_firebase_config_and_a_renamed_pocketbase_client_are_recognised() {
        let facts = read(
            r#"const app=Q({apiKey:"AIzaSyA-launch-audit-0000000000000000",authDomain:"x.firebaseapp.com",projectId:"acme-prod"});const pb=new K("http://127.0.0.1:8090");pb.collection("notes").getList()"#,
        );
        let projects: Vec<String> = facts.calls.iter().filter_map(firebase_project_of).collect();
        assert_eq!(projects, ["acme-prod"]);
        let clients: Vec<BaasClient> = facts
            .calls
            .iter()
            .filter_map(|c| url_only_client(c, "app.js"))
            .collect();
        assert_eq!(clients.len(), 1);
        assert_eq!(clients[0].url, "http://127.0.0.1:8090");
    }
}

//! The profile exactly as written: serde shapes with `deny_unknown_fields`, keeping the
//! spans of the values validation may blame. `super::validate` turns these into `Profile`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub target: RawTarget,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub identities: BTreeMap<String, RawIdentity>,
    /// Tenant name → the values its route placeholders take (`community_id = "101"`).
    #[serde(default)]
    pub tenants: BTreeMap<String, BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    pub routes: Vec<RawRoute>,
    pub health: Option<RawHealth>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub name: String,
    pub base_url: Spanned<String>,
    pub domain: Option<Spanned<String>>,
    #[serde(default)]
    pub entry_points: Vec<Spanned<String>>,
    pub canonical: Option<Spanned<String>>,
    #[serde(default)]
    pub allowed_origins: Vec<Spanned<String>>,
    #[serde(default)]
    pub environment: Environment,
}

/// Where the target sits in its life; production tightens what the tool may send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Staging,
    Production,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    #[serde(default)]
    pub nameservers: Vec<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub check_timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    pub token: Spanned<String>,
    pub tenant: Option<Spanned<String>>,
    #[serde(default)]
    pub roles: Vec<String>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealth {
    pub path: Spanned<String>,
    pub identity: Option<Spanned<String>>,
    pub budget: Option<Spanned<String>>,
}

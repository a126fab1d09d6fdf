//! `[baas]`: the back end as a service the browser talks to directly (a Supabase-style
//! PostgREST data API behind a gateway that takes an `apikey`, or PocketBase), the key the
//! app ships, and which identities are its users. The family owns its section.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::profile::identity::Identity;
use crate::profile::secret::Secret;
use crate::profile::target::{Absent, Target};
use crate::profile::validator::{Validator, list_or_none};

/// The kind of data API: what the profile declares and what discovery recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BaasKind {
    /// A PostgREST data API behind a gateway that takes an `apikey` (Supabase and alikes).
    Supabase,
    PocketBase,
}

/// `[baas]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBaas {
    /// `supabase` (any PostgREST API behind an `apikey` gateway) or `pocketbase`.
    pub kind: Spanned<String>,
    /// The API's base URL, as the app's client is created with it.
    pub url: Spanned<String>,
    /// Where the REST API sits under `url`: `/rest/v1` for Supabase, `/api` for PocketBase
    /// (a PostgREST served at its root: `/`).
    pub rest_path: Option<Spanned<String>>,
    /// The public key the app ships (Supabase's anon or publishable key): sent as the
    /// client sends it, `apikey` and, with no identity, `Authorization: Bearer`.
    pub key: Option<Spanned<String>>,
    /// A key that bypasses the rules (Supabase's service_role or secret key, a PocketBase
    /// superuser token), from the environment: used only to undo the rows the write probes
    /// insert. Without it, inserts are not tried.
    pub service_key: Option<Spanned<String>>,
    /// The profile's identities that are the API's users: their credentials go to `url` too.
    #[serde(default)]
    pub identities: Vec<Spanned<String>>,
    /// Tables, views or collections meant to be read by anyone (published posts).
    #[serde(default)]
    pub public: Vec<String>,
    /// Tables, views or collections to probe besides those the app's scripts name.
    #[serde(default)]
    pub tables: Vec<String>,
    /// Database functions (`/rpc/…`) to call besides those the scripts name.
    #[serde(default)]
    pub functions: Vec<String>,
}

/// `[baas]`, validated.
#[derive(Debug)]
pub struct Baas {
    pub kind: BaasKind,
    pub url: Url,
    /// Always ends with `/`.
    pub rest_path: String,
    pub key: Option<Secret>,
    pub service_key: Option<Secret>,
    pub identities: Vec<String>,
    pub public: Vec<String>,
    pub tables: Vec<String>,
    pub functions: Vec<String>,
}

impl Baas {
    /// The REST URL of a table, view, collection or function path under the API.
    pub fn rest_url(&self, path: &str) -> Option<Url> {
        self.url
            .join(&format!(
                "{}{}",
                self.rest_path,
                path.trim_start_matches('/')
            ))
            .ok()
    }

    /// The headers the app's own client sends with every request to the REST API, whoever
    /// is signed in: Supabase's `apikey` (the public key, which its gateway asks of every
    /// request). Empty for a URL elsewhere. With them, `[[routes]]` and journey steps
    /// declared on the data API reach the data behind the gateway as the app's client
    /// does, instead of stopping at the gateway's 401.
    pub fn client_headers(&self, url: &Url) -> Vec<(String, String)> {
        let under_rest = self.rest_url("").is_some_and(|base| {
            base.origin() == url.origin() && url.path().starts_with(base.path())
        });
        match (&self.key, self.kind) {
            (Some(key), BaasKind::Supabase) if under_rest => {
                vec![("apikey".into(), key.expose().to_string())]
            }
            _ => Vec::new(),
        }
    }

    pub fn is_public(&self, name: &str) -> bool {
        self.public.iter().any(|p| p == name)
    }
}

pub(crate) fn validate(
    raw: RawBaas,
    target: &Target,
    identities: &mut BTreeMap<String, Identity>,
    v: &mut Validator<'_>,
) -> Option<Baas> {
    let kind = match raw.kind.get_ref().as_str() {
        "supabase" => BaasKind::Supabase,
        "pocketbase" => BaasKind::PocketBase,
        other => {
            v.blame(
                &raw.kind,
                "baas.kind",
                format!("`{other}`: expected supabase or pocketbase"),
            );
            return None;
        }
    };
    if target.has_no.contains(&Absent::Baas) {
        v.blame(
            &raw.kind,
            "baas.kind",
            "[target] has_no says the app has no back end as a service, yet [baas] is declared: remove one of the two",
        );
    }
    let mut url = v.url(&raw.url, "baas.url")?;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    let default_rest = match kind {
        BaasKind::Supabase => "/rest/v1",
        BaasKind::PocketBase => "/api",
    };
    let rest_path = match &raw.rest_path {
        Some(path) if !path.get_ref().starts_with('/') => {
            v.blame(path, "baas.rest_path", "expected a path starting with `/`");
            return None;
        }
        Some(path) => path.get_ref().clone(),
        None => default_rest.to_string(),
    };
    // Relative to `url` (which ends with `/`), ending with `/`.
    let rest_path = format!("{}/", rest_path.trim_matches('/'))
        .trim_start_matches('/')
        .to_string();
    let key = raw.key.as_ref().map(|k| v.secret(k, "baas.key"));
    if kind == BaasKind::Supabase && key.is_none() {
        v.blame(
            &raw.kind,
            "baas.key",
            "a Supabase-style API needs the public key the app ships: add `key = \"${SUPABASE_ANON_KEY}\"`",
        );
    }
    let service_key = raw
        .service_key
        .as_ref()
        .map(|k| v.secret(k, "baas.service_key"));
    // Redacted in every report, like every credential the profile holds.
    v.extra_secrets.extend(
        key.iter()
            .chain(&service_key)
            .map(|k| Secret::new(k.expose().to_string())),
    );
    let origin = url.origin();
    let mut users = Vec::new();
    for (i, name) in raw.identities.iter().enumerate() {
        match identities.get_mut(name.get_ref()) {
            // Its credential is the API's too: it may go there as well.
            Some(identity) => {
                if !identity.origins.contains(&origin) {
                    identity.origins.push(origin.clone());
                }
                users.push(name.get_ref().clone());
            }
            None => v.blame(
                name,
                &format!("baas.identities[{i}]"),
                format!(
                    "no identity `{}` ({})",
                    name.get_ref(),
                    list_or_none(identities.keys())
                ),
            ),
        }
    }
    Some(Baas {
        kind,
        url,
        rest_path,
        key,
        service_key,
        identities: users,
        public: raw.public,
        tables: raw.tables,
        functions: raw.functions,
    })
}

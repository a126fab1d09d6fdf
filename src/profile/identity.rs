//! `[identities.*]`: who the audit acts as, how each logs in, and how its credential is sent.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::profile::routes::Method;
use crate::profile::secret::Secret;
use crate::profile::target::Target;
use crate::profile::validator::{Validator, list_or_none};

#[derive(Debug)]
pub struct Identity {
    pub name: String,
    /// A static credential; `None` when the identity only logs in.
    pub token: Option<Secret>,
    /// How the identity obtains its credential at the start of the audit.
    pub obtain: Option<Obtain>,
    pub tenant: Option<String>,
    pub roles: Vec<String>,
    /// Expired on purpose: only `auth.expired-token` uses it.
    pub expired: bool,
    /// How long after logging in the credential has expired (a derived expired token).
    pub wait_for_expiry: Option<Duration>,
    pub scheme: Scheme,
    /// The only origins its credential is sent to: base_url's, and for the identities
    /// `[baas] identities` names, the data API's too (their JWT is the API's, and the app's
    /// own routes take the same one).
    pub origins: Vec<url::Origin>,
}

/// How an identity obtains its credential.
#[derive(Debug)]
pub enum Obtain {
    Login(Login),
    ClientCredentials(ClientCredentials),
}

#[derive(Debug)]
pub struct Login {
    pub method: Method,
    pub url: Url,
    pub body: LoginBody,
    pub source: CredentialSource,
    pub relogin: bool,
}

/// A login request's body. It holds passwords, so `Debug` shows only its kind.
pub enum LoginBody {
    None,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

impl fmt::Debug for LoginBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoginBody::None => "LoginBody::None",
            LoginBody::Json(_) => "LoginBody::Json(redacted)",
            LoginBody::Form(_) => "LoginBody::Form(redacted)",
        })
    }
}

/// Where a login's answer carries the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    JsonPointer(String),
    Header(String),
    Cookie(String),
}

#[derive(Debug)]
pub struct ClientCredentials {
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: Option<String>,
    pub relogin: bool,
}

impl Identity {
    /// Whether a 401 on a request that worked before should trigger a new login.
    pub fn relogin(&self) -> bool {
        match &self.obtain {
            Some(Obtain::Login(login)) => login.relogin,
            Some(Obtain::ClientCredentials(cc)) => cc.relogin,
            None => false,
        }
    }

    /// Holds at least one of `roles` (a route without roles admits every identity).
    pub fn may_use(&self, roles: &[String]) -> bool {
        roles.is_empty() || self.roles.iter().any(|r| roles.contains(r))
    }
}

/// Where an identity's token travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
    /// `NAME: TOKEN`.
    Header(String),
    /// `Cookie: NAME=TOKEN`.
    Cookie(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    /// A static credential; optional when the identity logs in.
    pub token: Option<Spanned<String>>,
    /// Log in with a request and take the credential from its answer.
    pub login: Option<RawLogin>,
    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4).
    pub client_credentials: Option<RawClientCredentials>,
    pub tenant: Option<Spanned<String>>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// The credential is expired on purpose: `auth.expired-token` uses it, nothing else does.
    #[serde(default)]
    pub expired: bool,
    /// With `expired = true` and a login: the logged-in token expires within this long;
    /// `auth.expired-token` waits for it before probing.
    pub wait_for_expiry: Option<Spanned<String>>,
    /// Send the token in this header instead of `Authorization: Bearer`.
    pub header: Option<Spanned<String>>,
    /// Send the token as this cookie instead of `Authorization: Bearer`.
    pub cookie: Option<Spanned<String>>,
}

/// A login request and where its answer carries the credential.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogin {
    #[serde(default = "crate::profile::routes::post")]
    pub method: Method,
    /// A path under base_url, or a full URL on a host the profile names.
    pub path: Spanned<String>,
    /// JSON body; string values may use `${VAR}`.
    pub json: Option<toml::Table>,
    /// Form body (application/x-www-form-urlencoded); values may use `${VAR}`.
    pub form: Option<toml::Table>,
    /// The credential is the string at this JSON pointer of the answer (`/data/access_token`).
    pub token_pointer: Option<Spanned<String>>,
    /// The credential is this response header's value.
    pub token_header: Option<Spanned<String>>,
    /// The credential is this cookie: the identity then sends it as a cookie.
    pub cookie: Option<Spanned<String>>,
    /// Log in again (at most 3 times an audit) when a request that worked before answers 401.
    #[serde(default)]
    pub relogin: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClientCredentials {
    /// The token endpoint: a path under base_url or a full URL.
    pub token_url: Spanned<String>,
    pub client_id: Spanned<String>,
    pub client_secret: Spanned<String>,
    pub scope: Option<String>,
    /// Ask for a new token when a request that worked before answers 401.
    #[serde(default)]
    pub relogin: bool,
}

impl Validator<'_> {
    /// A login URL: a path under base_url, or a full URL.
    pub(crate) fn login_url(
        &mut self,
        value: &Spanned<String>,
        key: &str,
        target: &Target,
    ) -> Option<Url> {
        if value.get_ref().starts_with('/') {
            let base = target.base_url.as_str().trim_end_matches('/');
            return Url::parse(&format!("{base}{}", value.get_ref())).ok();
        }
        self.url(value, key)
    }

    pub(crate) fn obtain(
        &mut self,
        raw: &RawIdentity,
        key: &str,
        target: &Target,
    ) -> Option<Obtain> {
        match (&raw.login, &raw.client_credentials) {
            (Some(_), Some(cc)) => {
                self.blame(
                    &cc.token_url,
                    &format!("{key}.client_credentials"),
                    "give a login or client_credentials, not both",
                );
                None
            }
            (Some(login), None) => {
                let key = format!("{key}.login");
                let url = self.login_url(&login.path, &format!("{key}.path"), target)?;
                let source = match (&login.token_pointer, &login.token_header, &login.cookie) {
                    (Some(pointer), None, None) if pointer.get_ref().starts_with('/') => {
                        CredentialSource::JsonPointer(pointer.get_ref().clone())
                    }
                    (Some(pointer), None, None) => {
                        self.blame(
                            pointer,
                            &format!("{key}.token_pointer"),
                            "expected a JSON pointer such as `/data/access_token`",
                        );
                        return None;
                    }
                    (None, Some(header), None) => {
                        CredentialSource::Header(header.get_ref().clone())
                    }
                    (None, None, Some(cookie)) => {
                        CredentialSource::Cookie(cookie.get_ref().clone())
                    }
                    _ => {
                        self.blame(&login.path, &key, "say where the credential comes from: exactly one of token_pointer, token_header, cookie");
                        return None;
                    }
                };
                let body = match (&login.json, &login.form) {
                    (Some(_), Some(_)) => {
                        self.blame(&login.path, &key, "give a json or a form body, not both");
                        return None;
                    }
                    (Some(json), None) => {
                        let mut value = serde_json::to_value(json).unwrap_or_default();
                        self.interpolate_json(
                            &mut value,
                            &login.path,
                            &format!("{key}.json"),
                            None,
                        );
                        LoginBody::Json(value)
                    }
                    (None, Some(form)) => {
                        let mut value = serde_json::to_value(form).unwrap_or_default();
                        self.interpolate_json(
                            &mut value,
                            &login.path,
                            &format!("{key}.form"),
                            None,
                        );
                        let pairs = value
                            .as_object()
                            .map(|map| {
                                map.iter()
                                    .map(|(k, v)| {
                                        (
                                            k.clone(),
                                            v.as_str()
                                                .map_or_else(|| v.to_string(), str::to_string),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        LoginBody::Form(pairs)
                    }
                    (None, None) => LoginBody::None,
                };
                Some(Obtain::Login(Login {
                    method: login.method,
                    url,
                    body,
                    source,
                    relogin: login.relogin,
                }))
            }
            (None, Some(cc)) => {
                let key = format!("{key}.client_credentials");
                let token_url =
                    self.login_url(&cc.token_url, &format!("{key}.token_url"), target)?;
                let client_id =
                    match crate::profile::env::interpolate(cc.client_id.get_ref(), self.env) {
                        Ok(id) => id,
                        Err(message) => {
                            self.blame(&cc.client_id, &format!("{key}.client_id"), message);
                            return None;
                        }
                    };
                let client_secret = self.secret(&cc.client_secret, &format!("{key}.client_secret"));
                self.extra_secrets.push(client_secret.clone());
                Some(Obtain::ClientCredentials(ClientCredentials {
                    token_url,
                    client_id,
                    client_secret,
                    scope: cc.scope.clone(),
                    relogin: cc.relogin,
                }))
            }
            (None, None) => None,
        }
    }
}

impl Validator<'_> {
    /// `[identities.*]`: each identity's credential, how it is sent, and its tenant.
    pub(crate) fn identities(
        &mut self,
        raw: BTreeMap<String, RawIdentity>,
        tenants: &BTreeMap<String, BTreeMap<String, String>>,
        target: &Target,
    ) -> BTreeMap<String, Identity> {
        raw
            .into_iter()
            .map(|(name, identity)| {
                let key = format!("identities.{name}");
                let token = identity.token.as_ref().map(|token| self.secret(token, &format!("{key}.token")));
                let obtain = self.obtain(&identity, &key, target);
                if token.is_none() && obtain.is_none() && !self.errors.iter().any(|e| e.key.starts_with(&key)) {
                    let offset = self.locator.text.find(&format!("[{key}")).unwrap_or(0);
                    let error = self.locator.error(
                        Some(offset..offset),
                        &key,
                        "no credential: give `token`, a [identities.NAME.login] or [identities.NAME.client_credentials]",
                    );
                    self.errors.push(error);
                }
                let tenant = identity.tenant.as_ref().map(|tenant| {
                    if !tenants.contains_key(tenant.get_ref()) {
                        self.blame(
                            tenant,
                            &format!("{key}.tenant"),
                            format!(
                                "no tenant `{}`: expected one of the [tenants.*] tables ({})",
                                tenant.get_ref(),
                                list_or_none(tenants.keys())
                            ),
                        );
                    }
                    tenant.get_ref().clone()
                });
                let login_cookie = match &obtain {
                    Some(Obtain::Login(Login { source: CredentialSource::Cookie(cookie), .. })) => Some(cookie.clone()),
                    _ => None,
                };
                let scheme = match (&identity.header, &identity.cookie, login_cookie) {
                    (None, None, None) => Scheme::Bearer,
                    (None, None, Some(cookie)) => Scheme::Cookie(cookie),
                    (Some(header), None, None) => {
                        if reqwest::header::HeaderName::from_bytes(header.get_ref().as_bytes()).is_err() {
                            self.blame(header, &format!("{key}.header"), "expected an HTTP header name such as `X-Api-Key`");
                        }
                        Scheme::Header(header.get_ref().clone())
                    }
                    (None, Some(cookie), _) => Scheme::Cookie(cookie.get_ref().clone()),
                    (Some(header), _, _) => {
                        self.blame(header, &format!("{key}.header"), "give `header` or `cookie` (or a login cookie), not both");
                        Scheme::Bearer
                    }
                };
                let wait_for_expiry = identity.wait_for_expiry.as_ref().and_then(|wait| {
                    let key = format!("{key}.wait_for_expiry");
                    if !identity.expired || identity.login.is_none() {
                        self.blame(wait, &key, "only an identity with `expired = true` and a login waits for its token to expire");
                        return None;
                    }
                    let duration = self.duration(wait, &key)?;
                    if duration > Duration::from_secs(300) {
                        self.blame(wait, &key, "at most 5m: the audit waits this long");
                        return None;
                    }
                    Some(duration)
                });
                let identity = Identity {
                    name: name.clone(),
                    token,
                    obtain,
                    wait_for_expiry,
                    tenant,
                    roles: identity.roles,
                    expired: identity.expired,
                    scheme,
                    origins: vec![target.base_url.origin()],
                };
                (name, identity)
            })
            .collect::<BTreeMap<_, _>>()
    }
}

//! `[auth]` and `[session]`: how the app refuses callers, and the login form the session checks use.
//! The family owns its section: shape, defaults, validation.

use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::routes::Method;
use crate::profile::validator::Validator;

/// How the app refuses, and what the JWT checks may know.
#[derive(Debug)]
pub struct AuthPolicy {
    pub refusal_statuses: Vec<u16>,
    pub login_path: Option<String>,
    pub error_pointer: Option<String>,
    /// The PEM the app verifies asymmetric JWTs with, byte for byte as in the file.
    pub jwt_public_key: Option<Vec<u8>>,
}

/// The login request `auth.session-cookies` sends. Its body holds a password, so `Debug`
/// leaves it out.
pub struct Session {
    pub method: Method,
    pub path: String,
    pub body: Option<serde_json::Value>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// How the app says "no", and what the JWT checks may know.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuth {
    /// Statuses that mean "refused" (default 401 and 403; any other 4xx counts too, noted).
    pub refusal_statuses: Option<Spanned<Vec<u16>>>,
    /// A redirect to this path is a refusal (server-rendered apps send strangers to login).
    pub login_path: Option<Spanned<String>>,
    /// JSON pointer: a 2xx body with a value here is a refusal (an error envelope).
    pub error_pointer: Option<Spanned<String>>,
    /// PEM public key the app verifies RS256/ES256 tokens with: enables the HS256 confusion probe.
    pub jwt_public_key: Option<Spanned<String>>,
}

/// A login request whose `Set-Cookie` answer `auth.session-cookies` inspects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    #[serde(default = "crate::profile::routes::post")]
    pub method: Method,
    pub path: Spanned<String>,
    /// JSON body; string values may use `${VAR}`.
    pub json: Option<toml::Table>,
}

impl Validator<'_> {
    pub(crate) fn auth(&mut self, raw: RawAuth) -> AuthPolicy {
        for (key, value) in [
            ("auth.login_path", &raw.login_path),
            ("auth.error_pointer", &raw.error_pointer),
        ] {
            if let Some(value) = value
                && !value.get_ref().starts_with('/')
            {
                self.blame(value, key, "expected a value starting with `/`");
            }
        }
        let jwt_public_key = raw.jwt_public_key.as_ref().and_then(|file| {
            let path = self.base_dir.join(file.get_ref());
            match std::fs::read(&path) {
                Ok(bytes) if bytes.starts_with(b"-----BEGIN") => Some(bytes),
                Ok(_) => {
                    self.blame(
                        file,
                        "auth.jwt_public_key",
                        format!("{} is not a PEM file", path.display()),
                    );
                    None
                }
                Err(error) => {
                    self.blame(
                        file,
                        "auth.jwt_public_key",
                        format!("cannot read {}: {error}", path.display()),
                    );
                    None
                }
            }
        });
        if let Some(statuses) = &raw.refusal_statuses
            && statuses.get_ref().contains(&429)
        {
            // A limiter answers 429 whoever asks: read as a refusal, a limited cross-tenant
            // probe would pass.
            self.blame(
                statuses,
                "auth.refusal_statuses",
                "429 is a rate limit, not a refusal: a limited probe proves nothing about access. Remove it, and allow-list the auditor or raise the limit while auditing",
            );
        }
        AuthPolicy {
            refusal_statuses: raw
                .refusal_statuses
                .map(Spanned::into_inner)
                .unwrap_or_else(|| vec![401, 403]),
            login_path: raw.login_path.map(Spanned::into_inner),
            error_pointer: raw.error_pointer.map(Spanned::into_inner),
            jwt_public_key,
        }
    }

    pub(crate) fn session(&mut self, raw: RawSession) -> Session {
        if !raw.path.get_ref().starts_with('/') {
            self.blame(
                &raw.path,
                "session.path",
                "expected a path starting with `/`",
            );
        }
        let body = raw.json.map(|table| {
            let mut value = serde_json::to_value(table).unwrap_or_default();
            self.interpolate_json(&mut value, &raw.path, "session.json", None);
            value
        });
        Session {
            method: raw.method,
            path: raw.path.into_inner(),
            body,
        }
    }
}

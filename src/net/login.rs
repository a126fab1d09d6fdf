//! Logging identities in: a login request whose answer carries the credential (a JSON
//! field, a header or a cookie), or the OAuth 2.0 client credentials grant (RFC 6749 §4.4).
//! The request goes through the same door as every other (scope guard, timeouts); what it
//! obtains is handed to the redactor before anything can print it.

use super::credentials::LoginOutcome;
use super::http::{Fetched, Http, HttpRequest};
use crate::profile::{
    ClientCredentials, CredentialSource, Identity, Login, LoginBody, Method, Obtain,
};

impl Http {
    /// Logs every identity that logs in, concurrently. Call once before the checks.
    pub async fn establish(&self, identities: impl Iterator<Item = &Identity>) {
        let logins = identities
            .filter(|i| i.obtain.is_some())
            .map(|identity| async move {
                let _ = self.login(identity, false).await;
            });
        futures_util::future::join_all(logins).await;
    }

    /// Obtains a credential for `identity`, stores it (or the failure) and records the outcome.
    pub(crate) async fn login(&self, identity: &Identity, relogin: bool) -> Result<String, String> {
        let Some(obtain) = &identity.obtain else {
            return Err("the identity does not log in".into());
        };
        let (request, step) = match obtain {
            Obtain::Login(login) => login_request(login),
            Obtain::ClientCredentials(cc) => token_request(cc),
        };
        let result = match self.exchange(&request, None).await {
            Err(error) => Err(format!(
                "{step}: {}",
                self.redactor().redact(&error.to_string())
            )),
            Ok(response) => match obtain {
                Obtain::Login(login) => self.credential_from(&response, &login.source, &step),
                Obtain::ClientCredentials(_) => self.credential_from(
                    &response,
                    &CredentialSource::JsonPointer("/access_token".into()),
                    &step,
                ),
            },
        };
        match &result {
            Ok(value) => {
                self.redactor().add(value.clone());
                self.credentials().set(&identity.name, value.clone());
            }
            Err(why) => {
                // On a failed relogin the old (rejected) credential is useless too.
                self.credentials()
                    .fail(&identity.name, format!("login failed: {why}"));
            }
        }
        self.credentials().record(LoginOutcome {
            identity: identity.name.clone(),
            step,
            result: result
                .as_ref()
                .map(|_| what_was_obtained(obtain))
                .map_err(Clone::clone),
            relogin,
        });
        result
    }

    fn credential_from(
        &self,
        response: &Fetched,
        source: &CredentialSource,
        step: &str,
    ) -> Result<String, String> {
        let redirect_ok =
            matches!(source, CredentialSource::Cookie(_)) && (300..400).contains(&response.status);
        if !response.is_success() && !redirect_ok {
            let excerpt = excerpt(
                &self
                    .redactor()
                    .redact(&String::from_utf8_lossy(&response.body)),
            );
            return Err(format!("{step} answered {}: {excerpt}", response.status));
        }
        let found = match source {
            CredentialSource::JsonPointer(pointer) => {
                serde_json::from_slice::<serde_json::Value>(&response.body)
                    .ok()
                    .and_then(|body| {
                        body.pointer(pointer)
                            .and_then(|v| v.as_str())
                            .map(str::to_string)
                    })
            }
            CredentialSource::Header(name) => response.header(name),
            CredentialSource::Cookie(name) => response
                .headers
                .get_all("set-cookie")
                .iter()
                .find_map(|value| {
                    let text = String::from_utf8_lossy(value.as_bytes());
                    let (pair, _) = text.split_once(';').unwrap_or((&text, ""));
                    let (cookie, value) = pair.split_once('=')?;
                    (cookie.trim() == name).then(|| value.trim().to_string())
                }),
        };
        match found {
            Some(value) if !value.is_empty() => Ok(value),
            _ => {
                let excerpt = excerpt(
                    &self
                        .redactor()
                        .redact(&String::from_utf8_lossy(&response.body)),
                );
                let place = match source {
                    CredentialSource::JsonPointer(p) => format!("no string at JSON pointer {p}"),
                    CredentialSource::Header(h) => format!("no {h} header"),
                    CredentialSource::Cookie(c) => format!("no Set-Cookie for `{c}`"),
                };
                Err(format!(
                    "{step} answered {} with {place}: {excerpt}",
                    response.status
                ))
            }
        }
    }
}

fn what_was_obtained(obtain: &Obtain) -> String {
    match obtain {
        Obtain::Login(Login {
            source: CredentialSource::JsonPointer(p),
            ..
        }) => format!("token from the answer's {p}"),
        Obtain::Login(Login {
            source: CredentialSource::Header(h),
            ..
        }) => format!("token from the {h} header"),
        Obtain::Login(Login {
            source: CredentialSource::Cookie(c),
            ..
        }) => format!("session cookie `{c}`"),
        Obtain::ClientCredentials(_) => "access token (client credentials grant)".into(),
    }
}

fn login_request(login: &Login) -> (HttpRequest<'static>, String) {
    let step = format!("{} {}", login.method.as_str(), login.url);
    let mut request = HttpRequest::new(login.method, login.url.clone());
    match &login.body {
        LoginBody::None => {}
        LoginBody::Json(json) => request = request.with_json(Some(json.clone())),
        LoginBody::Form(pairs) => request = request.with_form(pairs.clone()),
    }
    (request, step)
}

/// `client_secret_post` (RFC 6749 §2.3.1): the secret travels in the body, to the token
/// endpoint only, never as a header bound for the app.
fn token_request(cc: &ClientCredentials) -> (HttpRequest<'static>, String) {
    let step = format!("POST {}", cc.token_url);
    let mut form = vec![
        ("grant_type".to_string(), "client_credentials".to_string()),
        ("client_id".to_string(), cc.client_id.clone()),
        (
            "client_secret".to_string(),
            cc.client_secret.expose().to_string(),
        ),
    ];
    if let Some(scope) = &cc.scope {
        form.push(("scope".into(), scope.clone()));
    }
    (
        HttpRequest::new(Method::Post, cc.token_url.clone()).with_form(form),
        step,
    )
}

fn excerpt(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 160 {
        format!("{}…", flat.chars().take(160).collect::<String>())
    } else {
        flat
    }
}

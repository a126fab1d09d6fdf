//! What an answer is before a check reads it as the app's own verdict.
//!
//! Real deployments put things in front of the app: a basic-auth or login gate, a WAF, a
//! rate limiter, a proxy that answers 502 when the app is down. Their answers say nothing
//! about the code path a check judges, and a body cut at the cap is not the whole answer.
//! Every family asks [`reached`] first; only [`Reached::App`] is evidence about the app.

use super::Fetched;

/// Who or what produced an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reached {
    /// The app itself answered, and the whole body was read (decoded).
    App,
    /// Something in front of the app answered instead.
    Gate(Gate),
    /// A 5xx: the app or its proxy failed; nothing about the judged path is known.
    ServerError(u16),
    /// The body was cut at the byte cap: what was read is not the whole answer.
    CutShort { read: usize },
}

/// A gate in front of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// 429: the target limits this client (often the audit itself).
    RateLimited { retry_after: Option<String> },
    /// 401 with `WWW-Authenticate: Basic`/`Digest`: a password prompt in front of the site.
    PasswordPrompt { challenge: String },
    /// A redirect to the login page.
    LoginRedirect { location: String },
}

impl Reached {
    /// One clause for evidence: why this answer is not the app's verdict.
    pub fn explain(&self) -> String {
        match self {
            Reached::App => "the app answered".into(),
            Reached::Gate(Gate::RateLimited { retry_after }) => format!(
                "429: the target limited this audit{}; allow-list the auditor or raise the limit while auditing",
                retry_after
                    .as_ref()
                    .map(|r| format!(" (Retry-After {r})"))
                    .unwrap_or_default()
            ),
            Reached::Gate(Gate::PasswordPrompt { challenge }) => format!(
                "401 `WWW-Authenticate: {challenge}`: a password prompt in front of the site answered, not the app"
            ),
            Reached::Gate(Gate::LoginRedirect { location }) => {
                format!("redirect to the login page `{location}`: the route sits behind a login")
            }
            Reached::ServerError(status) => {
                format!("{status}: the server failed, so nothing about this path is known")
            }
            Reached::CutShort { read } => {
                format!("the body was cut at {read} bytes: not the whole answer")
            }
        }
    }
}

/// Classifies `response`. `login_path` is the profile's login page, when it names one.
pub fn reached(response: &Fetched, login_path: Option<&str>) -> Reached {
    let status = response.status;
    if let Some(gate) = gate_of(status, &response.headers, login_path) {
        return Reached::Gate(gate);
    }
    if status >= 500 {
        return Reached::ServerError(status);
    }
    if response.truncated {
        return Reached::CutShort {
            read: response.body.len(),
        };
    }
    Reached::App
}

/// The gate that produced an answer with this status and these headers, if one did.
pub fn gate_of(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    login_path: Option<&str>,
) -> Option<Gate> {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    if status == 429 {
        return Some(Gate::RateLimited {
            retry_after: header("retry-after"),
        });
    }
    if status == 401
        && let Some(challenge) = header("www-authenticate")
        && ["basic", "digest"].iter().any(|scheme| {
            challenge
                .trim_start()
                .to_ascii_lowercase()
                .starts_with(scheme)
        })
    {
        return Some(Gate::PasswordPrompt { challenge });
    }
    if (300..400).contains(&status)
        && let Some(location) = header("location")
        && is_login_redirect(&location, login_path)
    {
        return Some(Gate::LoginRedirect { location });
    }
    None
}

/// Whether `location` points at the login page: the profile's `login_path`, or, without
/// one, a path that names logging in.
pub fn is_login_redirect(location: &str, login_path: Option<&str>) -> bool {
    let path = url::Url::parse(location)
        .map(|url| url.path().to_string())
        .unwrap_or_else(|_| location.split(['?', '#']).next().unwrap_or("").to_string());
    match login_path {
        Some(login) => {
            path == login || path.starts_with(&format!("{}/", login.trim_end_matches('/')))
        }
        None => ["login", "signin", "sign_in", "sign-in", "auth"]
            .iter()
            .any(|w| path.to_ascii_lowercase().contains(w)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(status: u16, headers: &[(&'static str, &'static str)], truncated: bool) -> Fetched {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Fetched {
            status,
            headers: map,
            body: b"x".to_vec(),
            truncated,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn gates_are_told_from_the_app() {
        assert_eq!(reached(&fetched(200, &[], false), None), Reached::App);
        assert_eq!(reached(&fetched(404, &[], false), None), Reached::App);
        assert!(matches!(
            reached(&fetched(429, &[("retry-after", "30")], false), None),
            Reached::Gate(Gate::RateLimited {
                retry_after: Some(_)
            })
        ));
        assert!(matches!(
            reached(
                &fetched(401, &[("www-authenticate", "Basic realm=\"x\"")], false),
                None
            ),
            Reached::Gate(Gate::PasswordPrompt { .. })
        ));
        // A bearer challenge is the app's own refusal.
        assert_eq!(
            reached(
                &fetched(401, &[("www-authenticate", "Bearer")], false),
                None
            ),
            Reached::App
        );
        assert!(matches!(
            reached(
                &fetched(302, &[("location", "/login?next=/x")], false),
                None
            ),
            Reached::Gate(Gate::LoginRedirect { .. })
        ));
        assert_eq!(
            reached(&fetched(302, &[("location", "/home")], false), None),
            Reached::App
        );
        assert_eq!(
            reached(&fetched(502, &[], false), None),
            Reached::ServerError(502)
        );
        assert_eq!(
            reached(&fetched(200, &[], true), None),
            Reached::CutShort { read: 1 }
        );
    }
}

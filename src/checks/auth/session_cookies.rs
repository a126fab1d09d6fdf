//! `auth.session-cookies`: session cookies — set by the login, or seen on any response of
//! the audit — carry Secure, HttpOnly and SameSite=Lax|Strict.

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::net::{HttpRequest, SeenCookie};
use crate::profile::{Profile, Scheme};
use crate::result::{Finding, Observation, Status};

pub struct SessionCookies;

/// Names sessions usually go by.
fn looks_like_session(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "sess", "sid", "auth", "token", "jwt", "login", "remember", "identity",
    ]
    .iter()
    .any(|w| name.contains(w))
}

fn judge(cookie: &SeenCookie) -> Observation {
    let mut missing = Vec::new();
    if !cookie.secure {
        missing.push("Secure".to_string());
    }
    if !cookie.http_only {
        missing.push("HttpOnly".to_string());
    }
    match cookie
        .same_site
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("lax" | "strict") => {}
        Some(other) => missing.push(format!("SameSite=Lax|Strict (has SameSite={other})")),
        None => missing.push("SameSite=Lax|Strict".to_string()),
    }
    let prefix = if cookie.name.starts_with("__Host-") {
        "; __Host- prefix: bound to this host, Secure, Path=/"
    } else {
        "; no __Host- prefix (it would pin the cookie to this host)"
    };
    let subject = format!("cookie `{}` from {}", cookie.name, cookie.request);
    if missing.is_empty() {
        Observation::new(
            Status::Pass,
            subject,
            format!(
                "Secure, HttpOnly, SameSite={}{prefix}",
                cookie.same_site.clone().unwrap_or_default()
            ),
        )
    } else {
        Observation::new(
            Status::Fail,
            subject,
            format!("missing {}{prefix}", missing.join(", ")),
        )
    }
}

impl Check for SessionCookies {
    fn id(&self) -> &str {
        "auth.session-cookies"
    }

    fn phase(&self) -> Phase {
        // Also judges cookies the other checks' responses set.
        Phase::Review
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        let cookie_identities = profile
            .identities
            .values()
            .any(|i| matches!(i.scheme, Scheme::Cookie(_)));
        match (&profile.session, cookie_identities) {
            (Some(_), _) => Applicability::Run,
            (None, true) => Applicability::Skip {
                key: "session.path",
                reason: "identities use cookies but no login is declared: add [session] with the login request".into(),
            },
            // Still worth a look at whatever cookies the audit meets; decided at run time.
            (None, false) => Applicability::Run,
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut observations = Vec::new();
            let mut login_request = None;
            if let Some(session) = &ctx.profile.session {
                let subject = format!(
                    "{} {} (login, body redacted)",
                    session.method.as_str(),
                    session.path
                );
                match ctx.profile.url_for(&session.path) {
                    Err(error) => observations.push(Observation::new(
                        Status::Error,
                        subject,
                        error.to_string(),
                    )),
                    Ok(url) => {
                        let request =
                            HttpRequest::new(session.method, url).with_json(session.body.clone());
                        login_request = Some(request.describe());
                        match ctx.http.send(&request).await {
                            Ok(response) if response.is_success() => {}
                            Ok(response) => observations.push(Observation::new(
                                Status::Error,
                                subject,
                                format!(
                                    "the login answered {}: {}",
                                    response.status,
                                    ctx.excerpt(&response.body)
                                ),
                            )),
                            Err(error) => observations.push(Observation::new(
                                Status::Error,
                                subject,
                                ctx.redactor.redact(&error.to_string()),
                            )),
                        }
                    }
                }
            }
            let mut judged: Vec<String> = Vec::new();
            for cookie in ctx.http.seen_cookies() {
                let from_login = login_request.as_deref() == Some(cookie.request.as_str());
                if (from_login || looks_like_session(&cookie.name))
                    && !judged.contains(&cookie.name)
                {
                    judged.push(cookie.name.clone());
                    observations.push(judge(&cookie));
                }
            }
            if observations.is_empty() {
                return Finding {
                    coverage: None,
                    status: Status::NotApplicable,
                    summary: "no session cookie was set during the audit and no [session] login is declared".into(),
                    evidence: Vec::new(),
                    tables: Vec::new(),
                    needs: None,
                };
            }
            if login_request.is_some()
                && judged.is_empty()
                && observations.iter().all(|o| o.status != Status::Error)
            {
                observations.push(Observation::new(
                    Status::Error,
                    "login",
                    "the login succeeded but set no cookie",
                ));
            }
            Finding::from_observations(observations)
        })
    }
}

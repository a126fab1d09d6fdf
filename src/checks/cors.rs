//! CORS family: `cors.origin-policy`. Plain requests and preflights from origins a browser
//! could carry — a stranger, `null`, look-alikes of each allowed origin, and the allowed
//! origins themselves — and what `Access-Control-Allow-Origin` grants each.

use url::Url;

use crate::check::{Applicability, Check, CheckFuture, Finding, Observation, Status};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::{Method, Profile};

/// A reserved name standing for any site on the internet; only ever sent as a header.
const FOREIGN: &str = "https://evil.test";

pub struct OriginPolicy;

/// An origin to present, and whether the profile allows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub origin: String,
    pub kind: String,
    pub allowed: bool,
}

/// The origins tried: a stranger, `null`, and per allowed origin its suffix, prefix,
/// `http://` and unlisted-subdomain look-alikes plus the origin itself.
pub fn probes(allowed: &[Url], domain: Option<&str>, base: &Url) -> Vec<Probe> {
    let mut out = vec![
        Probe {
            origin: FOREIGN.into(),
            kind: "foreign origin".into(),
            allowed: false,
        },
        Probe {
            origin: "null".into(),
            kind: "null origin".into(),
            allowed: false,
        },
    ];
    let allowed_origins: Vec<String> = allowed
        .iter()
        .map(|u| u.origin().ascii_serialization())
        .collect();
    let bases: Vec<&Url> = if allowed.is_empty() {
        vec![base]
    } else {
        allowed.iter().collect()
    };
    for url in bases {
        let Some(host) = url.host_str() else { continue };
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let registrable = domain.unwrap_or(host);
        let mut add = |origin: String, kind: &str| {
            if !allowed_origins.contains(&origin) && !out.iter().any(|p| p.origin == origin) {
                out.push(Probe {
                    origin,
                    kind: format!("{kind} of {host}"),
                    allowed: false,
                });
            }
        };
        add(
            format!("https://{host}.evil.test{port}"),
            "suffix look-alike",
        );
        add(
            format!("https://evil{registrable}{port}"),
            "prefix look-alike",
        );
        add(format!("https://evil{host}{port}"), "prefix look-alike");
        add(format!("http://{host}{port}"), "http:// twin");
        add(
            format!("https://launch-audit-unlisted.{registrable}{port}"),
            "unlisted subdomain",
        );
    }
    for origin in allowed_origins {
        out.push(Probe {
            origin,
            kind: "allowed origin".into(),
            allowed: true,
        });
    }
    out
}

impl Check for OriginPolicy {
    fn id(&self) -> &str {
        "cors.origin-policy"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let profile = &ctx.profile;
            // The site's root and its first plain (placeholder-free, safe) route: CORS rules
            // often differ between pages and the API.
            let mut urls = vec![(profile.target.base_url.clone(), Method::Delete)];
            if let Some(route) = profile
                .routes
                .iter()
                .find(|r| r.placeholders().is_empty() && r.method.is_safe())
                && let Ok(url) = profile.url_for(&route.path)
            {
                urls.push((url, Method::Patch));
            }
            let probes = probes(
                &profile.target.allowed_origins,
                profile.target.domain.as_deref(),
                &profile.target.base_url,
            );
            let mut requests = Vec::new();
            for (url, unsafe_method) in &urls {
                for probe in &probes {
                    for preflight in [false, true] {
                        requests.push(async move {
                            let request = if preflight {
                                HttpRequest::new(Method::Options, url.clone())
                                    .with_header(
                                        "access-control-request-method",
                                        unsafe_method.as_str().to_string(),
                                    )
                                    .with_header(
                                        "access-control-request-headers",
                                        "authorization, content-type".into(),
                                    )
                            } else {
                                HttpRequest::get(url.clone())
                            }
                            .with_header("origin", probe.origin.clone());
                            let answer = ctx.http.send(&request).await;
                            (url, probe, preflight, answer)
                        });
                    }
                }
            }
            let answers = futures_util::future::join_all(requests).await;
            let mut observations = Vec::new();
            for (url, _) in &urls {
                for preflight in [false, true] {
                    let what = if preflight { "preflight" } else { "request" };
                    let subject = format!("{} {url}", if preflight { "OPTIONS" } else { "GET" });
                    let mut granted_strangers = Vec::new();
                    let mut refused_allowed = Vec::new();
                    let mut errors = Vec::new();
                    let mut wildcard_with_credentials = false;
                    let mut tried = 0;
                    for (_, probe, _, answer) in answers
                        .iter()
                        .filter(|(u, _, p, _)| *u == url && *p == preflight)
                    {
                        tried += 1;
                        let response = match answer {
                            Ok(response) => response,
                            Err(error) => {
                                errors.push(ctx.redactor.redact(&error.to_string()));
                                continue;
                            }
                        };
                        let acao = response
                            .header("access-control-allow-origin")
                            .map(|v| v.trim().to_string());
                        let credentials = response
                            .header("access-control-allow-credentials")
                            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
                        match acao.as_deref() {
                            Some("*") if credentials => wildcard_with_credentials = true,
                            Some(value) if value == probe.origin && !probe.allowed => {
                                granted_strangers.push(format!(
                                    "{} ({}){}",
                                    probe.origin,
                                    probe.kind,
                                    if credentials { " with credentials" } else { "" }
                                ))
                            }
                            Some(value)
                                if probe.allowed && value != probe.origin && value != "*" =>
                            {
                                refused_allowed.push(probe.origin.clone())
                            }
                            None if probe.allowed => refused_allowed.push(probe.origin.clone()),
                            _ => {}
                        }
                    }
                    if !granted_strangers.is_empty() {
                        let with_credentials = granted_strangers
                            .iter()
                            .any(|g| g.ends_with("with credentials"));
                        observations.push(Observation::new(
                            Status::Fail,
                            subject.clone(),
                            format!(
                                "the {what} grants {} origin(s) outside the allow-list{}: {}",
                                granted_strangers.len(),
                                if with_credentials {
                                    " — with Access-Control-Allow-Credentials: true, so any such site reads responses as the signed-in user"
                                } else {
                                    ""
                                },
                                granted_strangers.join(", ")
                            ),
                        ));
                    }
                    if wildcard_with_credentials {
                        observations.push(Observation::new(
                            Status::Fail,
                            subject.clone(),
                            format!("the {what} answers `*` together with Access-Control-Allow-Credentials: true"),
                        ));
                    }
                    if !refused_allowed.is_empty() {
                        observations.push(Observation::new(
                            Status::Warn,
                            subject.clone(),
                            format!(
                                "the {what} does not grant allowed origin(s) {}: the profile and the server disagree",
                                refused_allowed.join(", ")
                            ),
                        ));
                    }
                    if !errors.is_empty() {
                        observations.push(Observation::new(
                            Status::Error,
                            subject.clone(),
                            errors[0].clone(),
                        ));
                    } else if granted_strangers.is_empty()
                        && !wildcard_with_credentials
                        && refused_allowed.is_empty()
                    {
                        observations.push(Observation::new(
                            Status::Pass,
                            subject,
                            format!("{tried} origins: strangers and look-alikes get no Access-Control-Allow-Origin; allowed origins are granted"),
                        ));
                    }
                }
            }
            Finding::from_observations(observations)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_of_each_allowed_origin() {
        let allowed = [Url::parse("https://app.acme.test").unwrap()];
        let base = Url::parse("https://app.acme.test").unwrap();
        let origins: Vec<String> = probes(&allowed, Some("acme.test"), &base)
            .into_iter()
            .map(|p| p.origin)
            .collect();
        for expected in [
            "https://evil.test",
            "null",
            "https://app.acme.test.evil.test",
            "https://evilacme.test",
            "http://app.acme.test",
            "https://launch-audit-unlisted.acme.test",
            "https://app.acme.test",
        ] {
            assert!(
                origins.contains(&expected.to_string()),
                "{expected} in {origins:?}"
            );
        }
    }
}

//! CORS family: `cors.origin-policy`. Plain requests and preflights from origins a browser
//! could carry — a stranger, `null`, look-alikes of each allowed origin, and the allowed
//! origins themselves — and what `Access-Control-Allow-Origin` grants each.

use url::Url;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::{Method, Profile};
use crate::result::{Finding, Observation, Status};

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

/// How many of the profile's safe routes are probed beside the root.
const MAX_ROUTES: usize = 4;

/// A URL probed, and as whom: CORS layers mounted after authentication add their headers
/// only to authenticated answers, so API routes are asked as a caller they serve.
struct Target<'a> {
    url: Url,
    unsafe_method: Method,
    identity: Option<&'a crate::profile::Identity>,
    /// `GET /api/x as alice`, for evidence.
    label: String,
}

/// What one answer showed: its grant, and whether it came from the app.
struct Answer {
    allow_origin: Option<String>,
    allow_credentials: bool,
    /// `Err`: why the answer is not the app's own (a gate, a redirect, a 5xx, a cut body).
    reached: Result<(), String>,
}

impl Answer {
    fn of(ctx: &Ctx, response: &crate::net::Fetched, login_path: Option<&str>) -> Answer {
        let reached = match crate::net::reached(response, login_path) {
            crate::net::Reached::App if (300..400).contains(&response.status) => Err(format!(
                "{} redirect to `{}`: not an answer of the app's own",
                response.status,
                ctx.redactor
                    .redact(&response.header("location").unwrap_or_default())
            )),
            crate::net::Reached::App => Ok(()),
            other => Err(other.explain()),
        };
        Answer {
            allow_origin: response
                .header("access-control-allow-origin")
                .map(|v| v.trim().to_string()),
            allow_credentials: response
                .header("access-control-allow-credentials")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            reached,
        }
    }
}

/// What one URL showed across every origin presented.
#[derive(Default)]
struct Seen {
    granted_strangers: Vec<String>,
    wildcard_with_credentials: bool,
    /// An allowed origin was granted: the probe reached the CORS layer (the control).
    granted_allowed: bool,
    /// Answers that came from the app itself (not a gate, a 5xx or a cut body).
    reached: usize,
    /// Why other answers did not count.
    not_reached: Vec<String>,
    errors: Vec<String>,
    tried: usize,
}

impl Check for OriginPolicy {
    fn id(&self) -> &str {
        "cors.origin-policy"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let profile = &ctx.profile;
            // The page base_url lands on, after the same-origin redirects a browser follows
            // (read once for the whole audit): a redirect is not the app's answer.
            let bundle = crate::shipped::collect(ctx).await;
            let root = bundle
                .pages_read
                .iter()
                .find(|page| page.requested == profile.target.base_url)
                .map_or_else(|| profile.target.base_url.clone(), |page| page.url.clone());
            let mut targets = vec![Target {
                label: format!("GET {root}"),
                url: root,
                unsafe_method: Method::Delete,
                identity: None,
            }];
            let mut left = Vec::new();
            let safe_routes: Vec<_> = profile.routes.iter().filter(|r| r.only_reads()).collect();
            for route in safe_routes.iter().take(MAX_ROUTES) {
                // A legitimate caller's request, so the answer is the API's own.
                match crate::checks::probe::control(ctx, route).await {
                    Ok(control) => {
                        let Ok(request) = crate::checks::probe::request(
                            ctx,
                            route,
                            &control.filled,
                            Some(control.identity),
                        ) else {
                            continue;
                        };
                        targets.push(Target {
                            label: format!(
                                "{} as {}",
                                crate::checks::probe::describe(route, &control.filled),
                                control.identity.name
                            ),
                            url: request.url,
                            unsafe_method: Method::Patch,
                            identity: Some(control.identity),
                        });
                    }
                    Err(why) => left.push(format!("{}: {why}", route.path)),
                }
            }
            if safe_routes.len() > MAX_ROUTES {
                left.push(format!(
                    "{} more safe route(s) not probed (the first {MAX_ROUTES} are)",
                    safe_routes.len() - MAX_ROUTES
                ));
            }
            let probes = probes(
                &profile.target.allowed_origins,
                profile.target.domain.as_deref(),
                &profile.target.base_url,
            );
            let login_path = profile.auth.login_path.as_deref();
            let mut requests = Vec::new();
            for (index, target) in targets.iter().enumerate() {
                for probe in &probes {
                    for preflight in [false, true] {
                        requests.push(async move {
                            let request = if preflight {
                                HttpRequest::new(Method::Options, target.url.clone())
                                    .with_header(
                                        "access-control-request-method",
                                        target.unsafe_method.as_str().to_string(),
                                    )
                                    .with_header(
                                        "access-control-request-headers",
                                        "authorization, content-type".into(),
                                    )
                            } else {
                                // Browsers send cookies and credentials with the request;
                                // a preflight goes without them.
                                HttpRequest::get(target.url.clone()).with_identity(target.identity)
                            }
                            .with_header("origin", probe.origin.clone());
                            // Kept as the few facts judged, not the body: a hundred answers
                            // of a megabyte each would otherwise be held at once.
                            let answer = ctx
                                .http
                                .send(&request)
                                .await
                                .map(|response| Answer::of(ctx, &response, login_path));
                            (index, probe, preflight, answer)
                        });
                    }
                }
            }
            let answers = futures_util::future::join_all(requests).await;
            let mut observations = Vec::new();
            let mut any_allowed_granted = false;
            let mut any_reached = false;
            let mut silent = Vec::new();
            for (index, target) in targets.iter().enumerate() {
                for preflight in [false, true] {
                    let what = if preflight { "preflight" } else { "request" };
                    let subject = if preflight {
                        format!("OPTIONS {}", target.url)
                    } else {
                        target.label.clone()
                    };
                    let mut seen = Seen::default();
                    for (_, probe, _, answer) in answers
                        .iter()
                        .filter(|(i, _, p, _)| *i == index && *p == preflight)
                    {
                        seen.tried += 1;
                        let response = match answer {
                            Ok(response) => response,
                            Err(error) => {
                                seen.errors.push(ctx.redactor.redact(&error.to_string()));
                                continue;
                            }
                        };
                        let acao = response.allow_origin.clone();
                        let credentials = response.allow_credentials;
                        // A grant is a grant whoever sent it; an absent grant counts only
                        // when the app itself answered.
                        match acao.as_deref() {
                            Some("*") if credentials => seen.wildcard_with_credentials = true,
                            Some(value) if value == probe.origin && !probe.allowed => {
                                seen.granted_strangers.push(format!(
                                    "{} ({}){}",
                                    probe.origin,
                                    probe.kind,
                                    if credentials { " with credentials" } else { "" }
                                ))
                            }
                            Some(value)
                                if probe.allowed && (value == probe.origin || value == "*") =>
                            {
                                seen.granted_allowed = true
                            }
                            _ => {}
                        }
                        match &response.reached {
                            Ok(()) => seen.reached += 1,
                            Err(why) => seen.not_reached.push(why.clone()),
                        }
                    }
                    any_allowed_granted |= seen.granted_allowed;
                    any_reached |= seen.reached > 0;
                    if !seen.granted_strangers.is_empty() {
                        let with_credentials = seen
                            .granted_strangers
                            .iter()
                            .any(|g| g.ends_with("with credentials"));
                        observations.push(Observation::new(
                            Status::Fail,
                            subject.clone(),
                            format!(
                                "the {what} grants {} origin(s) outside the allow-list{}: {}",
                                seen.granted_strangers.len(),
                                if with_credentials {
                                    " — with Access-Control-Allow-Credentials: true, so any such site reads responses as the signed-in user"
                                } else {
                                    ""
                                },
                                seen.granted_strangers.join(", ")
                            ),
                        ));
                    }
                    if seen.wildcard_with_credentials {
                        observations.push(Observation::new(
                            Status::Fail,
                            subject.clone(),
                            format!("the {what} answers `*` together with Access-Control-Allow-Credentials: true"),
                        ));
                    }
                    if !seen.errors.is_empty() {
                        observations.push(Observation::new(
                            Status::Error,
                            subject.clone(),
                            seen.errors[0].clone(),
                        ));
                        continue;
                    }
                    if !seen.granted_strangers.is_empty() || seen.wildcard_with_credentials {
                        continue;
                    }
                    if seen.reached == 0 {
                        observations.push(Observation::new(
                            Status::Error,
                            subject,
                            format!(
                                "no answer came from the app, so a missing grant proves nothing: {}",
                                seen.not_reached.first().cloned().unwrap_or_default()
                            ),
                        ));
                    } else if seen.granted_allowed {
                        observations.push(Observation::new(
                            Status::Pass,
                            subject,
                            format!(
                                "{} origins: the allowed origin is granted; strangers and look-alikes get no Access-Control-Allow-Origin",
                                seen.tried
                            ),
                        ));
                    } else {
                        silent.push(subject);
                    }
                }
            }
            if !silent.is_empty() {
                // Pages without any CORS headers grant nobody: not a weakness, but not
                // evidence of a working policy either.
                let status = if any_allowed_granted || profile.target.allowed_origins.is_empty() {
                    Status::Pass
                } else {
                    Status::Warn
                };
                let detail = if profile.target.allowed_origins.is_empty() {
                    "the app answered and granted no origin; the profile declares no cross-origin client (allowed_origins = [])".to_string()
                } else if any_allowed_granted {
                    "no CORS headers for any origin, allowed or not (the API elsewhere grants the allowed origin)".to_string()
                } else {
                    "no answer granted an allowed origin: the profile lists origins the server never grants, or the CORS layer was not reached".to_string()
                };
                observations.push(Observation::new(status, silent.join(", "), detail));
            }
            // Said once: each URL's own ERROR already names why it was not reached.
            if !any_reached
                && observations
                    .iter()
                    .all(|o| !matches!(o.status, Status::Fail | Status::Error))
            {
                observations.push(Observation::new(
                    Status::Error,
                    "cors",
                    "no probed URL answered as the app: nothing shows the CORS policy was reached",
                ));
            }
            let coverage =
                crate::result::Coverage::new("URLs", targets.len(), 1 + safe_routes.len(), left);
            Finding::from_observations(observations).with_coverage(coverage)
        })
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(OriginPolicy)]
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

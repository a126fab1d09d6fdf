//! `redirects.open-redirect`: the pages that take a return URL (login, logout, OAuth
//! callbacks) never send the browser off-site, whatever disguise the target wears. Targets
//! and parameters are data (`checks/rules/open-redirect.toml`); a redirect counts whether it
//! comes as a `Location`, a meta refresh or a script assignment.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use url::Url;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

#[derive(Deserialize)]
struct Rules {
    parameters: Vec<String>,
    payload: Vec<Payload>,
}

#[derive(Deserialize)]
struct Payload {
    name: String,
    value: String,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        match toml::from_str(include_str!("../../../checks/rules/open-redirect.toml")) {
            Ok(rules) => rules,
            // Compiled-in data: a unit test parses it, so this cannot ship.
            Err(error) => panic!("checks/rules/open-redirect.toml: {error}"),
        }
    })
}

/// Redirect targets written into a page: meta refresh, `location = …`, `location.replace(…)`.
fn page_redirects(body: &str) -> Vec<String> {
    static PATTERNS: OnceLock<Vec<Regex>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            r#"(?i)<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d*\s*;?\s*url\s*=\s*['"]?([^"'>\s]+)"#,
            r#"(?:window\.|document\.|top\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']"#,
            r#"location\.(?:replace|assign)\(\s*["']([^"']+)["']"#,
        ]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
    });
    patterns
        .iter()
        .flat_map(|p| {
            p.captures_iter(body)
                .filter_map(|c| Some(c.get(1)?.as_str().to_string()))
        })
        .collect()
}

pub struct OpenRedirect;

impl OpenRedirect {
    fn paths(profile: &Profile) -> Vec<String> {
        if !profile.redirects.paths.is_empty() {
            return profile.redirects.paths.clone();
        }
        profile
            .auth
            .login_path
            .iter()
            .filter(|p| p.starts_with('/'))
            .cloned()
            .collect()
    }
}

impl Check for OpenRedirect {
    fn id(&self) -> &str {
        "redirects.open-redirect"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if let Some(absent) = crate::checks::stated_absent(
            profile,
            crate::profile::Absent::ReturnUrls,
            "no page or endpoint takes a return URL",
        ) {
            return absent;
        }
        if Self::paths(profile).is_empty() {
            // An API-only deploy has no login page or other page taking a return URL; a
            // redirecting endpoint it does have (an OAuth callback) is named to be judged.
            if let Some(absent) = crate::checks::front_end_absent(profile) {
                return absent;
            }
            Applicability::Skip {
                key: "redirects.paths",
                reason: "no page that takes a return URL is named ([redirects] paths or [auth] login_path; `has_no = [\"return_urls\"]` where none does)".into(),
            }
        } else {
            Applicability::Run
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let host = ctx
                .profile
                .target
                .base_url
                .host_str()
                .unwrap_or_default()
                .to_string();
            let mut observations = Vec::new();
            for path in Self::paths(&ctx.profile) {
                let base = match ctx.profile.url_for(&path) {
                    Ok(url) => url,
                    Err(error) => {
                        observations.push(Observation::new(Status::Error, path, error.to_string()));
                        continue;
                    }
                };
                observations.push(probe_page(ctx, &path, &base, &host).await);
            }
            Finding::from_observations(observations)
        })
    }
}

/// How a probe's value is written into the query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// `next=https%3A%2F%2Fevil.test%2F`: what a form or a careful link builder sends.
    Percent,
    /// `next=https://evil.test/`: what a phishing link contains. Servers that read the raw
    /// query (nginx `$arg_next`) only ever see this form as a URL.
    Raw,
}

fn with_parameter(base: &Url, parameter: &str, value: &str, encoding: Encoding) -> Url {
    let mut url = base.clone();
    match encoding {
        Encoding::Percent => {
            url.query_pairs_mut().append_pair(parameter, value);
        }
        Encoding::Raw => {
            let query = match base.query() {
                Some(q) if !q.is_empty() => format!("{q}&{parameter}={value}"),
                _ => format!("{parameter}={value}"),
            };
            url.set_query(Some(&query));
        }
    }
    url
}

/// Where an answer sends the browser: a `Location`, or a page's own redirect.
fn redirect_targets(response: &crate::net::Fetched) -> Vec<(&'static str, String)> {
    let mut targets = Vec::new();
    if let Some(location) = response.header("location")
        && (300..400).contains(&response.status)
    {
        targets.push(("Location", location));
    }
    if response.is_success() {
        let body = String::from_utf8_lossy(&response.body);
        targets.extend(page_redirects(&body).into_iter().map(|t| ("page", t)));
    }
    targets
}

/// Probes one page: the control first (a same-origin return URL per parameter: does the
/// page read it?), then every foreign payload, percent-encoded and raw.
async fn probe_page(ctx: &Ctx, path: &str, base: &Url, host: &str) -> Observation {
    let rules = rules();
    let subject = format!("GET {path}");
    let marker = format!(
        "/launch-audit-return-{}",
        crate::checks::ai::fresh_token().to_ascii_lowercase()
    );
    // Both spellings: a server that reads the raw query sees `%2F…` as no path at all.
    let controls = rules.parameters.iter().flat_map(|parameter| {
        [Encoding::Percent, Encoding::Raw].map(|encoding| {
            let url = with_parameter(base, parameter, &marker, encoding);
            async move { (parameter, ctx.http.send(&HttpRequest::get(url)).await) }
        })
    });
    let mut read_by_page = Vec::new();
    for (parameter, answer) in futures_util::future::join_all(controls).await {
        if let Ok(response) = answer
            && (response
                .header("location")
                .is_some_and(|l| l.contains(&marker))
                || String::from_utf8_lossy(&response.body).contains(&marker))
            && !read_by_page.contains(&parameter.as_str())
        {
            read_by_page.push(parameter.as_str());
        }
    }
    let mut planned = Vec::new();
    for parameter in &rules.parameters {
        for payload in &rules.payload {
            let value = payload.value.replace("{host}", host);
            for encoding in [Encoding::Percent, Encoding::Raw] {
                let url = with_parameter(base, parameter, &value, encoding);
                if !planned.iter().any(|(_, _, u, _)| *u == url) {
                    planned.push((parameter, payload, url, encoding));
                }
            }
        }
    }
    let probes = planned
        .into_iter()
        .map(|(parameter, payload, url, encoding)| async move {
            let answer = ctx.http.send(&HttpRequest::get(url.clone())).await;
            (parameter, payload, url, encoding, answer)
        });
    let answers = futures_util::future::join_all(probes).await;
    let total = answers.len();
    let mut off_site = Vec::new();
    let mut errors = Vec::new();
    let mut not_app = Vec::new();
    for (parameter, payload, url, encoding, answer) in answers {
        let response = match answer {
            Ok(response) => response,
            Err(error) => {
                errors.push(ctx.redactor.redact(&error.to_string()));
                continue;
            }
        };
        // A page that is not there, or not allowed, never read the parameter.
        if response.status >= 400 || response.truncated {
            not_app.push(response.status);
        }
        for (how, target) in redirect_targets(&response) {
            if let Some(foreign) = leaves_site(ctx, &url, &target) {
                off_site.push(format!(
                    "{parameter}= {}{} → {how} `{}` ({foreign})",
                    payload.name,
                    if encoding == Encoding::Raw {
                        ", unencoded"
                    } else {
                        ""
                    },
                    target.trim()
                ));
            }
        }
    }
    if !off_site.is_empty() {
        let count = off_site.len();
        let shown: Vec<String> = off_site.into_iter().take(3).collect();
        return Observation::new(
            Status::Fail,
            subject,
            format!(
                "sends the browser off-site for {count} of {total} return URLs: {}",
                shown.join("; ")
            ),
        );
    }
    if !errors.is_empty() {
        return Observation::new(
            Status::Error,
            subject,
            format!(
                "{} of {total} probes got no answer: {}",
                errors.len(),
                errors[0]
            ),
        );
    }
    if not_app.len() == total {
        let mut statuses = not_app;
        statuses.sort_unstable();
        statuses.dedup();
        let statuses: Vec<String> = statuses.iter().map(u16::to_string).collect();
        return Observation::new(
            Status::Error,
            subject,
            format!(
                "answered {} to every probe: the page was not reached, so no return URL was tested",
                statuses.join("/")
            ),
        );
    }
    if read_by_page.is_empty() {
        return Observation::new(
            Status::Error,
            subject,
            format!(
                "the page neither followed nor echoed a same-origin return URL in any of {}: it reads none of them, so nothing was tested — name the page that takes a return URL in [redirects] paths, or state `has_no = [\"return_urls\"]` where none does",
                rules.parameters.join(", ")
            ),
        );
    }
    Observation::new(
        Status::Pass,
        subject,
        format!(
            "reads {}; {total} foreign return URLs ({} parameters × {} disguises, encoded and raw): none led off-site",
            read_by_page
                .iter()
                .map(|p| format!("{p}="))
                .collect::<Vec<_>>()
                .join(", "),
            rules.parameters.len(),
            rules.payload.len()
        ),
    )
}

/// The foreign host a redirect target leads to, resolved as a browser would (WHATWG URL
/// parsing: backslashes, missing slashes, user-info), if it is not one the profile names.
fn leaves_site(ctx: &Ctx, from: &Url, target: &str) -> Option<String> {
    let resolved = from.join(target.trim()).ok()?;
    match resolved.host_str() {
        Some(host) if ctx.http.in_scope(host) => None,
        Some(host) => Some(host.to_string()),
        None if matches!(resolved.scheme(), "javascript" | "data") => {
            Some(format!("{}: URL", resolved.scheme()))
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse() {
        let rules = rules();
        assert!(rules.parameters.contains(&"next".to_string()));
        assert!(rules.payload.len() >= 8);
    }

    #[test]
    fn page_redirects_are_found() {
        let page = r#"<meta http-equiv="refresh" content="0; url=//evil.test/x"><script>window.location.href = "https://evil.test/y"; location.replace('/local')</script>"#;
        assert_eq!(
            page_redirects(page),
            ["//evil.test/x", "https://evil.test/y", "/local"]
        );
    }

    #[test]
    fn browsers_read_disguises_as_foreign_hosts() {
        let from = Url::parse("https://app.acme.test/login").unwrap();
        for (target, host) in [
            ("//evil.test/", "evil.test"),
            // Same scheme as the page: a relative path to browsers (WHATWG special-relative).
            ("https:evil.test", "app.acme.test"),
            ("http:evil.test", "evil.test"),
            ("/\\evil.test", "evil.test"),
            ("https://app.acme.test@evil.test/", "evil.test"),
            ("/\t/evil.test", "evil.test"),
            ("/dashboard", "app.acme.test"),
            ("%2F%2Fevil.test", "app.acme.test"),
        ] {
            assert_eq!(
                from.join(target).unwrap().host_str(),
                Some(host),
                "{target}"
            );
        }
    }
}

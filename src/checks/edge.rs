//! Edge family: `edge.cdn`. Which CDN or WAF answers in front of the site, read from the
//! response headers of base_url and canonical. Information only: INFO, never PASS or FAIL.

use std::sync::OnceLock;

use regex::Regex;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

#[derive(Deserialize)]
struct Rules {
    cdn: Vec<Signature>,
}

#[derive(Deserialize)]
struct Signature {
    name: String,
    header: String,
    value: Option<String>,
}

fn signatures() -> &'static [(Signature, Option<Regex>)] {
    static RULES: OnceLock<Vec<(Signature, Option<Regex>)>> = OnceLock::new();
    RULES.get_or_init(|| {
        let rules: Rules =
            match toml::from_str(include_str!("../../checks/rules/cdn-signatures.toml")) {
                Ok(rules) => rules,
                // Compiled-in data: a unit test parses it, so this cannot ship.
                Err(error) => panic!("checks/rules/cdn-signatures.toml: {error}"),
            };
        rules
            .cdn
            .into_iter()
            .map(|s| {
                let regex = s
                    .value
                    .as_ref()
                    .map(|v| match Regex::new(&format!("(?i){v}")) {
                        Ok(regex) => regex,
                        Err(error) => {
                            panic!("checks/rules/cdn-signatures.toml {}: {error}", s.name)
                        }
                    });
                (s, regex)
            })
            .collect()
    })
}

/// The CDNs/WAFs the headers name, each with the header that gave it away.
pub fn identify(headers: &HeaderMap) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for (signature, regex) in signatures() {
        for value in headers.get_all(signature.header.as_str()) {
            let value = String::from_utf8_lossy(value.as_bytes());
            if regex.as_ref().is_none_or(|r| r.is_match(&value))
                && !seen.iter().any(|s| s.starts_with(&signature.name))
            {
                seen.push(format!(
                    "{} ({}: {})",
                    signature.name,
                    signature.header,
                    value.trim()
                ));
            }
        }
    }
    seen
}

pub struct Cdn;

impl Check for Cdn {
    fn id(&self) -> &str {
        "edge.cdn"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let target = &ctx.profile.target;
            let mut urls = vec![target.base_url.clone()];
            if let Some(canonical) = &target.canonical
                && !urls.contains(canonical)
            {
                urls.push(canonical.clone());
            }
            let probes = urls.into_iter().map(|url| async move {
                let request = HttpRequest::get(url);
                match ctx.http.send(&request).await {
                    Err(error) => super::unreachable(ctx, &request, error),
                    Ok(response) => {
                        let found = identify(&response.headers);
                        let detail = if found.is_empty() {
                            "no CDN or WAF seen in the response headers: the origin answers directly".to_string()
                        } else {
                            found.join(", ")
                        };
                        Observation::new(Status::Info, request.describe(), detail)
                    }
                }
            });
            Finding::from_observations(futures_util::future::join_all(probes).await)
        })
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(Cdn)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_name_the_cdn() {
        let mut headers = HeaderMap::new();
        headers.insert("cf-ray", "8a1b2c3d4e5f-FRA".parse().unwrap());
        headers.insert("server", "cloudflare".parse().unwrap());
        assert_eq!(
            identify(&headers),
            ["Cloudflare (cf-ray: 8a1b2c3d4e5f-FRA)"]
        );
        let mut plain = HeaderMap::new();
        plain.insert("server", "nginx".parse().unwrap());
        plain.insert("via", "1.1 proxy.internal".parse().unwrap());
        assert!(identify(&plain).is_empty());
    }
}

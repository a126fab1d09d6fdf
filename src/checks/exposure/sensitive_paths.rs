//! `exposure.sensitive-paths`: dotfiles, dumps and debug endpoints are not served.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use url::Url;

use crate::check::{Applicability, Check, CheckFuture, Finding, Observation, Status};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;

pub struct SensitivePaths;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    path: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    path: String,
    what: String,
    confirm: String,
}

fn rules() -> &'static [(Rule, Regex)] {
    static RULES: OnceLock<Vec<(Rule, Regex)>> = OnceLock::new();
    RULES.get_or_init(|| {
        let rules: Rules =
            match toml::from_str(include_str!("../../../checks/rules/sensitive-paths.toml")) {
                Ok(rules) => rules,
                // Compiled-in data: a unit test parses it, so this cannot ship.
                Err(error) => panic!("checks/rules/sensitive-paths.toml: {error}"),
            };
        rules
            .path
            .into_iter()
            .map(|rule| match Regex::new(&rule.confirm) {
                Ok(regex) => (rule, regex),
                Err(error) => panic!("checks/rules/sensitive-paths.toml {}: {error}", rule.path),
            })
            .collect()
    })
}

/// The origins to probe: base_url's and canonical's.
fn origins(profile: &Profile) -> Vec<Url> {
    let mut origins: Vec<Url> = Vec::new();
    for url in std::iter::once(&profile.target.base_url).chain(&profile.target.canonical) {
        let mut origin = url.clone();
        origin.set_path("/");
        origin.set_query(None);
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    origins
}

impl Check for SensitivePaths {
    fn id(&self) -> &str {
        "exposure.sensitive-paths"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut observations = Vec::new();
            for origin in origins(&ctx.profile) {
                // A path that cannot exist: what the server answers to anything unknown.
                let probe = format!(
                    "/launch-audit-{}-not-a-page",
                    crate::checks::ai::fresh_token().to_ascii_lowercase()
                );
                let baseline = match origin.join(&probe) {
                    Ok(url) => ctx.http.send(&HttpRequest::get(url)).await.ok(),
                    Err(_) => None,
                };
                let catch_all = baseline
                    .as_ref()
                    .filter(|b| b.is_success())
                    .map(|b| b.body.clone());
                if catch_all.is_some() {
                    observations.push(Observation::new(Status::Pass, format!("GET {origin}{}", probe.trim_start_matches('/')), "200 to a path that cannot exist: a catch-all page; hits must show the file's own content"));
                }
                for (rule, confirm) in rules() {
                    let Ok(url) = origin.join(rule.path.trim_start_matches('/')) else {
                        continue;
                    };
                    let request = HttpRequest::get(url);
                    let observation = match ctx.http.send(&request).await {
                        Err(error) => Observation::new(
                            Status::Error,
                            request.describe(),
                            ctx.redactor.redact(&error.to_string()),
                        ),
                        Ok(response) if !response.is_success() => Observation::new(
                            Status::Pass,
                            request.describe(),
                            format!("{}: not served", response.status),
                        ),
                        Ok(response) => {
                            let text = String::from_utf8_lossy(&response.body);
                            let same_as_catch_all =
                                catch_all.as_ref().is_some_and(|c| *c == response.body);
                            if confirm.is_match(&text) && !same_as_catch_all {
                                Observation::new(
                                    Status::Fail,
                                    request.describe(),
                                    format!(
                                        "{}: serves the {} (content confirmed)",
                                        response.status, rule.what
                                    ),
                                )
                            } else {
                                Observation::new(
                                    Status::Pass,
                                    request.describe(),
                                    format!(
                                        "{}, but not the {} itself: a catch-all or placeholder page",
                                        response.status, rule.what
                                    ),
                                )
                            }
                        }
                    };
                    observations.push(observation);
                }
            }
            Finding::from_observations(observations)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::rules;

    #[test]
    fn rules_compile_and_confirm_only_real_content() {
        let find = |path: &str| {
            rules()
                .iter()
                .find(|(r, _)| r.path == path)
                .map(|(_, re)| re)
                .unwrap()
        };
        assert!(find("/.git/HEAD").is_match("ref: refs/heads/main\n"));
        assert!(!find("/.git/HEAD").is_match("<!doctype html><title>App</title>"));
        assert!(find("/.env").is_match("NODE_ENV=production\nDATABASE_URL=postgres://x\n"));
        assert!(!find("/.env").is_match("<html>not found</html>"));
    }
}

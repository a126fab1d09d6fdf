//! `exposure.sensitive-paths`: dotfiles, dumps and debug endpoints are not served.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use url::Url;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

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
                observations.extend(probe_origin(ctx, &origin).await);
            }
            Finding::from_observations(observations)
        })
    }
}

/// How the origin answers a path that cannot exist: the control every refusal is read against.
struct Control {
    subject: String,
    answer: Option<crate::net::Fetched>,
    /// The origin's root status: a 403 there and on the unknown path is a wall (a WAF
    /// refusing the auditor), not the app's answer.
    root_status: Option<u16>,
}

impl Control {
    /// Whether the app itself answered the unknown path (not a gate, a 5xx or nothing).
    fn reached_app(&self) -> bool {
        self.answer.as_ref().is_some_and(|a| {
            matches!(
                crate::net::reached(a, None),
                crate::net::Reached::App | crate::net::Reached::CutShort { .. }
            ) && !(a.status == 403 && self.root_status == Some(403))
        })
    }

    fn same_answer(&self, response: &crate::net::Fetched) -> bool {
        self.answer.as_ref().is_some_and(|a| {
            a.status == response.status && a.header("location") == response.header("location")
        })
    }
}

async fn probe_origin(ctx: &Ctx, origin: &Url) -> Vec<Observation> {
    let mut observations = Vec::new();
    // A path that cannot exist: what the server answers to anything unknown.
    let unknown = format!(
        "launch-audit-{}-not-a-page",
        crate::checks::ai::fresh_token().to_ascii_lowercase()
    );
    let control = Control {
        subject: format!("GET {origin}{unknown}"),
        answer: match origin.join(&unknown) {
            Ok(url) => ctx.http.send(&HttpRequest::get(url)).await.ok(),
            Err(_) => None,
        },
        root_status: ctx
            .http
            .send(&HttpRequest::get(origin.clone()))
            .await
            .ok()
            .map(|r| r.status),
    };
    let catch_all = control
        .answer
        .as_ref()
        .filter(|b| b.is_success())
        .map(|b| b.body.clone());
    if catch_all.is_some() {
        observations.push(Observation::new(
            Status::Pass,
            control.subject.clone(),
            "200 to a path that cannot exist: a catch-all page; hits must show the file's own content",
        ));
    }
    if !control.reached_app() {
        let why = match &control.answer {
            Some(answer) => crate::net::reached(answer, None).explain(),
            None => "no answer".to_string(),
        };
        observations.push(Observation::new(
            Status::Error,
            control.subject.clone(),
            format!("a path that cannot exist did not reach the app ({why}): refusals of the paths below prove nothing"),
        ));
    }
    let probes = rules().iter().filter_map(|(rule, confirm)| {
        let url = origin.join(rule.path.trim_start_matches('/')).ok()?;
        Some(async move {
            let request = HttpRequest::get(url);
            let answer = ctx.http.send(&request).await;
            (rule, confirm, request, answer)
        })
    });
    for (rule, confirm, request, answer) in futures_util::future::join_all(probes).await {
        let response = match answer {
            Err(error) => {
                observations.push(Observation::new(
                    Status::Error,
                    request.describe(),
                    ctx.redactor.redact(&error.to_string()),
                ));
                continue;
            }
            Ok(response) => response,
        };
        let observation = if response.is_success() {
            let text = String::from_utf8_lossy(&response.body);
            let same_as_catch_all = catch_all.as_ref().is_some_and(|c| *c == response.body);
            if confirm.is_match(&text) && !same_as_catch_all {
                Observation::new(
                    Status::Fail,
                    request.describe(),
                    format!(
                        "{}: serves the {} (content confirmed)",
                        response.status, rule.what
                    ),
                )
            } else if response.truncated {
                Observation::new(
                    Status::Error,
                    request.describe(),
                    format!(
                        "{}: cut at the byte cap before the {} could be confirmed or ruled out",
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
        } else {
            refusal(&control, &request, &response, &rule.what)
        };
        observations.push(observation);
    }
    observations
}

/// A non-2xx answer to a sensitive path, read against the control.
fn refusal(
    control: &Control,
    request: &HttpRequest<'_>,
    response: &crate::net::Fetched,
    what: &str,
) -> Observation {
    use crate::net::{Gate, Reached};
    let subject = request.describe();
    match crate::net::reached(response, None) {
        // The app's own 4xx, with the app reachable: the file is not served.
        Reached::App | Reached::CutShort { .. }
            if (400..500).contains(&response.status) && control.reached_app() =>
        {
            Observation::new(
                Status::Pass,
                subject,
                format!("{}: not served", response.status),
            )
        }
        Reached::App | Reached::Gate(Gate::LoginRedirect { .. })
            if (300..400).contains(&response.status) =>
        {
            if control.same_answer(response) {
                Observation::new(
                    Status::Pass,
                    subject,
                    format!(
                        "{}: redirected like any unknown path, so not served",
                        response.status
                    ),
                )
            } else {
                Observation::new(
                    Status::Error,
                    subject,
                    format!(
                        "{} to `{}`, unlike an unknown path: whether the {what} is served behind it was not seen",
                        response.status,
                        response.header("location").unwrap_or_default()
                    ),
                )
            }
        }
        Reached::Gate(Gate::PasswordPrompt { .. }) if control.reached_app() => Observation::new(
            Status::Warn,
            subject,
            format!(
                "{}: the {what} sits behind a password prompt of its own; it exists and is served to whoever has the password",
                response.status
            ),
        ),
        other => Observation::new(
            Status::Error,
            subject,
            match other {
                Reached::App => format!(
                    "{}: the app was not reached on this origin, so a refusal proves nothing",
                    response.status
                ),
                other => other.explain(),
            },
        ),
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

//! `graphql.login-limit`: a limiter on the login mutation counts attempts, not requests.
//! One request carries `max_attempts + 2` failed logins as aliases (at most 20), then as a
//! batch: the limiter must answer within the request, as it would to as many requests.
//! The control: the attempts are answered as failed logins (not refused as a document).

use serde_json::{Value, json};

use super::cfg::LoginMutation;
use super::client::{self, Answer, Send};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct LoginLimit;

/// Words of a limiter's answer.
const LIMITED: [&str; 5] = [
    "too many",
    "rate limit",
    "rate_limited",
    "throttl",
    "try again later",
];

fn limited(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    LIMITED.iter().any(|w| text.contains(w))
}

/// One attempt as a field selection: `a3: login(email: "…", password: "… 3") { token }`.
fn attempt(login: &LoginMutation, index: usize, alias: bool) -> String {
    let arguments: Vec<String> = login
        .arguments
        .iter()
        .map(|(name, value)| {
            // Each attempt its own wrong password, as a guessing script sends them.
            let value = if name.to_ascii_lowercase().contains("pass") {
                format!("{value}-{index}")
            } else {
                value.clone()
            };
            format!("{name}: {}", Value::String(value))
        })
        .collect();
    let prefix = if alias {
        format!("a{index}: ")
    } else {
        String::new()
    };
    format!(
        "{prefix}{}({}) {{ {} }}",
        login.field,
        arguments.join(", "),
        login.selection
    )
}

impl Check for LoginLimit {
    fn id(&self) -> &str {
        "graphql.login-limit"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if !profile.graphql.is_empty() && profile.graphql.iter().all(|g| g.login.is_none()) {
            return Applicability::Skip {
                key: "graphql.login",
                reason: "[[graphql]] names no login mutation: add [graphql.login] with its field and a failed attempt's arguments".into(),
            };
        }
        super::applicability(profile)
    }

    fn phase(&self) -> crate::check::Phase {
        // Its attempts are the measurement: after the probes, so none of theirs is limited.
        crate::check::Phase::Load
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            if let Some(refusal) = crate::checks::production_refusal(ctx, "login attempts") {
                return refusal;
            }
            let endpoints = match super::endpoints(ctx).await {
                Ok(e) => e,
                Err(finding) => return finding,
            };
            let mut observations = Vec::new();
            for endpoint in &endpoints {
                let Some(login) = &endpoint.login else {
                    continue;
                };
                let n = (login.max_attempts + 2).min(super::cfg::MAX_LOGIN_ATTEMPTS);
                let url = &endpoint.url;
                let aliased: Vec<String> = (0..n).map(|i| attempt(login, i, true)).collect();
                let document = format!("mutation {{ {} }}", aliased.join(" "));
                let subject = format!("{n} failed logins as aliases in one request to {url}");
                observations.push(judge(
                    subject,
                    client::ask(ctx, url, Send::Json(json!({"query": document})), None).await,
                    n,
                    |answer| answer.errors.iter().map(Value::to_string).collect(),
                ));
                let batch: Vec<Value> = (0..n)
                    .map(|i| json!({"query": format!("mutation {{ {} }}", attempt(login, n + i, false))}))
                    .collect();
                let subject = format!("{n} failed logins as a batch in one request to {url}");
                observations.push(judge(
                    subject,
                    client::ask(ctx, url, Send::Json(Value::Array(batch)), None).await,
                    n,
                    |answer| {
                        answer
                            .batch
                            .iter()
                            .flatten()
                            .flat_map(|item| {
                                item.get("errors")
                                    .and_then(Value::as_array)
                                    .cloned()
                                    .unwrap_or_default()
                            })
                            .map(|e| e.to_string())
                            .collect()
                    },
                ));
            }
            if observations.is_empty() {
                return Finding::skip(
                    "graphql.login",
                    "no [[graphql]] endpoint names a login mutation",
                );
            }
            Finding::from_observations(observations)
        })
    }
}

/// Limited within the request: PASS; every attempt answered as a failed login: FAIL.
fn judge(
    subject: String,
    answer: Result<Answer, client::Failure>,
    n: usize,
    errors_of: impl Fn(&Answer) -> Vec<String>,
) -> Observation {
    let answer = match answer {
        Ok(answer) => answer,
        // Not a GraphQL answer, and not a server error: the request was turned away.
        Err(why @ client::Failure::NotGraphql(status)) if status < 500 => {
            return Observation::new(Status::Pass, subject, format!("not executed ({why})"));
        }
        Err(why) => return Observation::new(Status::Error, subject, why.to_string()),
    };
    if answer.status == 429 || limited(&answer.text) {
        return Observation::new(
            Status::Pass,
            subject,
            format!("{}: the limiter answered within the request", answer.status),
        );
    }
    let errors = errors_of(&answer);
    if answer.batch.is_none() && !answer.errors.is_empty() && answer.data.is_none() {
        // Refused as a document (a batch refused, an alias limit): the attempts never ran.
        return Observation::new(
            Status::Pass,
            subject,
            format!("not executed: {}", answer.describe()),
        );
    }
    if errors.len() >= n {
        return Observation::new(
            Status::Fail,
            subject,
            format!(
                "{n} attempts each answered as a failed login, none limited: a limiter that counts requests saw one"
            ),
        );
    }
    Observation::new(
        Status::Info,
        subject,
        format!(
            "{} of {n} attempts answered as failed logins: not read as a burst",
            errors.len()
        ),
    )
}

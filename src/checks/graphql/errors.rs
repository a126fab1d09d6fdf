//! `graphql.errors`: what goes wrong stays inside. A broken document, an unknown field, and
//! each declared read operation asked by its owner with a quote in its string variables
//! (what breaks a query built by hand) must answer `errors` without stack traces, database
//! messages or file paths; read with the input family's scanner
//! (`checks/rules/error-signatures.toml`). The control: an `errors` array came back.

use serde_json::{Value, json};

use super::client::{self, Send};
use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::input::signatures::leaks_in;
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Errors;

/// What breaks a query assembled by hand.
const HOSTILE: &str = "x'\"";

impl Check for Errors {
    fn id(&self) -> &str {
        "graphql.errors"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applicability(profile)
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let endpoints = match super::endpoints(ctx).await {
                Ok(e) => e,
                Err(finding) => return finding,
            };
            let mut observations = Vec::new();
            for endpoint in &endpoints {
                let url = &endpoint.url;
                let mut probes: Vec<(String, Value, Option<&crate::profile::Identity>)> = vec![
                    (
                        "a broken document".into(),
                        json!({"query": "{ __typename("}),
                        None,
                    ),
                    (
                        "an unknown field".into(),
                        json!({"query": "{ launchAuditNoSuchField }"}),
                        None,
                    ),
                ];
                for operation in endpoint.operations.iter().filter(|o| !o.mutation) {
                    let Some((owner, _)) = super::access::owner_of(ctx, endpoint, operation).await
                    else {
                        continue;
                    };
                    let strings = operation.variables.values().any(Value::is_string);
                    if !strings {
                        continue;
                    }
                    let hostile: serde_json::Map<String, Value> = operation
                        .variables
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                if v.is_string() {
                                    json!(HOSTILE)
                                } else {
                                    v.clone()
                                },
                            )
                        })
                        .collect();
                    probes.push((
                        format!(
                            "`{}` as {} with a quote in its strings",
                            operation.name, owner.name
                        ),
                        json!({"query": operation.query, "variables": hostile}),
                        Some(owner),
                    ));
                }
                for (what, body, identity) in probes {
                    let subject = format!("{what} at {url}");
                    observations.push(
                        match client::ask(ctx, url, Send::Json(body), identity).await {
                            Ok(answer) if answer.errors.is_empty() => Observation::new(
                                Status::Info,
                                subject,
                                format!("no errors to read ({})", answer.describe()),
                            ),
                            Ok(answer) => {
                                let mut leaks = leaks_in(answer.text.as_bytes());
                                if answer.errors.iter().any(|e| {
                                    e.pointer("/extensions/stacktrace").is_some()
                                        || e.pointer("/extensions/exception/stacktrace").is_some()
                                        || e.pointer("/extensions/originalError/stack").is_some()
                                }) {
                                    leaks.push("a stack trace in errors[].extensions");
                                }
                                leaks.dedup();
                                if leaks.is_empty() {
                                    Observation::new(
                                        Status::Pass,
                                        subject,
                                        format!("{}: errors without internals", answer.status),
                                    )
                                } else {
                                    Observation::new(
                                        Status::Fail,
                                        subject,
                                        format!(
                                            "{}: errors carry {}",
                                            answer.status,
                                            leaks.join(", ")
                                        ),
                                    )
                                }
                            }
                            Err(why @ client::Failure::NotGraphql(_)) => Observation::new(
                                Status::Info,
                                subject,
                                format!("{why}: no errors to read"),
                            ),
                            Err(why) => Observation::new(Status::Error, subject, why.to_string()),
                        },
                    );
                }
            }
            Finding::from_observations(observations)
        })
    }
}

//! `graphql.csrf`: a mutation is never executed from a request a browser sends cross-site
//! without a preflight: over GET, or POSTed as an HTML form or as `text/plain`. The probe
//! is `mutation { __typename }`, which runs no resolver: it changes nothing, and the
//! control is the same document POSTed as JSON, executed.

use serde_json::json;

use super::client::{self, Send};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Csrf;

const MUTATION: &str = "mutation { __typename }";

impl Check for Csrf {
    fn id(&self) -> &str {
        "graphql.csrf"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applicability(profile)
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
                let control =
                    client::ask(ctx, url, Send::Json(json!({"query": MUTATION})), None).await;
                match control {
                    Ok(answer) if answer.served() => {}
                    Ok(answer) => {
                        observations.push(Observation::new(
                            Status::Info,
                            format!("{MUTATION} POSTed as JSON to {url}"),
                            format!("not executed ({}): no mutation to forge", answer.describe()),
                        ));
                        continue;
                    }
                    Err(why) => {
                        observations.push(Observation::new(
                            Status::Error,
                            format!("POST {url}"),
                            why.to_string(),
                        ));
                        continue;
                    }
                }
                let forged = [
                    ("GET ?query=", Send::Get(MUTATION)),
                    (
                        "POST as an HTML form (application/x-www-form-urlencoded)",
                        Send::Form(MUTATION),
                    ),
                    (
                        "POST as text/plain",
                        Send::TextPlain(json!({"query": MUTATION})),
                    ),
                ];
                for (how, send) in forged {
                    let subject = format!("{MUTATION} by {how} at {url}");
                    observations.push(match client::ask(ctx, url, send, None).await {
                        Ok(answer) if answer.served() => Observation::new(
                            Status::Fail,
                            subject,
                            format!("{}: executed; a page on any site can make a signed-in visitor's browser send mutations", answer.status),
                        ),
                        Ok(answer) => Observation::new(Status::Pass, subject, answer.describe()),
                        // Not even a GraphQL answer: not executed.
                        Err(why @ client::Failure::NotGraphql(status)) if status < 500 => {
                            Observation::new(Status::Pass, subject, format!("not executed ({why})"))
                        }
                        Err(why) => Observation::new(Status::Error, subject, why.to_string()),
                    });
                }
            }
            Finding::from_observations(observations)
        })
    }
}

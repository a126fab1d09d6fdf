//! `graphql.schema-exposure`: introspection refused, field suggestions hidden, no GraphQL
//! IDE served. A FAIL in production, a WARN in staging.

use serde_json::{Value, json};

use super::client::{self, Send};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct SchemaExposure;

/// Words in a page that say it is a GraphQL IDE.
const IDE_MARKERS: [&str; 7] = [
    "graphiql",
    "graphql playground",
    "graphql-playground",
    "apollo sandbox",
    "embeddable-sandbox",
    "altair",
    "graphql voyager",
];

impl Check for SchemaExposure {
    fn id(&self) -> &str {
        "graphql.schema-exposure"
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
            let exposed = super::exposure_status(ctx);
            let mut observations = Vec::new();
            for endpoint in &endpoints {
                let url = &endpoint.url;
                // Introspection.
                let subject = format!("introspection at {url}");
                let introspection = client::ask(
                    ctx,
                    url,
                    Send::Json(json!({"query": "query LaunchAudit { __schema { queryType { name fields { name } } } }"})),
                    None,
                )
                .await;
                // Fields the app is known to have: declared, then what its scripts ask,
                // then (below) the schema when introspection hands it out.
                let mut known: Vec<String> = endpoint
                    .public_fields
                    .iter()
                    .chain(endpoint.operations.iter().flat_map(|o| &o.root_fields))
                    .chain(&endpoint.shipped_fields)
                    .cloned()
                    .collect();
                observations.push(match &introspection {
                    Ok(answer)
                        if answer
                            .data
                            .as_ref()
                            .and_then(|d| d.get("__schema"))
                            .is_some_and(|s| !s.is_null()) =>
                    {
                        if let Some(fields) = answer
                            .data
                            .as_ref()
                            .and_then(|d| d.pointer("/__schema/queryType/fields"))
                            .and_then(Value::as_array)
                        {
                            known.extend(
                                fields
                                    .iter()
                                    .filter_map(|f| f.get("name")?.as_str().map(str::to_string)),
                            );
                        }
                        Observation::new(
                            exposed,
                            subject,
                            "on: anyone reads the whole schema (every type, field and argument)",
                        )
                    }
                    Ok(answer) => Observation::new(Status::Pass, subject, answer.describe()),
                    Err(why) => Observation::new(Status::Error, subject, why.to_string()),
                });
                // Suggestions: a root field misspelled.
                known.extend(super::schema::COMMON_FIELDS.iter().map(|f| f.to_string()));
                let mut seen = std::collections::HashSet::new();
                known.retain(|f| seen.insert(f.clone()));
                let mut judged = false;
                for misspelled in known
                    .iter()
                    .filter_map(|f| super::schema::misspelled(f))
                    .take(4)
                {
                    let subject = format!("field suggestions at {url} ({{ {misspelled} }})");
                    match client::ask(
                        ctx,
                        url,
                        Send::Json(json!({"query": format!("{{ {misspelled} }}")})),
                        None,
                    )
                    .await
                    {
                        Ok(answer) if answer.messages().contains("Did you mean") => {
                            observations.push(Observation::new(
                                exposed,
                                subject,
                                format!(
                                    "suggested: {}",
                                    answer.messages().chars().take(140).collect::<String>()
                                ),
                            ));
                            judged = true;
                            break;
                        }
                        Ok(answer) if answer.messages().contains("Cannot query field") => {
                            observations.push(Observation::new(
                                Status::Pass,
                                subject,
                                "refused without a suggestion",
                            ));
                            judged = true;
                            break;
                        }
                        _ => {}
                    }
                }
                if !judged {
                    observations.push(Observation::new(
                        Status::Info,
                        format!("field suggestions at {url}"),
                        "no misspelled field drew a validation error to read",
                    ));
                }
                // An IDE served to a browser.
                let request =
                    HttpRequest::get(url.clone()).with_header("accept", "text/html".into());
                let subject = format!("GET {url} as a browser");
                observations.push(match ctx.http.send(&request).await {
                    Ok(response) => {
                        let text = String::from_utf8_lossy(&response.body).to_ascii_lowercase();
                        match IDE_MARKERS.iter().find(|m| text.contains(*m)) {
                            Some(marker) if response.is_success() => Observation::new(
                                exposed,
                                subject,
                                format!("{}: a GraphQL IDE is served ({marker})", response.status),
                            ),
                            _ => Observation::new(
                                Status::Pass,
                                subject,
                                format!("{}: no GraphQL IDE", response.status),
                            ),
                        }
                    }
                    Err(e) => Observation::new(
                        Status::Error,
                        subject,
                        ctx.redactor.redact(&e.to_string()),
                    ),
                });
            }
            Finding::from_observations(observations)
        })
    }
}

//! `graphql.limits`: one small request must not make the server do unbounded work. Each
//! probe is bounded (documented in the catalogue) and has its control:
//! - aliases: the same field under 5 aliases is executed (the control), under 100 it
//!   must be refused;
//! - depth: a 12-deep document must meet a depth rule. Made-up fields show the rule at
//!   validation (a limited server names the depth); only an executed deep document (the
//!   introspection schema nests, when introspection is on) proves there is none;
//! - tokens: a public field selecting `__typename` about 700 times (about 1,500 tokens,
//!   about 17 KiB) must be refused, while the same with 5 is executed;
//! - batching: an array of 20 operations in one request must not all be executed.

use serde_json::{Value, json};

use super::client::{self, Answer, Send};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Limits;

/// The caps: what the probes send at most.
pub const ALIASES: usize = 100;
pub const CONTROL_ALIASES: usize = 5;
pub const DEPTH: usize = 12;
pub const BATCH: usize = 20;
/// A document of about this many tokens (a public field's selection repeated): 1,000 is
/// graphql-armor's default limit.
pub const TOKENS: usize = 1_500;

impl Check for Limits {
    fn id(&self) -> &str {
        "graphql.limits"
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
                // A field strangers may ask: aliases of `__typename` prove nothing (it costs
                // nothing, and limiters rightly let it through).
                // Declared, or learnt from the app's scripts or the server's suggestions and
                // seen to execute with no login.
                if let Some((public, _)) = super::schema::public_field(ctx, endpoint).await {
                    observations
                        .push(aliases(ctx, url, &format!("{public} {{ __typename }}")).await);
                    observations.push(tokens(ctx, url, &public).await);
                } else {
                    observations.push(Observation::new(
                        Status::Info,
                        format!("{ALIASES} aliases at {url}"),
                        "no field strangers may ask is known (aliases of __typename cost nothing and prove nothing), and none the pages' scripts ask or the server suggests executes with no login: name one in [[graphql]] public_fields",
                    ));
                }
                observations.push(depth(ctx, url).await);
                // Batching.
                let subject = format!("a batch of {BATCH} operations at {url}");
                let batch: Vec<Value> = (0..BATCH)
                    .map(|_| json!({"query": "{__typename}"}))
                    .collect();
                observations.push(match client::ask(ctx, url, Send::Json(Value::Array(batch)), None).await {
                    Ok(answer) => match &answer.batch {
                        Some(items) if items.iter().filter(|i| i.get("data").is_some_and(|d| !d.is_null())).count() >= BATCH => {
                            Observation::new(
                                Status::Fail,
                                subject,
                                format!("all {BATCH} executed in one request: a limiter that counts requests sees one"),
                            )
                        }
                        _ => Observation::new(Status::Pass, subject, format!("not executed as a batch: {}", answer.describe())),
                    },
                    Err(why @ client::Failure::NotGraphql(status)) if status < 500 => {
                        Observation::new(Status::Pass, subject, format!("refused: {why}"))
                    }
                    Err(why) => Observation::new(Status::Error, subject, why.to_string()),
                });
            }
            Finding::from_observations(observations)
        })
    }
}

/// The same field under a few aliases (executed: the control), then under [`ALIASES`].
async fn aliases(ctx: &Ctx, url: &url::Url, field: &str) -> Observation {
    let aliased = |n: usize| {
        let body: Vec<String> = (0..n).map(|i| format!("a{i}: {field}")).collect();
        format!("{{ {} }}", body.join(" "))
    };
    let subject = format!("{ALIASES} aliases of `{field}` at {url}");
    match short_then_long(ctx, url, &aliased(CONTROL_ALIASES), &aliased(ALIASES)).await {
        Compared::ShortRefused(control) => Observation::new(
            Status::Info,
            subject,
            format!(
                "even {CONTROL_ALIASES} aliases were not executed ({}): nothing to compare",
                control.describe()
            ),
        ),
        Compared::Long(probe) if aliases_executed(&probe) >= ALIASES => Observation::new(
            Status::Fail,
            subject,
            format!(
                "all {ALIASES} executed in one request ({} ms)",
                probe.elapsed.as_millis()
            ),
        ),
        Compared::Long(probe) => Observation::new(
            Status::Pass,
            subject,
            format!(
                "refused while {CONTROL_ALIASES} were executed: {}",
                probe.describe()
            ),
        ),
        Compared::Failed(why) => Observation::new(Status::Error, subject, why.to_string()),
    }
}

/// A public field selecting `__typename` over and over: a document long in tokens, cheap to
/// execute (graphql-js merges the repeats), which a token limit refuses at parse time.
async fn tokens(ctx: &Ctx, url: &url::Url, field: &str) -> Observation {
    let document = |repeats: usize| {
        format!(
            "{{ {field} {{ {} }} }}",
            vec!["__typename"; repeats].join(" ")
        )
    };
    // Each repeat is one token; the braces and the field name a handful more.
    let subject = format!("a document of about {TOKENS} tokens at {url}");
    match short_then_long(ctx, url, &document(5), &document(TOKENS - 5)).await {
        Compared::ShortRefused(control) => Observation::new(
            Status::Info,
            subject,
            format!(
                "even a short one was not executed ({}): nothing to compare",
                control.describe()
            ),
        ),
        Compared::Long(probe) if probe.served() => Observation::new(
            Status::Fail,
            subject,
            format!(
                "executed ({} ms): no token limit bounds what a document may make the server parse",
                probe.elapsed.as_millis()
            ),
        ),
        Compared::Long(probe) => Observation::new(
            Status::Pass,
            subject,
            format!(
                "refused while a short one was executed: {}",
                probe.describe()
            ),
        ),
        Compared::Failed(why) => Observation::new(Status::Error, subject, why.to_string()),
    }
}

/// A probe and its control: the same kind of document, short then long.
enum Compared {
    /// The short one was not executed: the long one's refusal would prove nothing.
    ShortRefused(Answer),
    /// The short one was executed; the long one's answer.
    Long(Answer),
    Failed(client::Failure),
}

async fn short_then_long(ctx: &Ctx, url: &url::Url, short: &str, long: &str) -> Compared {
    let ask = |document: &str| client::ask(ctx, url, Send::Json(json!({"query": document})), None);
    match ask(short).await {
        Ok(control) if !control.served() => Compared::ShortRefused(control),
        Ok(_) => match ask(long).await {
            Ok(probe) => Compared::Long(probe),
            Err(why) => Compared::Failed(why),
        },
        Err(why) => Compared::Failed(why),
    }
}

/// How many aliases an answer's `data` carries, executed.
fn aliases_executed(answer: &Answer) -> usize {
    answer
        .data
        .as_ref()
        .and_then(Value::as_object)
        .map_or(0, |d| d.values().filter(|v| !v.is_null()).count())
}

/// A document `DEPTH` fields deep: made-up names, or the introspection schema's own nesting.
fn deep(made_up: bool) -> String {
    if made_up {
        let mut doc = "launchAuditLeaf".to_string();
        for level in (0..DEPTH).rev() {
            doc = format!("launchAuditNest{level} {{ {doc} }}");
        }
        format!("{{ {doc} }}")
    } else {
        // __schema { types { fields { type { ofType { ofType … { name } } } } } }
        let mut doc = "name".to_string();
        for _ in 0..DEPTH - 4 {
            doc = format!("ofType {{ {doc} }}");
        }
        format!("{{ __schema {{ types {{ fields {{ type {{ {doc} }} }} }} }} }}")
    }
}

async fn depth(ctx: &Ctx, url: &url::Url) -> Observation {
    let subject = format!("a {DEPTH}-deep document at {url}");
    let made_up = match client::ask(ctx, url, Send::Json(json!({"query": deep(true)})), None).await
    {
        Ok(answer) => answer,
        Err(why) => return Observation::new(Status::Error, subject, why.to_string()),
    };
    if made_up.messages().to_ascii_lowercase().contains("depth") {
        return Observation::new(
            Status::Pass,
            subject,
            format!(
                "refused for its depth: {}",
                made_up.messages().chars().take(140).collect::<String>()
            ),
        );
    }
    match client::ask(ctx, url, Send::Json(json!({"query": deep(false)})), None).await {
        Ok(answer) if answer.served() => Observation::new(
            Status::Fail,
            subject,
            format!(
                "executed ({} ms): no depth limit, so nesting multiplies the work of one request",
                answer.elapsed.as_millis()
            ),
        ),
        Ok(answer) if answer.messages().to_ascii_lowercase().contains("depth") => Observation::new(
            Status::Pass,
            subject,
            format!(
                "refused for its depth: {}",
                answer.messages().chars().take(140).collect::<String>()
            ),
        ),
        Ok(_) => Observation::new(
            Status::Info,
            subject,
            "no depth rule named at validation, and no deep document could be executed (introspection is off): declare a nested operation in [[graphql]] operations to measure it",
        ),
        Err(why) => Observation::new(Status::Error, subject, why.to_string()),
    }
}

//! Health family: `health.endpoint`.

use crate::check::{Applicability, Check, CheckFuture, Finding, Observation, Status};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;

/// The health path answers 2xx within its budget.
pub struct Endpoint;

impl Check for Endpoint {
    fn id(&self) -> &str {
        "health.endpoint"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        match profile.health {
            Some(_) => Applicability::Run,
            None => Applicability::Skip {
                key: "health.path",
                reason: "no health endpoint declared: add [health] path = \"/healthz\"".into(),
            },
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(health) = &ctx.profile.health else {
                return Finding::error("no [health] section");
            };
            let url = match ctx.profile.url_for(&health.path) {
                Ok(url) => url,
                Err(error) => return Finding::error(format!("health.path: {error}")),
            };
            let identity = health
                .identity
                .as_ref()
                .and_then(|name| ctx.profile.identities.get(name));
            let request = HttpRequest::get(url).with_identity(identity);
            let observation = match ctx.http.send(&request).await {
                Err(error) => super::unreachable(ctx, &request, error),
                Ok(response) => {
                    let millis = response.elapsed.as_millis();
                    let seen = format!(
                        "{} in {millis} ms: {}",
                        response.status,
                        ctx.excerpt(&response.body)
                    );
                    let status = if !response.is_success() {
                        Status::Fail
                    } else if response.elapsed > health.budget {
                        Status::Warn
                    } else {
                        Status::Pass
                    };
                    let detail = match status {
                        Status::Warn => {
                            format!("{seen} (slower than the {:?} budget)", health.budget)
                        }
                        _ => seen,
                    };
                    Observation::new(status, request.describe(), detail)
                }
            };
            Finding::from_observations(vec![observation])
        })
    }
}

//! Health family: `health.endpoint`.

pub mod cfg;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

/// The health path answers 2xx within its budget.
pub struct Endpoint;

/// Dependencies a JSON health body reports as failing (`"db": "down"`,
/// `{"redis": {"status": "error"}}`), by key.
pub fn failing_dependencies(body: &[u8]) -> Vec<String> {
    fn walk(key: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => {
                let s = s.to_ascii_lowercase();
                let bad = [
                    "down",
                    "error",
                    "fail",
                    "failed",
                    "failing",
                    "unhealthy",
                    "unavailable",
                    "timeout",
                ];
                if bad.iter().any(|b| {
                    s == *b || s.starts_with(&format!("{b} ")) || s.starts_with(&format!("{b}:"))
                }) && !key.is_empty()
                {
                    out.push(key.to_string());
                }
            }
            serde_json::Value::Bool(false) if ["ok", "healthy", "up", "alive"].contains(&key) => {
                out.push(key.to_string())
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    // `{"redis": {"status": "down"}}` names redis, not status.
                    let name = if k == "status" && !key.is_empty() {
                        key
                    } else {
                        k.as_str()
                    };
                    walk(name, v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        walk("", &json, &mut out);
    }
    out.dedup();
    out
}

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
            // The control: what the server answers to a path that cannot exist. A single-page
            // app's catch-all answers 200 to anything, health path or not.
            let unknown = url.join(&format!(
                "/launch-audit-{}-not-a-page",
                crate::checks::ai::fresh_token().to_ascii_lowercase()
            ));
            // Both sent with the headers the app's own client sends there (a data API's key).
            let get = |url: url::Url| {
                let mut request = HttpRequest::get(url.clone()).with_identity(identity);
                for (name, value) in crate::checks::probe::client_headers(ctx, &url) {
                    request = request.with_header(&name, value);
                }
                request
            };
            let request = get(url);
            let (answer, control) = tokio::join!(ctx.http.send(&request), async {
                match unknown {
                    Ok(unknown) => ctx.http.send(&get(unknown)).await.ok(),
                    Err(_) => None,
                }
            });
            let observation = match answer {
                Err(error) => super::unreachable(ctx, &request, error),
                Ok(response) => judge(ctx, &request, &response, control.as_ref(), health.budget),
            };
            Finding::from_observations(vec![observation])
        })
    }
}

/// The health answer against the control and the budget.
fn judge(
    ctx: &Ctx,
    request: &HttpRequest<'_>,
    response: &crate::net::Fetched,
    control: Option<&crate::net::Fetched>,
    budget: std::time::Duration,
) -> Observation {
    let subject = request.describe();
    let millis = response.elapsed.as_millis();
    let seen = format!(
        "{} in {millis} ms: {}",
        response.status,
        ctx.excerpt(&response.body)
    );
    if response.truncated {
        return Observation::new(
            Status::Error,
            subject,
            format!(
                "{}: the body did not end within {} KiB, so the health answer was never read whole",
                response.status,
                response.body.len() / 1024
            ),
        );
    }
    if let crate::net::Reached::Gate(gate) = crate::net::reached(response, None) {
        return Observation::new(
            Status::Error,
            subject,
            crate::net::Reached::Gate(gate).explain(),
        );
    }
    if response.is_success()
        && control.is_some_and(|c| c.status == response.status && c.body == response.body)
    {
        return Observation::new(
            Status::Error,
            subject,
            format!(
                "{seen} — the same answer as a path that cannot exist (a catch-all page): no health endpoint was reached"
            ),
        );
    }
    let failing = failing_dependencies(&response.body);
    let status = if !response.is_success() || !failing.is_empty() {
        Status::Fail
    } else if response.elapsed > budget {
        Status::Warn
    } else {
        Status::Pass
    };
    let detail = if response.is_success() && !failing.is_empty() {
        format!(
            "{seen} (reports {} down yet answers {}: load balancers keep sending traffic — answer 503)",
            failing.join(", "),
            response.status
        )
    } else if status == Status::Warn {
        format!("{seen} (slower than the {budget:?} budget)")
    } else {
        seen
    };
    Observation::new(status, subject, detail)
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(Endpoint)]
}

#[cfg(test)]
mod tests {
    use super::failing_dependencies;

    #[test]
    fn reads_dependency_failures_in_health_bodies() {
        assert!(failing_dependencies(br#"{"status":"ok","db":"up"}"#).is_empty());
        assert_eq!(
            failing_dependencies(br#"{"status":"ok","db":"down"}"#),
            ["db"]
        );
        assert_eq!(
            failing_dependencies(br#"{"checks":{"redis":{"status":"error"}}}"#),
            ["redis"]
        );
        assert_eq!(
            failing_dependencies(br#"{"status":"unhealthy"}"#),
            ["status"]
        );
        assert!(failing_dependencies(b"OK").is_empty());
    }
}

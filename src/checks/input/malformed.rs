//! `input.malformed`: broken JSON, wrong types, huge and deeply nested bodies, and hostile
//! ids (negative, zero, huge, traversal, NUL, SQL, odd unicode) get a 4xx — never a 5xx,
//! never a hang. Unsafe methods only on routes that opt in.

use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::probe;
use crate::ctx::Ctx;
use crate::net::{Fetched, HttpError, HttpRequest};
use crate::profile::{Profile, Route};
use crate::result::{Finding, Observation, Status};

pub struct Malformed;

/// Hostile ids, percent-encoded where a URL would otherwise rewrite them.
const HOSTILE_IDS: &[(&str, &str)] = &[
    ("negative id", "-1"),
    ("zero id", "0"),
    ("20-digit id", "99999999999999999999"),
    ("path traversal id", "..%2F..%2Fetc%2Fpasswd"),
    ("NUL byte id", "%00"),
    ("SQL injection id", "%27%20OR%20%271%27%3D%271"),
    ("odd unicode id", "%F0%9D%95%8F%E2%80%AE"),
];

/// Bodies no route should accept: (what, content type, bytes).
fn hostile_bodies(template: &serde_json::Value) -> Vec<(&'static str, Vec<u8>)> {
    let retyped = retype(template, &|_| serde_json::Value::from(12345));
    let long = retype(template, &|_| {
        serde_json::Value::String("A".repeat(100_000))
    });
    vec![
        ("broken JSON", b"{\"name\": \"unterminated".to_vec()),
        (
            "wrong types",
            serde_json::to_vec(&retyped).unwrap_or_default(),
        ),
        (
            "a 100 kB string",
            serde_json::to_vec(&long).unwrap_or_default(),
        ),
        (
            "JSON nested 5000 deep",
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        ),
        ("a 2 MiB body", {
            let mut body = b"{\"pad\": \"".to_vec();
            body.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
            body.extend(b"\"}");
            body
        }),
    ]
}

/// The template with every string replaced.
fn retype(
    value: &serde_json::Value,
    with: &dyn Fn(&str) -> serde_json::Value,
) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => with(s),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(|v| retype(v, with)).collect())
        }
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), retype(v, with)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `own_id_served`: the same caller was just served this route with its own ids, so a
/// 401/403 to a hostile id is the app reading the id and refusing it, not a gate in front.
fn judge(subject: String, sent: Result<Fetched, HttpError>, own_id_served: bool) -> Observation {
    match sent {
        Ok(r) if own_id_served && matches!(r.status, 401 | 403) => Observation::new(
            Status::Pass,
            subject,
            format!(
                "refused: {} for this id, while the caller's own id is served",
                r.status
            ),
        ),
        // Refused before the input was read: authentication or a limiter answered.
        Ok(r) if matches!(r.status, 401 | 403 | 407) => Observation::new(
            Status::Error,
            subject,
            format!(
                "{}: refused as unauthorised, so the malformed input was never parsed",
                r.status
            ),
        ),
        Ok(r) if r.status == 429 => Observation::new(
            Status::Error,
            subject,
            crate::net::reached(&r, None).explain(),
        ),
        Ok(r) if (400..500).contains(&r.status) => {
            Observation::new(Status::Pass, subject, format!("refused: {}", r.status))
        }
        Ok(r) if r.status >= 500 => Observation::new(
            Status::Fail,
            subject,
            format!("{}: the server failed instead of refusing", r.status),
        ),
        Ok(r) => Observation::new(
            Status::Warn,
            subject,
            format!("{}: accepted malformed input", r.status),
        ),
        Err(HttpError::Timeout(after)) => Observation::new(
            Status::Fail,
            subject,
            format!("no answer within {after:?}: one request can hang the endpoint"),
        ),
        Err(error) => Observation::new(Status::Error, subject, error.to_string()),
    }
}

fn probed_routes(ctx: &Ctx) -> impl Iterator<Item = &Route> {
    ctx.profile.routes.iter().filter(move |r| {
        (r.body.is_some() || !r.placeholders().is_empty()) && probe::may_probe(ctx, r)
    })
}

impl Check for Malformed {
    fn id(&self) -> &str {
        "input.malformed"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile
            .routes
            .iter()
            .any(|r| r.body.is_some() || !r.placeholders().is_empty())
        {
            Applicability::Run
        } else {
            Applicability::Skip {
                key: "routes",
                reason:
                    "no route takes a body or an id: declare routes with `body` or {placeholders}"
                        .into(),
            }
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut observations = Vec::new();
            for route in probed_routes(ctx) {
                // A legitimate caller, so authentication does not answer for the app.
                let identity = ctx.profile.active_identities().find(|i| {
                    i.may_use(&route.roles) && route.fill(&ctx.profile.tenant_values(i)).is_some()
                });
                let Some(identity) = identity else {
                    observations.push(Observation::new(
                        Status::Error,
                        format!("{} {}", route.method.as_str(), route.path),
                        "no identity may use this route",
                    ));
                    continue;
                };
                // The control: with well-formed input the route serves this caller, so a
                // refusal below is about the input, not about who asked. A write route is
                // asked too (it may be probed: allow_writes), so a 403 to a hostile id
                // reads the same on POST as on GET.
                if let Err(why) = probe::control_as(ctx, route, identity)
                    .await
                    .and_then(|b| b.ok_or_else(|| "no tenant ids for it".to_string()))
                {
                    observations.push(Observation::new(
                        Status::Error,
                        format!("{} {} as {}", route.method.as_str(), route.path, identity.name),
                        format!("well-formed input was not served ({why}): refusals of malformed input would prove nothing"),
                    ));
                    continue;
                }
                let own = ctx.profile.tenant_values(identity);
                for name in route.placeholders() {
                    for (what, value) in HOSTILE_IDS {
                        let mut values = own.clone();
                        values.insert(name.clone(), (*value).to_string());
                        let Some(filled) = route.fill(&values) else {
                            continue;
                        };
                        let subject = format!(
                            "{} {} ({what} in {{{name}}}) as {}",
                            route.method.as_str(),
                            route.path,
                            identity.name
                        );
                        let sent = match probe::request(ctx, route, &filled, Some(identity)) {
                            Ok(request) => ctx.http.send(&request).await,
                            Err(why) => {
                                observations.push(Observation::new(Status::Error, subject, why));
                                continue;
                            }
                        };
                        observations.push(judge(subject, sent, true));
                    }
                }
                if let (Some(template), Some(filled)) = (&route.body, route.fill(&own)) {
                    for (what, body) in hostile_bodies(template) {
                        let subject = format!(
                            "{} {} ({what}) as {}",
                            route.method.as_str(),
                            filled.path,
                            identity.name
                        );
                        let url = match ctx.profile.url_for(&filled.path) {
                            Ok(url) => url,
                            Err(error) => {
                                observations.push(Observation::new(
                                    Status::Error,
                                    subject,
                                    error.to_string(),
                                ));
                                continue;
                            }
                        };
                        let request = HttpRequest::new(route.method, url)
                            .with_identity(Some(identity))
                            .with_raw("application/json", body);
                        observations.push(judge(subject, ctx.http.send(&request).await, false));
                    }
                }
            }
            Finding::from_observations(observations)
        })
    }
}

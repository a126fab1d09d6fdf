//! Rate-limit family: `ratelimit.<name>`, one check per `[[rate_limits]]` entry. A bounded
//! burst (at most `burst` requests, never above `BURST_CEILING`) at the configured pace must
//! meet a limiting answer at or before `max_attempts`; then the same burst with a rotating
//! `X-Forwarded-For` / `X-Real-IP` / `Forwarded` client address must still be limited,
//! or the app trusts a header anyone can set.

pub mod cfg;

use std::sync::Arc;
use std::time::Duration;

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::checks::ratelimit::cfg::RateLimit;
use crate::ctx::Ctx;
use crate::net::{Fetched, HttpRequest};
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

/// One `[[rate_limits]]` entry.
pub struct Burst {
    id: String,
    index: usize,
}

impl Burst {
    /// The checks a profile's `[[rate_limits]]` make.
    pub fn for_profile(profile: &Profile) -> Vec<Arc<dyn Check>> {
        profile
            .rate_limits
            .iter()
            .enumerate()
            .map(|(index, limit)| {
                Arc::new(Burst {
                    id: format!("ratelimit.{}", limit.name),
                    index,
                }) as Arc<dyn Check>
            })
            .collect()
    }
}

/// How one burst went.
enum Outcome {
    /// Limited on this attempt, with these headers telling when to retry.
    Limited {
        attempt: u32,
        status: u16,
        retry_hints: Vec<String>,
        /// The median answer time before it, when attempts were slowed down.
        slowed: Option<std::time::Duration>,
    },
    /// Never limited in `sent` attempts; the statuses seen.
    NotLimited {
        sent: u32,
        statuses: Vec<u16>,
        slowed: Option<std::time::Duration>,
        /// Every attempt was refused as malformed input (the last answer, excerpted): the
        /// endpoint never judged a password.
        malformed: Option<String>,
    },
    Broken(String),
}

/// Whether `response` is a limiting answer: a listed status (503 only with Retry-After).
fn limiting(limit: &RateLimit, response: &Fetched) -> bool {
    (limit.limit_statuses.contains(&response.status)
        && (response.status != 503 || response.header("retry-after").is_some()))
        || graphql_limited(limit, response)
}

/// How a limiting answer said so: its status, or, for a success, the limit error it
/// carried (a GraphQL limiter answers 200).
fn limit_answer(status: u16) -> String {
    if (200..300).contains(&status) {
        format!("{status} with a limit error in `errors`")
    } else {
        status.to_string()
    }
}

/// A GraphQL answer (any status) whose `errors` name a limit the profile lists: an
/// error's `extensions.code` equal to one, or its message containing one (any case).
fn graphql_limited(limit: &RateLimit, response: &Fetched) -> bool {
    if limit.limit_errors.is_empty() {
        return false;
    }
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return false;
    };
    let Some(errors) = body.get("errors").and_then(|e| e.as_array()) else {
        return false;
    };
    errors.iter().any(|error| {
        let code = error.pointer("/extensions/code").and_then(|c| c.as_str());
        let message = error
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or_default()
            .to_lowercase();
        limit
            .limit_errors
            .iter()
            .any(|said| code == Some(said.as_str()) || message.contains(&said.to_lowercase()))
    })
}

fn retry_hints(response: &Fetched) -> Vec<String> {
    [
        "retry-after",
        "ratelimit-reset",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit",
        "x-ratelimit-reset",
        "x-ratelimit-limit",
    ]
    .iter()
    .filter_map(|name| {
        response
            .header(name)
            .map(|v| format!("{name}: {}", v.trim()))
    })
    .collect()
}

/// A limiter found engaged at the first attempt is waited out when it resets within this
/// long (an earlier audit's burst, a minute's window); longer, the check says so (ERROR).
const MAX_ENGAGED_WAIT: Duration = Duration::from_secs(65);

/// A lock-out longer than a day is a denial of service anyone can trigger.
const MAX_SENSIBLE_RETRY_AFTER: u64 = 86_400;

/// The delta-seconds of a `retry-after: N` hint (an HTTP-date is left alone).
fn retry_after_seconds(hints: &[String]) -> Option<u64> {
    hints
        .iter()
        .find_map(|hint| hint.strip_prefix("retry-after: "))
        .and_then(|value| value.trim().parse().ok())
}

/// A documentation address (RFC 5737 TEST-NET-3) per attempt, as a spoofing client sends.
fn spoofed(attempt: u32) -> String {
    format!("203.0.113.{}", attempt % 250 + 1)
}

/// Attempts in flight at once when no `pace` is set: an attacker does not wait for each
/// answer, and a target that slows failed logins must not make the audit serial.
const IN_FLIGHT: usize = 6;

async fn burst(ctx: &Ctx, limit: &RateLimit, spoof: bool) -> Outcome {
    use futures_util::StreamExt;
    let url = match ctx.profile.url_for(&limit.path) {
        Ok(url) => url,
        Err(error) => return Outcome::Broken(error.to_string()),
    };
    let identity = limit
        .identity
        .as_ref()
        .and_then(|name| ctx.profile.identities.get(name));
    let paced = !limit.pace.is_zero();
    let url = &url;
    let send = |attempt: u32| async move {
        if paced && attempt > 1 {
            tokio::time::sleep(limit.pace).await;
        }
        let mut request = HttpRequest::new(limit.method, url.clone())
            .with_identity(identity)
            .with_json(limit.json.clone());
        request.provokes_limit = true;
        if let Some(form) = &limit.form {
            request = request.with_form(form.clone());
        }
        if spoof {
            let ip = spoofed(attempt);
            request = request
                .with_header("x-forwarded-for", ip.clone())
                .with_header("x-real-ip", ip.clone())
                .with_header("forwarded", format!("for={ip}"));
        }
        ctx.load_progress.sent(1);
        ctx.http.send(&request).await
    };
    // The first attempt goes alone, so "limited on the very first attempt" is never an
    // artefact of arrival order. Far below the boundary attempts go IN_FLIGHT at a time:
    // a limit met there is within the budget whatever order the server took them in. The
    // boundary region (the last IN_FLIGHT attempts of the budget and the one after it) goes
    // one at a time, each sent once every earlier one was answered, so "limited at attempt
    // N" there is the count the server saw. Past it, IN_FLIGHT again. Attempts are counted
    // in the order they were answered; the first limiting answer stops the burst.
    let width = if paced { 1 } else { IN_FLIGHT };
    let (lo, hi) = boundary_region(limit.max_attempts, limit.burst, width);
    let first = futures_util::stream::once(send(1));
    let below = futures_util::stream::iter(2..lo)
        .map(send)
        .buffer_unordered(width);
    let boundary = futures_util::stream::iter(lo.max(2)..=hi)
        .map(send)
        .buffered(1);
    let past = futures_util::stream::iter(hi + 1..=limit.burst)
        .map(send)
        .buffer_unordered(width);
    let mut answers = std::pin::pin!(first.chain(below).chain(boundary).chain(past));
    let mut statuses = Vec::new();
    let mut took = Vec::new();
    let mut answered = 0u32;
    let mut last_malformed: Option<String> = None;
    let mut all_malformed = true;
    while let Some(sent) = answers.next().await {
        // Counted as answered: in the boundary region that is the order sent, and elsewhere
        // it stands for the order the server took them in.
        answered += 1;
        let attempt = answered;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                return Outcome::Broken(format!(
                    "attempt {attempt}: {}",
                    ctx.redactor.redact(&error.to_string())
                ));
            }
        };
        if limiting(limit, &response) {
            return Outcome::Limited {
                attempt,
                status: response.status,
                retry_hints: retry_hints(&response),
                slowed: slowed(&took),
            };
        }
        if malformed(limit, &response) {
            last_malformed = Some(format!(
                "{} {}",
                response.status,
                ctx.excerpt(&response.body)
            ));
        } else {
            all_malformed = false;
        }
        statuses.push(response.status);
        took.push(response.elapsed);
    }
    Outcome::NotLimited {
        sent: limit.burst,
        statuses,
        slowed: slowed(&took),
        malformed: last_malformed.filter(|_| all_malformed),
    }
}

/// Words of a validator refusing the input's shape, and of a login refusing credentials.
const VALIDATION_WORDS: &[&str] = &[
    "must be",
    "is required",
    "are required",
    "validation",
    "invalid format",
    "not a valid",
    "malformed",
    "schema",
    "expected",
    "too short",
    "too long",
    "invalid email address",
];
const CREDENTIAL_WORDS: &[&str] = &[
    "credential",
    "password",
    "incorrect",
    "wrong",
    "unauthor",
    "invalid login",
    "not match",
    "authentication failed",
    "invalid user",
];

/// An answer that refuses the attempt's shape, not its credentials: a 422, or a 400 that
/// speaks of validation and not of credentials.
fn malformed(limit: &RateLimit, response: &Fetched) -> bool {
    // A GraphQL document the server refused before running it (a parse or validation
    // error) answers `errors` without `data`: no resolver judged a password.
    if !limit.limit_errors.is_empty()
        && let Ok(body) = serde_json::from_slice::<serde_json::Value>(&response.body)
        && body.get("errors").is_some()
        && body.get("data").is_none()
    {
        return true;
    }
    let body = String::from_utf8_lossy(&response.body[..response.body.len().min(4096)])
        .to_ascii_lowercase();
    let speaks = |words: &[&str]| words.iter().any(|w| body.contains(w));
    match response.status {
        422 => !speaks(CREDENTIAL_WORDS),
        400 => speaks(VALIDATION_WORDS) && !speaks(CREDENTIAL_WORDS),
        _ => false,
    }
}

/// The attempts sent one at a time: from IN_FLIGHT below `max_attempts` to the one after
/// it (within the burst), as `(first, last)`.
fn boundary_region(max_attempts: u32, burst: u32, width: usize) -> (u32, u32) {
    let width = u32::try_from(width).unwrap_or(u32::MAX);
    let lo = max_attempts.saturating_sub(width).max(2);
    let hi = (max_attempts + 1).min(burst);
    (lo, hi)
}

/// Answers slower than this, at the median, are a deliberate slow-down (a defence).
const SLOWED_FROM: std::time::Duration = std::time::Duration::from_millis(250);

/// The median time of the non-limiting answers, when it shows a deliberate slow-down.
fn slowed(took: &[std::time::Duration]) -> Option<std::time::Duration> {
    let mut sorted = took.to_vec();
    sorted.sort();
    let median = *sorted.get(sorted.len() / 2)?;
    (median >= SLOWED_FROM).then_some(median)
}

/// Evidence of a slow-down, as a clause.
fn slowed_note(slowed: Option<std::time::Duration>) -> String {
    slowed.map_or_else(String::new, |median| {
        format!(
            "; each answer took about {} ms (median): the endpoint slows repeated attempts, a defence",
            median.as_millis()
        )
    })
}

fn status_summary(statuses: &[u16]) -> String {
    let mut counts: std::collections::BTreeMap<u16, usize> = std::collections::BTreeMap::new();
    for s in statuses {
        *counts.entry(*s).or_default() += 1;
    }
    counts
        .iter()
        .map(|(s, n)| format!("{n}× {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Check for Burst {
    fn id(&self) -> &str {
        &self.id
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn phase(&self) -> Phase {
        Phase::Load
    }

    fn timeout(&self, profile: &Profile) -> Duration {
        // Room to wait out a limiter an earlier run left engaged, once.
        profile.network.check_timeout + MAX_ENGAGED_WAIT + Duration::from_secs(1)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(limit) = ctx.profile.rate_limits.get(self.index) else {
                return Finding::error("the [[rate_limits]] entry vanished");
            };
            if let Some(refusal) = super::production_refusal(ctx, "bursts") {
                return refusal;
            }
            let subject = format!("{} {}", limit.method.as_str(), limit.path);
            let _progress = ctx
                .load_progress
                .start(&self.id, u64::from(limit.burst) * 2);
            let mut observations = Vec::new();
            let mut first = burst(ctx, limit, false).await;
            // Limited from the first attempt with a reset soon: an earlier run's burst left
            // the limiter engaged. Waited out once, the burst can show it working again.
            if let Outcome::Limited {
                attempt: 1,
                retry_hints,
                ..
            } = &first
                && let Some(seconds) =
                    retry_after_seconds(retry_hints).filter(|s| *s <= MAX_ENGAGED_WAIT.as_secs())
            {
                tokio::time::sleep(Duration::from_secs(seconds + 1)).await;
                observations.push(Observation::new(
                    Status::Info,
                    subject.clone(),
                    format!(
                        "limited from the first attempt (Retry-After {seconds} s): an earlier burst left the limiter engaged, so this one started again {} s later",
                        seconds + 1
                    ),
                ));
                first = burst(ctx, limit, false).await;
            }
            match first {
                Outcome::Broken(why) => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Error,
                        subject,
                        why,
                    )]);
                }
                // The control: the endpoint answered the attempts as the app would (a 401,
                // a 400, a 200). Server errors to every one judged nothing.
                Outcome::NotLimited { sent, statuses, .. }
                    if !statuses.is_empty() && statuses.iter().all(|s| *s >= 500) =>
                {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Error,
                        subject,
                        format!(
                            "{sent} attempts, every one a server error ({}): the endpoint never judged an attempt, so whether a limiter stands in front of it is undecided",
                            status_summary(&statuses)
                        ),
                    )]);
                }
                // The control: attempts the endpoint judged as logins. Every one refused
                // as malformed input ("30 failed logins" that were 30 validation errors)
                // says nothing about a limiter on password guesses.
                Outcome::NotLimited {
                    sent,
                    malformed: Some(answer),
                    ..
                } => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Error,
                        subject,
                        format!(
                            "{sent} attempts, every one refused as malformed input ({answer}): the endpoint never judged a password, so whether a limiter stands in front of it is undecided; make the entry's body a well-formed attempt (an identifier the app accepts, a wrong password)"
                        ),
                    )]);
                }
                Outcome::NotLimited {
                    sent,
                    statuses,
                    slowed,
                    ..
                } => {
                    observations.push(Observation::new(
                        Status::Fail,
                        subject,
                        format!("{sent} attempts, no limiting answer ({}): the limit must come by attempt {}{}", status_summary(&statuses), limit.max_attempts, slowed_note(slowed)),
                    ));
                    return Finding::from_observations(observations);
                }
                Outcome::Limited {
                    attempt: 1,
                    status,
                    retry_hints,
                    ..
                } => {
                    // Nothing of ours tripped it: an earlier run, or an endpoint that
                    // refuses everyone. A limit that cannot be seen working is not a PASS.
                    return Finding::from_observations(vec![Observation::new(
                        Status::Error,
                        subject,
                        format!(
                            "limited on the very first attempt ({status}{}): a limiter the burst tripped cannot be told from one already engaged or an endpoint that refuses everyone — run again once it has reset",
                            retry_hints
                                .iter()
                                .map(|h| format!(", {h}"))
                                .collect::<String>()
                        ),
                    )]);
                }
                Outcome::Limited {
                    attempt,
                    status,
                    retry_hints,
                    slowed,
                } => {
                    if let Some(seconds) = retry_after_seconds(&retry_hints)
                        && seconds > MAX_SENSIBLE_RETRY_AFTER
                    {
                        observations.push(Observation::new(
                            Status::Warn,
                            subject.clone(),
                            format!(
                                "Retry-After of {seconds} s: anyone can lock this endpoint for every user that long by sending {attempt} requests"
                            ),
                        ));
                    }
                    let (verdict, mut detail) = if attempt > limit.max_attempts {
                        (
                            Status::Fail,
                            format!(
                                "limited only at attempt {attempt} ({}), after max_attempts {}",
                                limit_answer(status),
                                limit.max_attempts
                            ),
                        )
                    } else {
                        (
                            Status::Pass,
                            format!(
                                "limited at attempt {attempt} of at most {} ({})",
                                limit.max_attempts,
                                limit_answer(status)
                            ),
                        )
                    };
                    let verdict = if retry_hints.is_empty() {
                        detail.push_str("; no Retry-After or RateLimit-* header tells clients when to come back");
                        if verdict == Status::Pass {
                            Status::Warn
                        } else {
                            verdict
                        }
                    } else {
                        detail.push_str(&format!("; {}", retry_hints.join(", ")));
                        verdict
                    };
                    detail.push_str(&slowed_note(slowed));
                    observations.push(Observation::new(verdict, subject.clone(), detail));
                }
            }
            // The limit exists; does a client that lies about its address escape it?
            let spoof_subject =
                format!("{subject} with a rotating X-Forwarded-For/X-Real-IP/Forwarded");
            match burst(ctx, limit, true).await {
                Outcome::Broken(why) => observations.push(Observation::new(Status::Error, spoof_subject, why)),
                Outcome::NotLimited { sent, statuses, .. } => observations.push(Observation::new(
                    Status::Fail,
                    spoof_subject,
                    format!("{sent} attempts, never limited ({}): the limiter trusts a client-supplied address, so anyone can reset it", status_summary(&statuses)),
                )),
                Outcome::Limited { attempt, status, .. } => observations.push(Observation::new(
                    Status::Pass,
                    spoof_subject,
                    format!("still limited at attempt {attempt} ({}): spoofed addresses do not reset the limit", limit_answer(status)),
                )),
            }
            Finding::from_observations(observations)
        })
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::{PerEntry, Registered};
    vec![Registered::PerEntry(PerEntry {
        id: "ratelimit.<name>",
        key: "rate_limits",
        skip_reason: "no [[rate_limits]] entry (login, signup, password reset, invites, OTP)",
        make: Burst::for_profile,
    })]
}

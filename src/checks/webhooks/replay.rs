//! `webhooks.replay`: a correctly signed but stale event is refused (schemes that sign a
//! timestamp), and the same event delivered twice is not processed twice where the endpoint
//! lets that be seen.

use super::{deliver, needs_webhooks, now, sample_event, sign};
use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::webhooks::cfg::WebhookScheme;
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Replay;

/// Whether an answer says the event was a duplicate.
fn says_duplicate(status: u16, body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_lowercase();
    status == 409
        || [
            "duplicate",
            "already processed",
            "already received",
            "replay",
        ]
        .iter()
        .any(|w| text.contains(w))
}

impl Check for Replay {
    fn id(&self) -> &str {
        "webhooks.replay"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_webhooks(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut observations = Vec::new();
            for hook in &ctx.profile.webhooks {
                let secret = hook.secret.expose().as_bytes();
                let subject = |what: &str| format!("POST {} ({what})", hook.path);
                if hook.scheme == WebhookScheme::Stripe {
                    let stale = now().saturating_sub(hook.tolerance.as_secs() + 600);
                    let (_, body) = sample_event(stale);
                    let observation =
                        match deliver(ctx, hook, &body, Some(sign(hook, secret, stale, &body)))
                            .await
                        {
                            Ok(r) if (400..500).contains(&r.status) => Observation::new(
                                Status::Pass,
                                subject("signed 10 minutes past the tolerance"),
                                format!("refused: {}", r.status),
                            ),
                            Ok(r) if r.is_success() => Observation::new(
                                Status::Fail,
                                subject("signed 10 minutes past the tolerance"),
                                format!(
                                    "accepted ({}): a captured event can be replayed forever",
                                    r.status
                                ),
                            ),
                            Ok(r) => Observation::new(
                                Status::Error,
                                subject("stale event"),
                                format!("{}: neither accepted nor refused", r.status),
                            ),
                            Err(error) => Observation::new(
                                Status::Error,
                                subject("stale event"),
                                ctx.redactor.redact(&error.to_string()),
                            ),
                        };
                    observations.push(observation);
                }
                let (_, body) = sample_event(now());
                let signature = sign(hook, secret, now(), &body);
                let first = deliver(ctx, hook, &body, Some(signature.clone())).await;
                let second = deliver(ctx, hook, &body, Some(signature)).await;
                let observation = match (first, second) {
                    (Ok(first), Ok(_)) if !first.is_success() => Observation::new(
                        Status::Error,
                        subject("same event twice"),
                        format!(
                            "the first delivery got {}: nothing to compare",
                            first.status
                        ),
                    ),
                    (Ok(_), Ok(second)) if says_duplicate(second.status, &second.body) => {
                        Observation::new(
                            Status::Pass,
                            subject("same event twice"),
                            format!(
                                "the second delivery was recognised as a duplicate ({})",
                                second.status
                            ),
                        )
                    }
                    (Ok(first), Ok(second))
                        if first.status == second.status && first.body == second.body =>
                    {
                        Observation::new(
                            Status::Warn,
                            subject("same event twice"),
                            "both deliveries got the same answer: whether the event was processed twice cannot be seen; make handlers idempotent on the event id",
                        )
                    }
                    (Ok(_), Ok(second)) => Observation::new(
                        Status::Fail,
                        subject("same event twice"),
                        format!(
                            "the second delivery was processed again: {}",
                            ctx.excerpt(&second.body)
                        ),
                    ),
                    (Err(error), _) | (_, Err(error)) => Observation::new(
                        Status::Error,
                        subject("same event twice"),
                        ctx.redactor.redact(&error.to_string()),
                    ),
                };
                observations.push(observation);
            }
            Finding::from_observations(observations)
        })
    }
}

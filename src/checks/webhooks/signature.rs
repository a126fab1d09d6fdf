//! `webhooks.signature`: unsigned, mis-signed and other-secret events are refused; the
//! correctly signed event is accepted (else nothing can be concluded).

use super::{deliver, needs_webhooks, now, sample_event, sign};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Signature;

impl Check for Signature {
    fn id(&self) -> &str {
        "webhooks.signature"
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
                let (_, body) = sample_event(now());
                // Without the genuine event accepted, refusals prove nothing.
                match deliver(ctx, hook, &body, Some(sign(hook, secret, now(), &body))).await {
                    Ok(r) if r.is_success() => observations.push(Observation::new(
                        Status::Pass,
                        subject("correctly signed"),
                        format!("accepted: {}", r.status),
                    )),
                    Ok(r) => {
                        observations.push(Observation::new(Status::Error, subject("correctly signed"), format!("refused ({}): check the profile's secret and scheme; refusals below prove nothing", r.status)));
                        continue;
                    }
                    Err(error) => {
                        observations.push(Observation::new(
                            Status::Error,
                            subject("correctly signed"),
                            ctx.redactor.redact(&error.to_string()),
                        ));
                        continue;
                    }
                }
                let (_, wrong_body) = sample_event(now());
                let (name, mut garbage) = sign(hook, secret, now(), &wrong_body);
                garbage = garbage.replace(|c: char| c.is_ascii_hexdigit() && c != '0', "0");
                let forgeries = [
                    ("unsigned", None),
                    ("wrong signature", Some((name, garbage))),
                    (
                        "signed with another secret",
                        Some(sign(
                            hook,
                            b"launch-audit-not-the-secret",
                            now(),
                            &wrong_body,
                        )),
                    ),
                ];
                for (what, signature) in forgeries {
                    let observation = match deliver(ctx, hook, &wrong_body, signature).await {
                        Ok(r) if (400..500).contains(&r.status) => Observation::new(
                            Status::Pass,
                            subject(what),
                            format!("refused: {}", r.status),
                        ),
                        Ok(r) if r.is_success() => Observation::new(
                            Status::Fail,
                            subject(what),
                            format!("accepted ({}): anyone can send you events", r.status),
                        ),
                        Ok(r) => Observation::new(
                            Status::Error,
                            subject(what),
                            format!("{}: neither accepted nor refused", r.status),
                        ),
                        Err(error) => Observation::new(
                            Status::Error,
                            subject(what),
                            ctx.redactor.redact(&error.to_string()),
                        ),
                    };
                    observations.push(observation);
                }
            }
            Finding::from_observations(observations)
        })
    }
}

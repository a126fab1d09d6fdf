//! `tokens.session-revocation`: a password reset ends the sessions that existed before it.
//! Someone who stole a session (a shared computer, a leaked token) keeps it across the
//! victim's reset unless the app ends it; on many real platforms the tokens from before a
//! reset still work after it.
//!
//! The journey's walk takes the `signed_in_by` steps (requests with a session or refresh
//! token obtained before the reset: the controls, they must pass), then the reset itself
//! (`used_by`), then each `signed_in_by` step once more: each must now be refused.

use std::time::Duration;

use super::cfg::TokenKind;
use super::tokens::{
    broken, each_token, label, must_be_refused, needs_tokens_that, tokens_timeout,
};
use super::walk::{StepOutcome, Walk};
use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Observation, Status};

pub struct SessionRevocation;

impl Check for SessionRevocation {
    fn id(&self) -> &str {
        "tokens.session-revocation"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_tokens_that(
            profile,
            (&[TokenKind::Reset], "reset"),
            |t| !t.signed_in_by.is_empty(),
            (
                "tokens.signed_in_by",
                "no reset link names the steps that act with a session or refresh token from before the reset (`signed_in_by`)",
            ),
        )
    }

    fn phase(&self) -> Phase {
        Phase::Probe
    }

    fn timeout(&self, profile: &Profile) -> Duration {
        tokens_timeout(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(each_token(
            ctx,
            &[TokenKind::Reset],
            move |token| async move {
                let subject = label(ctx, token);
                if token.signed_in_by.is_empty() {
                    return vec![Observation::new(
                        Status::Info,
                        subject,
                        "no `signed_in_by` step: not checked",
                    )];
                }
                let journey = &ctx.profile.journeys[token.journey];
                let mut walk = Walk::new(ctx, journey, self.id());
                // The controls (each credential served before the reset) and the reset itself.
                let outcomes = walk.through(token.used_by).await;
                if outcomes.len() != token.used_by + 1 || !outcomes.iter().all(StepOutcome::met) {
                    return broken(ctx, token, &outcomes, "the reset");
                }
                let mut evidence = Vec::new();
                // In walk order: a refresh step that extracts the rotated token again is retried
                // with the newest one, so a rotation is never taken for a revocation.
                for &at in &token.signed_in_by {
                    let step = &journey.steps[at].name;
                    let after = walk.step(at).await;
                    evidence.push(Observation::new(
                        Status::Info,
                        format!("{subject}: `{step}` before the reset"),
                        format!("worked: {}", outcomes[at].detail),
                    ));
                    evidence.push(must_be_refused(
                    format!("{subject}: `{step}` after the reset"),
                    &after,
                    (
                        "what was issued before the reset still works; whoever held it keeps the account",
                        "refused",
                        "not refused but failed, so nothing shows it was revoked",
                    ),
                ));
                }
                evidence
            },
        ))
    }
}

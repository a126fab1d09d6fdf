//! `tokens.single-use`, `tokens.expiry`, `tokens.account-binding`: the links a journey
//! receives by mail (reset, invitation, verification), replayed the way an attacker who
//! found one in a forwarded mail, a browser history or a log would.
//!
//! Every walk is a fresh run of the declared journey (new addresses, new account), up to
//! the step that extracts the link (`issued_by`), then the step that spends it (`used_by`).
//! A replay "works" when `used_by`'s own expectations hold again. The positive control of
//! each check is a use that did work: a fresh link spent by its own account; without it a
//! refused replay proves nothing and the check is ERROR.

use std::collections::BTreeMap;
use std::time::Duration;

use super::cfg::{Token, TokenKind};
use super::walk::{StepOutcome, Walk};
use super::{held_back, mail_waits, step_observation};
use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

/// The slack added to a declared lifetime before the expired link is tried: servers that
/// keep expiry times in whole seconds honour a link up to a second past it.
const AFTER_LIFETIME: Duration = Duration::from_secs(1);

/// `[network] check_timeout` plus the longest token's waits: its walks run one after
/// another (three at most, each with its mail waits), then its lifetime is waited out.
pub(super) fn tokens_timeout(profile: &Profile) -> Duration {
    let longest = profile
        .tokens
        .iter()
        .map(|t| {
            let journey = &profile.journeys[t.journey];
            mail_waits(profile, journey) * 3
                + t.lifetime.map_or(Duration::ZERO, |l| l + AFTER_LIFETIME)
                + super::turn_waits(profile, journey)
        })
        .max()
        .unwrap_or_default();
    profile.network.check_timeout + longest
}

pub(super) fn needs_tokens(profile: &Profile, kinds: &[TokenKind], what: &str) -> Applicability {
    if profile.tokens.iter().any(|t| kinds.contains(&t.kind)) {
        Applicability::Run
    } else if let Some(absent) = crate::checks::stated_absent(
        profile,
        crate::profile::Absent::Mail,
        "the domain sends no mail: no link is mailed",
    ) {
        absent
    } else {
        Applicability::Skip {
            key: "tokens",
            reason: format!(
                "no [[tokens]] entry of kind {what}: name the journey steps that mail and spend the link"
            ),
        }
    }
}

/// The verdict on a step retried where the app must now refuse it (a spent, expired or
/// foreign link; a revoked session): FAIL when it still worked, PASS when the app turned it
/// down itself, ERROR when it crashed or did not answer, since that shows nothing. Each
/// detail is `<what the case means>: <what the step saw>`.
pub(super) fn must_be_refused(
    subject: String,
    tried: &StepOutcome,
    (worked, refused, undecided): (&str, &str, &str),
) -> Observation {
    let (status, meaning) = if tried.met() {
        (Status::Fail, worked)
    } else if tried.refused() {
        (Status::Pass, refused)
    } else {
        (Status::Error, undecided)
    };
    Observation::new(status, subject, format!("{meaning}: {}", tried.detail))
}

/// Like [`needs_tokens`], and then one of those tokens must also satisfy `has`; else SKIP
/// with `(key, reason)`.
pub(super) fn needs_tokens_that(
    profile: &Profile,
    (kinds, what): (&[TokenKind], &str),
    has: impl Fn(&Token) -> bool,
    (key, reason): (&'static str, &str),
) -> Applicability {
    match needs_tokens(profile, kinds, what) {
        Applicability::Run
            if !profile
                .tokens
                .iter()
                .any(|t| kinds.contains(&t.kind) && has(t)) =>
        {
            Applicability::Skip {
                key,
                reason: reason.into(),
            }
        }
        other => other,
    }
}

/// The token's label in evidence: `reset link (journey "password reset")`.
pub(super) fn label(ctx: &Ctx, token: &Token) -> String {
    format!(
        "{} link (journey `{}`)",
        token.kind.as_str(),
        ctx.profile.journeys[token.journey].name
    )
}

/// A walk through the step that extracts the link; `Err` holds the evidence of where it broke.
pub(super) async fn issue<'a>(
    ctx: &'a Ctx,
    token: &Token,
    check: &'a str,
) -> Result<Walk<'a>, Vec<Observation>> {
    let journey = &ctx.profile.journeys[token.journey];
    let mut walk = Walk::new(ctx, journey, check);
    let outcomes = walk.through(token.issued_by).await;
    if outcomes.len() == token.issued_by + 1 && outcomes.iter().all(StepOutcome::met) {
        Ok(walk)
    } else {
        Err(broken(ctx, token, &outcomes, "getting a link"))
    }
}

/// Evidence for a walk that did not get as far as the check needs: an ERROR, since the
/// link's lifecycle was never reached (`journey.<name>` judges the flow itself).
pub(super) fn broken(
    ctx: &Ctx,
    token: &Token,
    outcomes: &[StepOutcome],
    doing: &str,
) -> Vec<Observation> {
    let total = ctx.profile.journeys[token.journey].steps.len();
    let mut evidence: Vec<Observation> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut seen = step_observation(i, total, o);
            if seen.status == Status::Fail {
                seen.status = Status::Error;
            }
            seen
        })
        .collect();
    evidence.push(Observation::new(
        Status::Error,
        label(ctx, token),
        format!(
            "the journey broke before {doing}: the link was never tested (see its journey check)"
        ),
    ));
    evidence
}

/// Runs `body` for every token of `kinds`, all at once (each walk is its own account, and
/// the expiry waits overlap), unless a token's journey may not be walked.
pub(super) async fn each_token<'a, F, Fut>(ctx: &'a Ctx, kinds: &[TokenKind], body: F) -> Finding
where
    F: Fn(&'a Token) -> Fut,
    Fut: std::future::Future<Output = Vec<Observation>>,
{
    let tokens: Vec<&Token> = ctx
        .profile
        .tokens
        .iter()
        .filter(|t| kinds.contains(&t.kind))
        .collect();
    let runs = tokens.iter().map(|token| {
        let journey = &ctx.profile.journeys[token.journey];
        let held = held_back(ctx, journey);
        let run = held.is_none().then(|| body(token));
        async move {
            match (run, held) {
                (Some(run), _) => {
                    // No other walk of a shared account while this one holds its links.
                    let _turn = super::turns::turn(ctx, journey).await;
                    run.await
                }
                (None, why) => vec![Observation::new(
                    Status::Error,
                    label(ctx, token),
                    format!("not tested: {}", why.unwrap_or_default()),
                )],
            }
        }
    });
    let evidence = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect();
    Finding::from_observations(evidence)
}

pub struct SingleUse;

impl Check for SingleUse {
    fn id(&self) -> &str {
        "tokens.single-use"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_tokens(
            profile,
            &[TokenKind::Reset, TokenKind::Invite, TokenKind::Verification],
            "reset, invite or verification",
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
            &[TokenKind::Reset, TokenKind::Invite, TokenKind::Verification],
            move |token| async move {
                let mut walk = match issue(ctx, token, self.id()).await {
                    Ok(walk) => walk,
                    Err(evidence) => return evidence,
                };
                let first = walk.step(token.used_by).await;
                if !first.met() {
                    let mut evidence = broken(ctx, token, &[first], "spending the link once");
                    evidence.truncate(1);
                    evidence[0].detail =
                        format!("the first use did not work: {}", evidence[0].detail);
                    return evidence;
                }
                let second = walk.step(token.used_by).await;
                let subject = label(ctx, token);
                vec![
                    Observation::new(
                        Status::Info,
                        format!("{subject}: first use"),
                        format!(
                            "worked ({} ms): {}",
                            first.elapsed.as_millis(),
                            first.detail
                        ),
                    ),
                    if second.met() && replay_grants_nothing(ctx, token) {
                        Observation::new(
                            Status::Warn,
                            format!("{subject}: second use"),
                            format!(
                                "worked again, though it confirms an address the first use confirmed and hands out nothing the journey reads, so a replay changes nothing seen here (tokens.account-binding holds it to its account); a link that works once leaves nothing to find later: {}",
                                second.detail
                            ),
                        )
                    } else {
                        must_be_refused(
                            format!("{subject}: second use"),
                            &second,
                            (
                                "worked again, so anyone who finds the link later (a forwarded mail, a shared browser) can use it",
                                "refused",
                                "not refused but failed, so nothing shows the link is spent",
                            ),
                        )
                    },
                ]
            },
        ))
    }
}

pub struct Expiry;

impl Check for Expiry {
    fn id(&self) -> &str {
        "tokens.expiry"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_tokens_that(
            profile,
            (&[TokenKind::Reset, TokenKind::Invite], "reset or invite"),
            |t| t.lifetime.is_some() || t.expired.is_some(),
            (
                "tokens.lifetime",
                "no reset or invite link declares its `lifetime` (or an `expired` link to try)",
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
            &[TokenKind::Reset, TokenKind::Invite],
            move |token| async move {
                let subject = label(ctx, token);
                if token.lifetime.is_none() && token.expired.is_none() {
                    return vec![Observation::new(
                        Status::Skip,
                        subject,
                        "no `lifetime` or `expired` declared",
                    )];
                }
                // The control: a fresh link, spent by its own account, works.
                let mut fresh = match issue(ctx, token, self.id()).await {
                    Ok(walk) => walk,
                    Err(evidence) => return evidence,
                };
                let extracted = fresh.extracted_by(token.issued_by);
                let old_try = if let Some(expired) = &token.expired {
                    // The declared old link in place of the fresh one, then the fresh one.
                    let mut stale = fresh.vars.clone();
                    for name in extracted.keys() {
                        stale.insert(name.clone(), expired.expose().to_string());
                    }
                    let kept = std::mem::replace(&mut fresh.vars, stale);
                    let tried = fresh.step(token.used_by).await;
                    fresh.vars = kept;
                    Some((tried, "the declared `expired` link".to_string()))
                } else {
                    None
                };
                let control = fresh.step(token.used_by).await;
                if !control.met() {
                    return vec![Observation::new(
                        Status::Error,
                        subject,
                        format!(
                            "a fresh link did not work either, so a refusal would prove nothing: {}",
                            control.detail
                        ),
                    )];
                }
                let (tried, what) = match old_try {
                    Some(tried) => tried,
                    None => {
                        let lifetime = token.lifetime.unwrap_or_default();
                        let mut stale = match issue(ctx, token, self.id()).await {
                            Ok(walk) => walk,
                            Err(evidence) => return evidence,
                        };
                        let old = lifetime + AFTER_LIFETIME;
                        let _waiting = ctx.load_progress.waiting(
                            self.id(),
                            format!(
                                "for the {} link to expire ({})",
                                token.kind.as_str(),
                                humantime::format_duration(old)
                            ),
                        );
                        tokio::time::sleep(old).await;
                        let tried = stale.step(token.used_by).await;
                        (
                            tried,
                            format!(
                                "a link {} old (lifetime {})",
                                humantime::format_duration(old),
                                humantime::format_duration(lifetime)
                            ),
                        )
                    }
                };
                vec![
                    Observation::new(
                        Status::Info,
                        format!("{subject}: fresh"),
                        format!("worked: {}", control.detail),
                    ),
                    must_be_refused(
                        format!("{subject}: expired"),
                        &tried,
                        (
                            &format!("{what} still worked"),
                            &format!("{what} was refused"),
                            &format!(
                                "{what} was not refused but failed, so nothing shows it expired"
                            ),
                        ),
                    ),
                ]
            },
        ))
    }
}

pub struct AccountBinding;

impl Check for AccountBinding {
    fn id(&self) -> &str {
        "tokens.account-binding"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_tokens(profile, &[TokenKind::Verification], "verification")
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
            &[TokenKind::Verification],
            move |token| async move {
                let subject = label(ctx, token);
                // Two new accounts, each with its own link.
                let owner = match issue(ctx, token, self.id()).await {
                    Ok(walk) => walk,
                    Err(evidence) => return evidence,
                };
                let mut other = match issue(ctx, token, self.id()).await {
                    Ok(walk) => walk,
                    Err(evidence) => return evidence,
                };
                let owners_link: BTreeMap<String, String> = owner.extracted_by(token.issued_by);
                let others_link = other.extracted_by(token.issued_by);
                // The other account's session with the owner's link…
                other.vars.extend(owners_link);
                let crossed = other.step(token.used_by).await;
                // A use that worked may have acted on the account the link was sent to
                // (its token names it), or on the one signed in: the journey's next step
                // tells, asked as the signed-in account.
                let shown_by = effect_step(ctx, token);
                let crossed_effect = match shown_by {
                    Some(index) if crossed.met() => Some(other.step(index).await),
                    _ => None,
                };
                // …then the control: its own link, in its own session.
                other.vars.extend(others_link);
                let control = other.step(token.used_by).await;
                if !control.met() {
                    return vec![Observation::new(
                        Status::Error,
                        subject,
                        format!(
                            "an account's own link did not work in its own session, so a refusal would prove nothing: {}",
                            control.detail
                        ),
                    )];
                }
                let own = Observation::new(
                    Status::Info,
                    format!("{subject}: its own account"),
                    format!("worked: {}", control.detail),
                );
                let crossed_subject = format!("{subject}: another account's session");
                let Some((index, effect)) = shown_by.zip(crossed_effect) else {
                    return vec![
                        own,
                        must_be_refused(
                            crossed_subject,
                            &crossed,
                            (
                                "worked with another account signed in; a link must act on the account it was sent to, or be refused",
                                "refused",
                                "not refused but failed, so nothing shows the link is bound to its account",
                            ),
                        ),
                    ];
                };
                // The effect's own control: the step holds once the account's own link is spent.
                let shown = &ctx.profile.journeys[token.journey].steps[index].name;
                let effect_control = other.step(index).await;
                let crossed = if !effect_control.met() {
                    Observation::new(
                        Status::Error,
                        crossed_subject,
                        format!(
                            "worked with another account signed in, and `{shown}` did not hold for that account even after its own link was spent, so it cannot tell which account the link acted on: {}",
                            effect_control.detail
                        ),
                    )
                } else if effect.met() {
                    Observation::new(
                        Status::Fail,
                        crossed_subject,
                        format!(
                            "worked with another account signed in, and acted on that account: `{shown}` held for it before its own link was spent: {}",
                            effect.detail
                        ),
                    )
                } else if effect.refused() {
                    Observation::new(
                        Status::Pass,
                        crossed_subject,
                        format!(
                            "answered as a use ({}), but acted on the account it was sent to: `{shown}` did not hold for the signed-in account until its own link was spent: {}",
                            crossed.detail, effect.detail
                        ),
                    )
                } else {
                    // A crash or no answer says nothing about which account was verified.
                    Observation::new(
                        Status::Error,
                        crossed_subject,
                        format!(
                            "worked with another account signed in, and `{shown}` could not be read for that account afterwards: {}",
                            effect.detail
                        ),
                    )
                };
                vec![own, crossed]
            },
        ))
    }
}

/// Whether spending `token` again can grant nothing: a verification link (it confirms the
/// address it was sent to, once confirmed for good) whose use hands out nothing the journey
/// extracts (no session, no next link). Reset and invitation links act each time.
fn replay_grants_nothing(ctx: &Ctx, token: &Token) -> bool {
    token.kind == TokenKind::Verification
        && ctx.profile.journeys[token.journey].steps[token.used_by]
            .extract
            .is_empty()
}

/// The step that shows what spending a link did to the walk's account: the journey's next
/// request after `used_by` (a "verified" read of the account), when there is one.
fn effect_step(ctx: &Ctx, token: &Token) -> Option<usize> {
    let next = token.used_by + 1;
    ctx.profile.journeys[token.journey]
        .steps
        .get(next)
        .filter(|step| step.action.is_request())
        .map(|_| next)
}

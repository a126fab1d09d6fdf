//! Journeys family: `journey.<name>`, one check per `[[journeys]]` entry, walks the flow a
//! new customer walks (sign up, the verification mail, verify, invite, reset) against the
//! real app and its real mail; `tokens.*` replays the links those journeys receive to see
//! that they work once, expire, and belong to their account. `email.delivered` (email
//! family) authenticates the messages the journeys received.
//!
//! The positive control of a journey is each step's expectation: a step PASSes only when
//! the app answered as the step says it must (or the mail arrived and held what was
//! extracted), so a PASS means the whole flow was really walked.

pub mod cfg;
pub mod mailbox;
mod session_revocation;
pub mod tokens;
mod turns;
pub mod walk;

use std::sync::Arc;
use std::time::Instant;

pub use session_revocation::SessionRevocation;
pub use tokens::{AccountBinding, Expiry, SingleUse};

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::profile::{Environment, Profile};
use crate::result::{EvidenceTable, Finding, Observation, Status};

/// The title of a journey's table of steps, which every report format shows, passing or not.
pub const STEPS_TITLE: &str = "Journey steps";

pub use cfg::slug;

/// One `[[journeys]]` entry.
pub struct JourneyCheck {
    id: String,
    index: usize,
}

impl JourneyCheck {
    /// The checks a profile's `[[journeys]]` make.
    pub fn for_profile(profile: &Profile) -> Vec<Arc<dyn Check>> {
        profile
            .journeys
            .iter()
            .enumerate()
            .map(|(index, journey)| {
                Arc::new(JourneyCheck {
                    id: format!("journey.{}", slug(&journey.name)),
                    index,
                }) as Arc<dyn Check>
            })
            .collect()
    }
}

/// The longest one walk of `journey` may wait for mail: `[mail] wait` per mail step.
pub(crate) fn mail_waits(profile: &Profile, journey: &cfg::Journey) -> std::time::Duration {
    let steps = journey
        .steps
        .iter()
        .filter(|s| matches!(s.action, cfg::Action::Mail { .. }))
        .count();
    profile
        .mail
        .as_ref()
        .map_or(std::time::Duration::ZERO, |m| m.wait * steps as u32)
}

/// How long a check may wait for its turn on `journey` when its walks share an account
/// ([`turns::turn`]): what every other check walking it may take (the journey's own walk,
/// and three token checks per link, each with its walks and the link's lifetime).
pub(crate) fn turn_waits(profile: &Profile, journey: &cfg::Journey) -> std::time::Duration {
    if !journey.shares_an_account() {
        return std::time::Duration::ZERO;
    }
    let index = profile
        .journeys
        .iter()
        .position(|j| std::ptr::eq(j, journey));
    let walk = profile.network.check_timeout + mail_waits(profile, journey);
    let links: std::time::Duration = profile
        .tokens
        .iter()
        .filter(|t| Some(t.journey) == index)
        .map(|t| (walk * 3 + t.lifetime.unwrap_or_default()) * 3)
        .sum();
    walk + links
}

/// Why a journey that writes may not be walked, if it may not.
pub(crate) fn held_back(ctx: &Ctx, journey: &cfg::Journey) -> Option<String> {
    if !journey.writes() {
        return None;
    }
    if !journey.allow_writes {
        return Some(format!(
            "journey `{}` signs up or writes, and has no `allow_writes = true`",
            journey.name
        ));
    }
    (ctx.profile.target.environment == Environment::Production && !ctx.consent.production_writes)
        .then(|| {
            format!(
                "journey `{}` writes, and environment = \"production\" needs --allow-production-writes",
                journey.name
            )
        })
}

/// A step's outcome as evidence: status, latency, what happened.
pub(crate) fn step_observation(
    index: usize,
    total: usize,
    outcome: &walk::StepOutcome,
) -> Observation {
    Observation::new(
        outcome.status,
        format!("step {}/{total} `{}`", index + 1, outcome.name),
        format!("{} ms: {}", outcome.elapsed.as_millis(), outcome.detail),
    )
}

impl Check for JourneyCheck {
    fn id(&self) -> &str {
        &self.id
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        match profile.journeys.get(self.index) {
            Some(journey) if journey.writes() && !journey.allow_writes => Applicability::Skip {
                key: "journeys.allow_writes",
                reason: format!(
                    "journey `{}` signs up or writes: it is walked only with `allow_writes = true` (against staging, or production with --allow-production-writes)",
                    journey.name
                ),
            },
            Some(_) => Applicability::Run,
            None => Applicability::Skip {
                key: "journeys",
                reason: "no such journey".into(),
            },
        }
    }

    fn phase(&self) -> Phase {
        Phase::Probe
    }

    fn timeout(&self, profile: &Profile) -> std::time::Duration {
        let waits = profile
            .journeys
            .get(self.index)
            .map_or(std::time::Duration::ZERO, |j| {
                mail_waits(profile, j) + turn_waits(profile, j)
            });
        profile.network.check_timeout + waits
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(journey) = ctx.profile.journeys.get(self.index) else {
                return Finding::error("no such journey");
            };
            if let Some(why) = held_back(ctx, journey) {
                return Finding::error(format!("not walked: {why}"));
            }
            let _turn = turns::turn(ctx, journey).await;
            let started = Instant::now();
            let mut walk = walk::Walk::new(ctx, journey, self.id());
            let outcomes = walk.through(journey.steps.len() - 1).await;
            let total = journey.steps.len();
            let elapsed = started.elapsed();
            let mut evidence: Vec<Observation> = outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| step_observation(i, total, o))
                .collect();
            let mut steps = EvidenceTable {
                title: STEPS_TITLE.into(),
                columns: ["step", "status", "latency", "what happened"]
                    .map(String::from)
                    .to_vec(),
                rows: outcomes
                    .iter()
                    .map(|o| {
                        vec![
                            o.name.clone(),
                            o.status.as_str().into(),
                            format!("{} ms", o.elapsed.as_millis()),
                            o.detail.clone(),
                        ]
                    })
                    .collect(),
            };
            for step in &journey.steps[outcomes.len()..] {
                steps.rows.push(vec![
                    step.name.clone(),
                    "SKIP".into(),
                    "-".into(),
                    "not reached".into(),
                ]);
            }
            steps.rows.push(vec![
                "the whole journey".into(),
                String::new(),
                format!("{} ms", elapsed.as_millis()),
                format!("budget {}", humantime::format_duration(journey.budget)),
            ]);
            let walked = outcomes.len() == total && outcomes.iter().all(walk::StepOutcome::met);
            if walked {
                let within = elapsed <= journey.budget;
                evidence.push(Observation::new(
                    if within { Status::Pass } else { Status::Warn },
                    "the whole journey",
                    format!(
                        "{total} steps in {} ms, {} the {} budget",
                        elapsed.as_millis(),
                        if within { "within" } else { "over" },
                        humantime::format_duration(journey.budget)
                    ),
                ));
            } else {
                for step in &journey.steps[outcomes.len()..] {
                    evidence.push(Observation::new(
                        Status::Skip,
                        format!("step `{}`", step.name),
                        "not reached: an earlier step did not pass",
                    ));
                }
            }
            Finding::from_observations(evidence).with_table(steps)
        })
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::{PerEntry, Registered};
    vec![
        Registered::PerEntry(PerEntry {
            id: "journey.<name>",
            key: "journeys",
            skip_reason: "no [[journeys]] entry: declare the signup, verification, invitation and reset flows a new customer walks",
            make: JourneyCheck::for_profile,
        }),
        Registered::one(SingleUse),
        Registered::one(Expiry),
        Registered::one(AccountBinding),
        Registered::one(SessionRevocation),
    ]
}

//! Walks that must not overlap: a journey on one fixed account takes turns with the checks
//! that replay its links, and each mail is taken by one walk of the audit only.

use std::collections::HashSet;

use super::cfg::Journey;
use crate::ctx::Ctx;

/// The messages the audit's walks have taken, by id.
#[derive(Default)]
pub(super) struct TakenMessages(std::sync::Mutex<HashSet<String>>);

impl TakenMessages {
    pub(super) fn contains(&self, id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    /// Takes `id` for the caller; false when another walk took it first.
    pub(super) fn take(&self, id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string())
    }
}

/// One turn per journey that acts on a fixed account ([`Journey::shares_an_account`]).
struct Turns(Vec<std::sync::Arc<tokio::sync::Mutex<()>>>);

/// Waits for `journey`'s turn when its walks share an account, so no two checks walk that
/// account at once (the journey, and each token check that replays its links); `None`
/// when each walk has an account of its own. Held for as long as the caller walks.
pub async fn turn(ctx: &Ctx, journey: &Journey) -> Option<tokio::sync::OwnedMutexGuard<()>> {
    if !journey.shares_an_account() {
        return None;
    }
    let index = ctx
        .profile
        .journeys
        .iter()
        .position(|j| std::ptr::eq(j, journey))?;
    let turns = ctx.slot(|profile| {
        Turns(
            profile
                .journeys
                .iter()
                .map(|_| Default::default())
                .collect(),
        )
    });
    Some(turns.0.get(index)?.clone().lock_owned().await)
}

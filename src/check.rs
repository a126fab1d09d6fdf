//! What a check is and what it returns.
//!
//! A check declares its id, says whether the profile gives it what it needs
//! ([`Applicability`]), and runs against the shared [`Ctx`]. It returns observations,
//! one per thing it looked at, each with its own status; the check's status is derived
//! from them ([`Finding::from_observations`]), so a PASS can only come from evidence.
//! Checks never print.

use std::future::Future;
use std::pin::Pin;

use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::Finding;

/// When a check runs. Review checks read what the probes observed (cookies, bodies), so
/// they start once every probe check has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Probe,
    Review,
    /// Traffic whose timing is the measurement (load, bursts): runs after the probes and
    /// reviews, one check at a time, so the audit's own probes neither slow it down nor get
    /// caught by its limits.
    Load,
    /// Reads what all the audit's traffic left behind (the app's logs): runs last of all.
    Aftermath,
}

/// Whether the profile gives a check what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applicability {
    Run,
    /// The check cannot run; `key` is the profile key that would enable it.
    Skip {
        key: &'static str,
        reason: String,
    },
    /// The profile says the thing does not exist.
    NotApplicable {
        reason: String,
    },
}

/// The future a check's `run` returns.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Finding> + Send + 'a>>;

/// One check. Implementations live in `src/checks/<family>`; all are listed in
/// `registry::all`, and each id has an entry in `checks/<family>.toml`.
pub trait Check: Send + Sync {
    /// `family.name`, as in the catalogue.
    fn id(&self) -> &str;

    /// Whether the profile gives this check what it needs.
    fn applies(&self, profile: &Profile) -> Applicability;

    /// Runs the check. Network failures become ERROR observations, never a panic.
    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a>;

    fn phase(&self) -> Phase {
        Phase::Probe
    }

    /// Acts as the profile's identities: their logins must happen before it runs. Logins
    /// are skipped when no selected check needs them.
    fn uses_identities(&self) -> bool {
        false
    }

    /// How long it may run: `[network] check_timeout`, plus the waits the check bounds
    /// itself and the profile declares (a journey's mail waits, a link's lifetime).
    fn timeout(&self, profile: &Profile) -> std::time::Duration {
        profile.network.check_timeout
    }
}

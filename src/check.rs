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

/// One check. Implementations live in `src/checks/<family>`; each family lists its own in
/// its `checks()` (see [`Registered`]), and each id has an entry in `checks/<family>.toml`.
pub trait Check: Send + Sync {
    /// `family.name`, as in the catalogue.
    fn id(&self) -> &str;

    /// Whether the profile gives this check what it needs.
    fn applies(&self, profile: &Profile) -> Applicability;

    /// Runs the check. Network failures become ERROR observations, never a panic.
    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a>;

    /// Its title and severity: the catalogue entry of its id. Only a check made outside
    /// the registry (a test's) brings its own; with none, the engine does not run it.
    fn catalogue_entry(&self) -> Option<&'static crate::catalogue::CheckMeta> {
        crate::catalogue::lookup(self.id())
    }

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

/// How a family hands its checks to the registry: each family's `checks()` lists these.
pub enum Registered {
    /// One check, whatever the profile.
    One(std::sync::Arc<dyn Check>),
    /// One check per entry of a profile section (`ratelimit.<name>`, one per
    /// `[[rate_limits]]` entry), all sharing one catalogue entry.
    PerEntry(PerEntry),
}

impl Registered {
    pub fn one(check: impl Check + 'static) -> Registered {
        Registered::One(std::sync::Arc::new(check))
    }
}

/// A family of checks made from a profile section's entries.
pub struct PerEntry {
    /// The catalogue entry the checks share (`ratelimit.<name>`).
    pub id: &'static str,
    /// The profile key whose entries make the checks: an empty section SKIPs naming it.
    pub key: &'static str,
    /// Why it SKIPs when the section is empty.
    pub skip_reason: &'static str,
    /// One check per entry of the section.
    pub make: fn(&Profile) -> Vec<std::sync::Arc<dyn Check>>,
}

impl PerEntry {
    /// The checks `profile` makes; with no entries, one that SKIPs naming the key. It
    /// carries the family's own id (`ratelimit`), never the catalogue's template
    /// (`ratelimit.<name>`), so no report shows a placeholder.
    pub fn for_profile(&self, profile: &Profile) -> Vec<std::sync::Arc<dyn Check>> {
        let made = (self.make)(profile);
        if made.is_empty() {
            vec![self.stand_in(crate::result::family_of(self.id))]
        } else {
            made
        }
    }

    /// The catalogue's template (`ratelimit.<name>`), for listing what the tool knows.
    pub fn template(&self) -> std::sync::Arc<dyn Check> {
        self.stand_in(self.id)
    }

    /// A SKIP naming the key, under `id`.
    fn stand_in(&self, id: &'static str) -> std::sync::Arc<dyn Check> {
        std::sync::Arc::new(Unconfigured {
            id,
            key: self.key,
            skip_reason: self.skip_reason,
        })
    }
}

struct Unconfigured {
    id: &'static str,
    key: &'static str,
    skip_reason: &'static str,
}

impl Check for Unconfigured {
    fn id(&self) -> &str {
        self.id
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Skip {
            key: self.key,
            reason: self.skip_reason.to_string(),
        }
    }

    fn run<'a>(&'a self, _ctx: &'a Ctx) -> CheckFuture<'a> {
        // Never reached: it always SKIPs.
        Box::pin(async move { Finding::error(format!("no `{}` entry to test", self.key)) })
    }
}

//! The handover family: one check per `kind = "manual"` entry of `checks/handover.toml`.
//! No probe can see a rollback plan or a backup restore, so each is answered by the
//! profile's `[attest.<item>]`: ATTESTED with who, when and where it is written down, or
//! OPEN. Never PASS: the tool did not see it.

pub mod cfg;

use std::sync::Arc;

use crate::catalogue::{self, Kind};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Attested {
    id: &'static str,
    /// The part after `handover.`, as `[attest.<item>]` names it.
    item: &'static str,
}

/// This family's checks, for the registry: one per manual catalogue entry.
pub fn checks() -> Vec<crate::check::Registered> {
    items()
        .into_iter()
        .map(crate::check::Registered::One)
        .collect()
}

/// One check per manual catalogue entry, in catalogue order.
fn items() -> Vec<Arc<dyn Check>> {
    catalogue::entries()
        .iter()
        .filter(|meta| meta.kind == Kind::Manual)
        .map(|meta| {
            let id = meta.id.as_str();
            let item = id.split_once('.').map_or(id, |(_, item)| item);
            Arc::new(Attested { id, item }) as Arc<dyn Check>
        })
        .collect()
}

impl Check for Attested {
    fn id(&self) -> &str {
        self.id
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let subject = format!("[attest.{}]", self.item);
            let observation = match ctx.profile.attestations.get(self.item) {
                Some(a) => {
                    let written = [a.link.as_deref(), a.note.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" — ");
                    Observation::new(
                        Status::Attested,
                        subject,
                        format!("attested by {} on {}: {written}", a.by, a.on),
                    )
                }
                None => Observation::new(
                    Status::Open,
                    subject,
                    "nobody has attested it: add the table with `by`, `on` and a `link` or `note` once it is in place",
                ),
            };
            Finding::from_observations(vec![observation])
        })
    }
}

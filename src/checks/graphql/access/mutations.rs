//! Mutations asked through the graph as another tenant and with no login, for
//! `graphql.access`: a mutation that checks the login but not the ownership is a FAIL. Every
//! attempt is undone or not tried. A mutation is tried only when the profile allows it to
//! write (`allow_writes`, and `--allow-production-writes` on production) and says how to
//! see and undo it: `read_back`, the read operation whose answer shows what it changes, and
//! `restore`, the variables that write the values read before back.
//!
//! The owner's own mutation is the control, and it changes nothing: it writes back the
//! values already there. After each stranger's attempt the owner reads again; a change is
//! the proof, and the owner writes the old values back at once and reads to confirm. What
//! was written is listed in the report's writes.

use serde_json::{Value, json};

use super::super::cfg::{Operation, Undo};
use super::super::client::{self, Answer, Endpoint, Send};
use super::{filled, owner_control, owner_of, served_its_own, strangers};
use crate::ctx::Ctx;
use crate::profile::{Environment, Identity};
use crate::result::{Observation, Status};
use crate::writes::{WriteOutcome, WriteState, record};

/// What the owner is shown by `read_back` before any attempt, and the mutation's body that
/// writes it back.
struct Before {
    read_body: Value,
    answer: Answer,
    restore_body: Value,
}

pub(super) async fn try_around(
    ctx: &Ctx,
    endpoint: &Endpoint,
    mutation: &Operation,
) -> Vec<Observation> {
    let url = &endpoint.url;
    let at = format!("`{}` at {url}", mutation.name);
    let not_tried = |why: String| vec![Observation::new(Status::Info, at.clone(), why)];
    if !mutation.allow_writes {
        return not_tried("a mutation: not tried without allow_writes = true on it".into());
    }
    if ctx.profile.target.environment == Environment::Production && !ctx.consent.production_writes {
        return not_tried(
            "a mutation: not tried against production without --allow-production-writes".into(),
        );
    }
    let Some(undo) = &mutation.undo else {
        return not_tried(
            "a mutation: not tried, since nothing says how to undo it (name read_back and restore)"
                .into(),
        );
    };
    let Some(read) = endpoint
        .operations
        .iter()
        .find(|o| !o.mutation && o.name == undo.read_back)
    else {
        return not_tried(format!("read_back `{}` is not declared", undo.read_back));
    };
    let Some((owner, values)) = owner_of(ctx, endpoint, mutation)
        .await
        .filter(|(_, values)| read.placeholders.iter().all(|p| values.contains_key(p)))
    else {
        return not_tried(
            "no identity's values give the placeholders of both the mutation and its read_back"
                .into(),
        );
    };
    let subject = |who: &str| format!("`{}` ({}'s) as {who}", mutation.name, owner.name);
    let before = match read_before(ctx, url, mutation, read, undo, owner, &values).await {
        Ok(before) => before,
        Err(why) => return not_tried(format!("not tried: {why}")),
    };
    // The control: the owner's own mutation is executed (writing back what is there).
    let control = subject(&owner.name);
    if let Err(why) = owner_control(ctx, url, before.restore_body.clone(), owner, control).await {
        return vec![why];
    }
    // The comparison's own control: after that same-value write, read_back shows what it
    // showed before. Otherwise (a timestamp in it, a field restore does not cover) a change
    // could not be told from the probe's, and nothing more is sent.
    let steady = client::ask(ctx, url, Send::Json(before.read_body.clone()), Some(owner))
        .await
        .is_ok_and(|again| again.data == before.answer.data);
    if !steady {
        record(
            ctx,
            WriteOutcome {
                request: written_by(mutation, url, owner),
                accepted: 1,
                state: WriteState::NotRestorable,
                detail: format!(
                    "{}'s own write of the values `{}` showed left it showing something else (or it could not be read): check it by hand",
                    owner.name, read.name
                ),
            },
        );
        return not_tried(format!(
            "not tried: after {}'s own same-value write, `{}` no longer answers as before, so a stranger's change could not be told apart",
            owner.name, read.name
        ));
    }
    let probe_body = filled(mutation, &values);
    let mut ledger = Ledger::default();
    let mut observations = Vec::new();
    let attempts = strangers(ctx, owner)
        .map(|(stranger, label)| (Some(stranger), label))
        .chain(std::iter::once((None, "no login".to_string())));
    for (who, name) in attempts {
        let subject = subject(&name);
        let answer = client::ask(ctx, url, Send::Json(probe_body.clone()), who).await;
        let changed =
            match client::ask(ctx, url, Send::Json(before.read_body.clone()), Some(owner)).await {
                Ok(after) => after.data != before.answer.data,
                Err(why) => {
                    observations.push(Observation::new(
                        Status::Error,
                        subject,
                        format!(
                            "the owner's read back failed, so whether it changed is unknown: {why}"
                        ),
                    ));
                    ledger.unknown = true;
                    continue;
                }
            };
        if changed {
            ledger.accepted += 1;
            ledger.restored &= put_back(ctx, url, &before, owner).await;
            observations.push(Observation::new(
                Status::Fail,
                subject,
                format!(
                    "{}'s object changed under it: the owner check is missing on this mutation (written back at once)",
                    owner.name
                ),
            ));
            continue;
        }
        observations.push(match answer {
            Ok(answer) if answer.served() => {
                ledger.accepted += 1;
                Observation::new(
                    Status::Fail,
                    subject,
                    format!("executed for a caller who does not own it, though nothing changed: {}", answer.describe()),
                )
            }
            Ok(answer) => match who {
                Some(stranger) if !served_its_own(ctx, endpoint, read, stranger).await => {
                    Observation::new(
                        Status::Info,
                        subject,
                        format!(
                            "{}; but {} is not served its own `{}` either, so the refusal may be its login's, not the owner check's",
                            answer.describe(),
                            stranger.name,
                            read.name
                        ),
                    )
                }
                _ => Observation::new(Status::Pass, subject, answer.describe()),
            },
            Err(why @ client::Failure::NotGraphql(status)) if status < 500 => {
                Observation::new(Status::Pass, subject, format!("refused ({why})"))
            }
            Err(why) => Observation::new(Status::Error, subject, why.to_string()),
        });
    }
    record(ctx, ledger.outcome(mutation, url, owner));
    observations
}

/// `read_back` as the owner, and the values `restore` points at in it.
async fn read_before(
    ctx: &Ctx,
    url: &url::Url,
    mutation: &Operation,
    read: &Operation,
    undo: &Undo,
    owner: &Identity,
    values: &std::collections::BTreeMap<String, String>,
) -> Result<Before, String> {
    let read_body = filled(read, values);
    let answer = client::ask(ctx, url, Send::Json(read_body.clone()), Some(owner))
        .await
        .map_err(|why| format!("the owner's `{}` failed: {why}", read.name))?;
    if !answer.served() {
        return Err(format!(
            "the owner is not served `{}` ({}), so there is nothing to restore from",
            read.name,
            answer.describe()
        ));
    }
    let whole = json!({ "data": answer.data });
    let mut restore_body = filled(mutation, values);
    for (variable, pointer) in &undo.restore {
        let value = whole
            .pointer(pointer)
            .filter(|v| !v.is_null())
            .ok_or_else(|| {
                format!(
                    "`{}`'s answer has nothing at {pointer} to restore `{variable}` from",
                    read.name
                )
            })?;
        restore_body["variables"][variable] = value.clone();
    }
    Ok(Before {
        read_body,
        answer,
        restore_body,
    })
}

/// The owner writes the values read before back, then reads to confirm they are.
async fn put_back(ctx: &Ctx, url: &url::Url, before: &Before, owner: &Identity) -> bool {
    let wrote = client::ask(
        ctx,
        url,
        Send::Json(before.restore_body.clone()),
        Some(owner),
    )
    .await
    .is_ok_and(|a| a.served());
    wrote
        && client::ask(ctx, url, Send::Json(before.read_body.clone()), Some(owner))
            .await
            .is_ok_and(|after| after.data == before.answer.data)
}

/// The writes one mutation's attempts made, for the report.
struct Ledger {
    /// Attempts the server executed (the owner's same-value control not counted).
    accepted: usize,
    /// Every change was written back and read back.
    restored: bool,
    /// A read back failed: a change may have gone unseen.
    unknown: bool,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            accepted: 0,
            restored: true,
            unknown: false,
        }
    }
}

impl Ledger {
    fn outcome(self, mutation: &Operation, url: &url::Url, owner: &Identity) -> WriteOutcome {
        let (state, detail) = match (self.accepted, self.restored, self.unknown) {
            (_, _, true) => (
                WriteState::NotRestorable,
                format!(
                    "a read back of {}'s object failed: check it by hand",
                    owner.name
                ),
            ),
            (0, _, _) => (
                WriteState::Unchanged,
                format!(
                    "only {}'s own control wrote, the values already there",
                    owner.name
                ),
            ),
            (_, true, _) => (
                WriteState::Restored,
                format!("{}'s values written back and read back", owner.name),
            ),
            (_, false, _) => (
                WriteState::LeftChanged,
                format!(
                    "{}'s values could not be written back: restore them by hand",
                    owner.name
                ),
            ),
        };
        WriteOutcome {
            request: written_by(mutation, url, owner),
            accepted: self.accepted,
            state,
            detail,
        }
    }
}

/// How the report's writes name one mutation's writes.
fn written_by(mutation: &Operation, url: &url::Url, owner: &Identity) -> String {
    format!("mutation `{}` at {url} on {}'s", mutation.name, owner.name)
}

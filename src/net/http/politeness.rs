//! The audit as a polite client: a few requests in flight per origin (as a browser opens a
//! few connections), one retry of an idempotent request that met a connection the target
//! had already closed, and that cause said once.
//!
//! Without the cap, a hundred checks' probes opened a hundred connections to one origin;
//! a stock nginx (256 worker connections, two per proxied request) closed idle ones, the
//! audit reused them, and critical checks came out ERROR in one run and PASS in the next.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::profile::routes::Method;

/// Body bytes all the audit's requests may hold at once while they read (in KiB): a
/// backstop over the per-origin caps, whatever the number of origins and checks.
const BODY_BUDGET_KIB: usize = 32 * 1024;

/// Per-origin request slots, the audit's body budget, and the connections the target
/// dropped.
pub(super) struct Politeness {
    cap: usize,
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// KiB of body held by requests being read.
    body_budget: Arc<Semaphore>,
    /// Origin → requests that met a dropped connection (retried, and failed again).
    dropped: Mutex<BTreeMap<String, Dropped>>,
}

#[derive(Default)]
struct Dropped {
    retried: usize,
    failed_again: usize,
}

impl Politeness {
    pub(super) fn new(cap: usize) -> Politeness {
        Politeness {
            cap: cap.max(1),
            slots: Mutex::default(),
            body_budget: Arc::new(Semaphore::new(BODY_BUDGET_KIB)),
            dropped: Mutex::default(),
        }
    }

    /// Draws `bytes` (rounded up to KiB) from the body budget, waiting while the audit's
    /// requests hold it all; released when the permit is dropped.
    pub(super) async fn draw(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let kib = u32::try_from(bytes.div_ceil(1024).min(BODY_BUDGET_KIB)).ok()?;
        if kib == 0 {
            return None;
        }
        self.body_budget.clone().acquire_many_owned(kib).await.ok()
    }

    /// Waits for one of `origin`'s slots; the request holds it until its body is read.
    pub(super) async fn slot(&self, origin: &str) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut slots = self.slots.lock().ok()?;
            slots
                .entry(origin.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.cap)))
                .clone()
        };
        semaphore.acquire_owned().await.ok()
    }

    /// A request to `origin` met a connection the target had closed; `recovered`: its
    /// one retry was answered.
    pub(super) fn note_dropped(&self, origin: &str, recovered: bool) {
        if let Ok(mut dropped) = self.dropped.lock() {
            let entry = dropped.entry(origin.to_string()).or_default();
            entry.retried += 1;
            if !recovered {
                entry.failed_again += 1;
            }
        }
    }

    /// One sentence per origin that dropped the audit's connections, said once as the
    /// cause of the ERRORs it explains.
    pub(super) fn causes(&self) -> Vec<String> {
        let Ok(dropped) = self.dropped.lock() else {
            return Vec::new();
        };
        dropped
            .iter()
            .map(|(origin, d)| {
                let outcome = if d.failed_again == 0 {
                    "each was sent again and answered".to_string()
                } else {
                    format!(
                        "{} failed again when sent once more: checks that met them could not decide",
                        d.failed_again
                    )
                };
                format!(
                    "{origin} closed connections the audit was using ({} request(s), at most {} in flight at once): {outcome}; a proxy's connection limit or a short keep-alive timeout does this",
                    d.retried, self.cap
                )
            })
            .collect()
    }
}

/// Adds `permit` to what one exchange holds.
pub(super) fn hold(held: &mut Option<OwnedSemaphorePermit>, permit: OwnedSemaphorePermit) {
    match held {
        Some(all) => all.merge(permit),
        None => *held = Some(permit),
    }
}

/// Whether a request may be sent again without changing what the target holds (RFC 9110
/// §9.2.2): only idempotent methods are retried.
pub(super) fn is_idempotent(method: Method) -> bool {
    matches!(
        method,
        Method::Get | Method::Head | Method::Options | Method::Put | Method::Delete
    )
}

/// Whether `error` is a connection the target closed under the request (reset, closed
/// before the answer began), as opposed to a refused connect, a timeout or a bad answer.
pub(super) fn is_dropped_connection(error: &reqwest::Error) -> bool {
    if error.is_connect() || error.is_timeout() {
        return false;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_canceled() || hyper.is_closed())
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        source = cause.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_origin_and_causes_said_once_per_origin() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let polite = Politeness::new(2);
        let held: Vec<_> = (0..2)
            .map(|_| runtime.block_on(polite.slot("https://a.test")))
            .collect();
        assert!(held.iter().all(Option::is_some));
        let semaphore = polite.slots.lock().unwrap()["https://a.test"].clone();
        assert_eq!(semaphore.available_permits(), 0, "a third request waits");
        assert!(
            runtime.block_on(polite.slot("https://b.test")).is_some(),
            "another origin has slots of its own"
        );
        drop(held);
        assert_eq!(semaphore.available_permits(), 2);

        // The body budget: drawn per chunk, given back when the exchange ends.
        let mut drawn = None;
        for _ in 0..3 {
            let permit = runtime.block_on(polite.draw(1500)).expect("within budget");
            hold(&mut drawn, permit);
        }
        assert_eq!(
            polite.body_budget.available_permits(),
            BODY_BUDGET_KIB - 6,
            "1500 bytes are 2 KiB"
        );
        drop(drawn);
        assert_eq!(polite.body_budget.available_permits(), BODY_BUDGET_KIB);

        polite.note_dropped("https://a.test", true);
        polite.note_dropped("https://a.test", false);
        let causes = polite.causes();
        assert_eq!(causes.len(), 1, "{causes:?}");
        assert!(causes[0].contains("(2 request(s), at most 2 in flight at once)"));
        assert!(causes[0].contains("1 failed again"));
    }
}

//! Whether the running check got an answer from what it audits. The engine scopes each
//! check in a task-local; the HTTP client notes every answer the app itself began (its
//! status line and headers, a 5xx included, a gate's excluded), and the resolver every
//! record answer a nameserver gave. A
//! check that ends in ERROR with no such answer never reached what it judges (the origin
//! was down, a gate stood in front, its input was missing): that is "not verified", not a
//! problem found in the app.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    static ANSWERED: Arc<AtomicBool>;
}

/// Runs `check` and says whether anything it audits answered it.
pub async fn scoped<T>(check: impl Future<Output = T>) -> (T, bool) {
    let answered = Arc::new(AtomicBool::new(false));
    let out = ANSWERED.scope(Arc::clone(&answered), check).await;
    (out, answered.load(Ordering::Relaxed))
}

/// The target answered the running check (no-op outside a check: logins before the
/// audit, discovery for `init`).
pub(crate) fn answered() {
    let _ = ANSWERED.try_with(|flag| flag.store(true, Ordering::Relaxed));
}

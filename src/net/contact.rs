//! Whether the running check reached what it audits. The engine scopes each check in a
//! task-local; the HTTP client notes each request it sends and each answer the app itself
//! began (its status line and headers, a 5xx included, a gate's excluded), and the resolver
//! each record answer a nameserver gave. A check reached its target when the app answered
//! one of its requests, or, for a check that sent none, when a nameserver answered it. A
//! check that ends in ERROR without that never reached what it judges (the origin was
//! down, a gate stood in front, its input was missing): that is "not verified", not a
//! problem found in the app.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Default)]
struct Contact {
    http_sent: AtomicBool,
    http_answered: AtomicBool,
    dns_answered: AtomicBool,
}

impl Contact {
    fn reached(&self) -> bool {
        let load = |flag: &AtomicBool| flag.load(Ordering::Relaxed);
        load(&self.http_answered) || (load(&self.dns_answered) && !load(&self.http_sent))
    }
}

tokio::task_local! {
    static CONTACT: Arc<Contact>;
}

/// Runs `check` and says whether it reached what it audits.
pub async fn scoped<T>(check: impl Future<Output = T>) -> (T, bool) {
    let contact = Arc::new(Contact::default());
    let out = CONTACT.scope(Arc::clone(&contact), check).await;
    (out, contact.reached())
}

fn note(flag: impl FnOnce(&Contact) -> &AtomicBool) {
    // No-op outside a check: logins before the audit, discovery for `init`.
    let _ = CONTACT.try_with(|contact| flag(contact).store(true, Ordering::Relaxed));
}

/// The running check sent an HTTP request.
pub(crate) fn http_sent() {
    note(|c| &c.http_sent);
}

/// The app itself began an answer to the running check.
pub(crate) fn http_answered() {
    note(|c| &c.http_answered);
}

/// A nameserver answered the running check's record query.
pub(crate) fn dns_answered() {
    note(|c| &c.dns_answered);
}

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

/// A value computed once and shared by every check that asks (the pages and scripts, a
/// route's control, the GraphQL endpoints, a data API listing), with the contact computing
/// it made. Each reader is credited with that contact, so whether a check reached its
/// target never depends on which check happened to ask first.
#[derive(Clone, Debug)]
pub struct Shared<T> {
    value: T,
    http_sent: bool,
    http_answered: bool,
    dns_answered: bool,
}

impl<T> Shared<T> {
    /// Computes the value in a scope of its own, keeping the contact it made.
    pub async fn compute(value: impl Future<Output = T>) -> Shared<T> {
        let contact = Arc::new(Contact::default());
        let value = CONTACT.scope(Arc::clone(&contact), value).await;
        let load = |flag: &AtomicBool| flag.load(Ordering::Relaxed);
        Shared {
            value,
            http_sent: load(&contact.http_sent),
            http_answered: load(&contact.http_answered),
            dns_answered: load(&contact.dns_answered),
        }
    }

    /// The value, crediting the running check with the contact computing it made.
    pub fn read(&self) -> &T {
        if self.http_sent {
            http_sent();
        }
        if self.http_answered {
            http_answered();
        }
        if self.dns_answered {
            dns_answered();
        }
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared value credits every reader with the contact computing it made: the check
    /// that computed it and one that only read it reach the same classification.
    #[tokio::test]
    async fn a_shared_value_credits_each_reader_whoever_computed_it() {
        let cell = tokio::sync::OnceCell::<Shared<u8>>::new();
        let (_, first) = scoped(async {
            cell.get_or_init(|| {
                Shared::compute(async {
                    http_sent();
                    http_answered();
                    7
                })
            })
            .await
            .read();
        })
        .await;
        let (value, second) = scoped(async { *cell.get().expect("computed").read() }).await;
        assert_eq!((first, second, value), (true, true, 7));
        // Outside any shared value: a request nobody answered is no contact, and a
        // nameserver's answer counts only for a check that sent no request.
        let (_, unanswered) = scoped(async {
            http_sent();
            dns_answered();
        })
        .await;
        let (_, records) = scoped(async { dns_answered() }).await;
        assert_eq!((unanswered, records), (false, true));
    }
}

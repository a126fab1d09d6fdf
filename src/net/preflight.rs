//! Before any check: is the infrastructure there at all? One DNS query for base_url's host
//! and one request to base_url, each bounded. A nameserver that does not answer, or a
//! base_url that refuses connections or never answers, is then one root cause, said once
//! in the report's causes; every later query or request that depends on it fails at once
//! with that cause instead of each waiting out its own timeout.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::{Dns, Http, HttpError, HttpRequest};

/// How long the nameservers get to answer the first query. A live one answers in
/// milliseconds; a dead one would otherwise cost every check its own timeout.
pub const DNS_WITHIN: Duration = Duration::from_secs(2);

/// Nameservers that did not answer the preflight query: every lookup fails with this.
#[derive(Debug, Default)]
pub struct Silence(OnceLock<String>);

impl Silence {
    pub fn reason(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }

    pub(crate) fn declare(&self, reason: String) {
        let _ = self.0.set(reason);
    }
}

/// Origins that did not answer at all when the audit started (refused, reset, timed out).
#[derive(Debug, Default)]
pub struct Unreachable(Mutex<BTreeMap<String, String>>);

impl Unreachable {
    pub(crate) fn mark(&self, origin: String, why: String) {
        if let Ok(mut origins) = self.0.lock() {
            origins.insert(origin, why);
        }
    }

    /// Why `origin` is not tried again, if it is one.
    pub(crate) fn held_back(&self, origin: &str) -> Option<HttpError> {
        let origins = self.0.lock().ok()?;
        origins.get(origin).map(|why| {
            HttpError::HeldBack(format!(
                "{origin} did not answer when the audit started ({why})"
            ))
        })
    }

    pub(crate) fn causes(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|origins| {
                origins
                    .iter()
                    .map(|(origin, why)| {
                        format!(
                            "{origin} did not answer when the audit started ({why}): nothing else was sent there, and every check that needed it is an ERROR for this one reason"
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The preflight: DNS for base_url's host, then base_url itself.
pub async fn run(dns: &Dns, http: &Http, base_url: &url::Url) {
    if let Some(host) = base_url.host_str()
        && !crate::profile::is_ip_literal(host)
    {
        dns.preflight(host, DNS_WITHIN).await;
        if dns.silent_cause().is_some() {
            // base_url cannot even be looked up: the silent nameserver is the one cause.
            return;
        }
    }
    let request = HttpRequest::get(base_url.clone()).unrecorded();
    match http.send(&request).await {
        // Any answer, whatever its status, shows the origin is there; a certificate that
        // does not verify is its own cause (Http::untrusted_causes).
        Ok(_) => {}
        Err(HttpError::Transport(why)) if why.contains("certificate") => {}
        Err(HttpError::Transport(why)) => {
            http.mark_unreachable(base_url.origin().ascii_serialization(), why)
        }
        Err(HttpError::Timeout(after)) => http.mark_unreachable(
            base_url.origin().ascii_serialization(),
            format!("no answer within {after:?}"),
        ),
        Err(_) => {}
    }
}

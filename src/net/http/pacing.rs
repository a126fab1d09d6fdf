//! How the client paces itself once the target limits the audit (one root cause, said
//! once), and which origins failed certificate verification.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use super::HttpError;

/// Whether the target rate-limited the audit itself: one root cause, said once.
#[derive(Default)]
pub(super) struct AuditLimited {
    sent: std::sync::atomic::AtomicUsize,
    /// The first 429: after how many requests, and on which.
    first: std::sync::OnceLock<(usize, String)>,
    /// Per origin: how the audit paces itself once it has been limited there.
    pacing: Mutex<HashMap<String, Pacing>>,
}

/// 429s to the audit's own probes (never a burst meant to meet a limiter) at one origin.
#[derive(Default)]
struct Pacing {
    strikes: usize,
    /// Honour the last short Retry-After: nothing is sent before this.
    not_before: Option<Instant>,
}

/// A Retry-After up to this long is honoured (once per request: wait, then send again);
/// longer ones are not waited for.
const MAX_PAUSE: Duration = Duration::from_secs(5);
/// After this many 429s at one origin the audit stops probing it: each further probe
/// would only be limited too, and adds to the load the target is shedding.
const STOP_AFTER_STRIKES: usize = 8;

impl AuditLimited {
    /// Counts one of the audit's own probes; the first 429 is remembered as the cause.
    pub(super) fn sent(&self, status: u16, request: &str) {
        let sent = self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if status == 429 {
            let _ = self.first.set((sent, request.to_string()));
        }
    }

    /// The sentence to say once, as the cause of the ERRORs it explains.
    pub(super) fn cause(&self) -> Option<String> {
        let (after, request) = self.first.get()?;
        let stopped = self.stopped_at();
        let pacing = if stopped.is_empty() {
            String::new()
        } else {
            format!(
                "; after {STOP_AFTER_STRIKES} limited answers the audit stopped probing {}",
                stopped.join(", ")
            )
        };
        Some(format!(
            "the target limited this audit (429 after {after} requests, first on {request}){pacing}: checks that met it could not decide; allow-list the auditor or raise the limit while auditing"
        ))
    }

    /// Waits out a short Retry-After, or refuses to send once the origin kept limiting.
    pub(super) async fn admit(&self, origin: &str) -> Result<(), HttpError> {
        let wait = {
            let Ok(pacing) = self.pacing.lock() else {
                return Ok(());
            };
            let Some(state) = pacing.get(origin) else {
                return Ok(());
            };
            if state.strikes >= STOP_AFTER_STRIKES {
                return Err(HttpError::HeldBack(format!(
                    "{origin} limited this audit {} times; it stopped probing there",
                    state.strikes
                )));
            }
            state
                .not_before
                .map(|at| at.saturating_duration_since(Instant::now()))
        };
        if let Some(wait) = wait.filter(|w| !w.is_zero()) {
            tokio::time::sleep(wait.min(MAX_PAUSE)).await;
        }
        Ok(())
    }

    /// Notes a 429 at `origin`; the Retry-After to honour, when it is short enough.
    pub(super) fn strike(&self, origin: &str, headers: &HeaderMap) -> Option<Duration> {
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .filter(|d| *d <= MAX_PAUSE);
        let mut pacing = self.pacing.lock().ok()?;
        let state = pacing.entry(origin.to_string()).or_default();
        state.strikes += 1;
        if let Some(pause) = retry_after {
            let until = Instant::now() + pause;
            state.not_before = Some(state.not_before.map_or(until, |at| at.max(until)));
        }
        retry_after
    }

    fn stopped_at(&self) -> Vec<String> {
        self.pacing
            .lock()
            .map(|p| {
                p.iter()
                    .filter(|(_, s)| s.strikes >= STOP_AFTER_STRIKES)
                    .map(|(origin, _)| origin.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Origins whose certificate did not verify: every HTTPS request to them fails, which is one
/// root cause behind the ERRORs of every check that went there.
#[derive(Default)]
pub(super) struct Untrusted {
    /// Origin → (the verifier's complaint, failed requests).
    origins: Mutex<std::collections::BTreeMap<String, (String, usize)>>,
}

impl Untrusted {
    /// One sentence per origin, said once as the cause.
    pub(super) fn causes(&self) -> Vec<String> {
        let Ok(origins) = self.origins.lock() else {
            return Vec::new();
        };
        origins
            .iter()
            .map(|(origin, (why, failed))| {
                format!(
                    "{origin} failed certificate verification ({why}) on {failed} request(s): checks that needed it could not decide; see tls.certificate"
                )
            })
            .collect()
    }

    pub(super) fn note(&self, url: &url::Url, error: &HttpError) {
        let HttpError::Transport(message) = error else {
            return;
        };
        let Some(at) = message.find("invalid peer certificate") else {
            return;
        };
        if let Ok(mut origins) = self.origins.lock() {
            let entry = origins
                .entry(url.origin().ascii_serialization())
                .or_insert_with(|| (message[at..].to_string(), 0));
            entry.1 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", value.parse().expect("header value"));
        headers
    }

    #[test]
    fn a_short_retry_after_is_honoured_and_a_target_that_keeps_limiting_is_left_alone() {
        let limited = AuditLimited::default();
        let origin = "https://app.example.com";
        assert_eq!(
            limited.strike(origin, &retry_after("1")),
            Some(Duration::from_secs(1)),
            "a short Retry-After is waited out"
        );
        assert_eq!(
            limited.strike(origin, &retry_after("60")),
            None,
            "a long one is not"
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        assert!(
            runtime.block_on(limited.admit(origin)).is_ok(),
            "2 strikes: still sent"
        );
        for _ in 2..STOP_AFTER_STRIKES {
            limited.strike(origin, &HeaderMap::new());
        }
        let held = runtime.block_on(limited.admit(origin));
        assert!(
            matches!(held, Err(HttpError::HeldBack(ref why)) if why.contains("stopped probing")),
            "{held:?}"
        );
        assert_eq!(limited.stopped_at(), vec![origin.to_string()]);
        assert!(
            runtime
                .block_on(limited.admit("https://other.example.com"))
                .is_ok(),
            "only the origin that limited is held back"
        );
    }
}

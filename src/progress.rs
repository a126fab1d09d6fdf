//! What the audit is doing, for a progress bar: checks done of total, the phase, the
//! slowest check still running, and the load checks' requests (bursts, latency). Checks
//! never print: the engine and the load checks bump these counters, and the command layer
//! draws them (indicatif, only on a terminal).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Debug, Default)]
pub struct LoadProgress {
    active: AtomicUsize,
    sent: AtomicU64,
    planned: AtomicU64,
    p95_us: AtomicU64,
    label: Mutex<Option<(String, Instant)>>,
    checks_total: AtomicUsize,
    checks_done: AtomicUsize,
    phase: Mutex<&'static str>,
    /// Checks running now, with when they started.
    running: Mutex<Vec<(String, Instant)>>,
    /// Checks waiting on purpose (a link's lifetime, an entry's arrival), with what for.
    waiting: Mutex<Vec<(String, String)>>,
}

/// The whole audit, for drawing between loads.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditSnapshot {
    pub done: usize,
    pub total: usize,
    pub phase: &'static str,
    /// The check running longest, and for how long.
    pub slowest: Option<(String, u128)>,
    /// A check waiting on purpose, and what it waits for: the progress line says so, so a
    /// pause reads as the wait it is.
    pub waiting: Option<(String, String)>,
}

/// Marks a check as waiting on purpose until dropped.
pub struct Waiting<'a> {
    progress: &'a LoadProgress,
    id: String,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.progress.waiting.lock()
            && let Some(at) = waiting.iter().position(|(id, _)| *id == self.id)
        {
            waiting.remove(at);
        }
    }
}

/// A snapshot for drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub label: String,
    pub elapsed_ms: u128,
    pub sent: u64,
    pub planned: u64,
    /// Current p95 of the latency load, if it measured one yet.
    pub p95_ms: Option<f64>,
}

/// Marks a load as running until dropped.
pub struct Running<'a>(&'a LoadProgress);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

impl LoadProgress {
    /// A load named `label` will send about `planned` requests.
    pub fn start(&self, label: &str, planned: u64) -> Running<'_> {
        self.active.fetch_add(1, Ordering::SeqCst);
        self.planned.fetch_add(planned, Ordering::SeqCst);
        if let Ok(mut current) = self.label.lock() {
            *current = Some((label.to_string(), Instant::now()));
        }
        Running(self)
    }

    pub fn sent(&self, n: u64) {
        self.sent.fetch_add(n, Ordering::Relaxed);
    }

    pub fn set_p95(&self, p95: std::time::Duration) {
        self.p95_us.store(p95.as_micros() as u64, Ordering::Relaxed);
    }

    /// The engine enters a phase (`probes`, `review`, `load`) with `checks` more to run.
    pub fn phase(&self, phase: &'static str, checks: usize) {
        self.checks_total.fetch_add(checks, Ordering::SeqCst);
        if let Ok(mut current) = self.phase.lock() {
            *current = phase;
        }
    }

    pub fn check_started(&self, id: &str) {
        if let Ok(mut running) = self.running.lock() {
            running.push((id.to_string(), Instant::now()));
        }
    }

    /// Check `id` waits on purpose (`what`: "for the reset link to expire (750ms)") until
    /// the guard is dropped.
    pub fn waiting(&self, id: &str, what: String) -> Waiting<'_> {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.push((id.to_string(), what));
        }
        Waiting {
            progress: self,
            id: id.to_string(),
        }
    }

    pub fn check_finished(&self, id: &str) {
        if let Ok(mut running) = self.running.lock() {
            running.retain(|(running, _)| running != id);
        }
        self.checks_done.fetch_add(1, Ordering::SeqCst);
    }

    /// Where the audit is; `None` before the first phase.
    pub fn audit(&self) -> Option<AuditSnapshot> {
        let total = self.checks_total.load(Ordering::SeqCst);
        if total == 0 {
            return None;
        }
        let slowest = self.running.lock().ok().and_then(|running| {
            running
                .iter()
                .min_by_key(|(_, started)| *started)
                .map(|(id, started)| (id.clone(), started.elapsed().as_millis()))
        });
        Some(AuditSnapshot {
            done: self.checks_done.load(Ordering::SeqCst),
            total,
            phase: self.phase.lock().map(|p| *p).unwrap_or(""),
            slowest,
            waiting: self
                .waiting
                .lock()
                .ok()
                .and_then(|waiting| waiting.first().cloned()),
        })
    }

    /// What is running now; `None` when no load is.
    pub fn snapshot(&self) -> Option<Snapshot> {
        if self.active.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let (label, started) = self.label.lock().ok()?.clone()?;
        let p95 = self.p95_us.load(Ordering::Relaxed);
        Some(Snapshot {
            label,
            elapsed_ms: started.elapsed().as_millis(),
            sent: self.sent.load(Ordering::Relaxed),
            planned: self.planned.load(Ordering::Relaxed),
            p95_ms: (p95 > 0).then(|| p95 as f64 / 1000.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_snapshot_counts_checks_and_names_the_slowest() {
        let progress = LoadProgress::default();
        assert_eq!(progress.audit(), None);
        progress.phase("probes", 3);
        progress.check_started("tls.protocols");
        progress.check_started("auth.login");
        progress.check_finished("auth.login");
        let snapshot = progress.audit().expect("a phase started");
        assert_eq!(
            (snapshot.done, snapshot.total, snapshot.phase),
            (1, 3, "probes")
        );
        assert_eq!(
            snapshot.slowest.map(|(id, _)| id).as_deref(),
            Some("tls.protocols")
        );
        {
            let _wait = progress.waiting("tls.protocols", "for a handshake".into());
            let waiting = progress.audit().unwrap().waiting;
            assert_eq!(
                waiting,
                Some(("tls.protocols".into(), "for a handshake".into()))
            );
        }
        assert_eq!(
            progress.audit().unwrap().waiting,
            None,
            "the guard ended it"
        );
    }
}

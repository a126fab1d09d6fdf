//! What the load checks (bursts, latency) are doing, for a progress bar. Checks never print:
//! they bump these counters, and the command layer draws them (indicatif, only on a
//! terminal).

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

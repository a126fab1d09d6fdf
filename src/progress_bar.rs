//! Draws [`LoadProgress`] on standard error with indicatif: checks done of total, the phase
//! and the slowest check still running; while a burst or the latency load runs, its
//! requests sent of planned and current p95. Only ever started on a terminal, never with -q.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::progress::LoadProgress;

/// The drawing thread; dropping it clears the bar and stops the thread.
pub struct ProgressBar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ProgressBar {
    pub fn spawn(progress: Arc<LoadProgress>) -> ProgressBar {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || draw(&progress, &stop))
        };
        ProgressBar {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn draw(progress: &LoadProgress, stop: &AtomicBool) {
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>18} [{bar:30}] {pos}/{len} sent · {elapsed} · {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    let mut bar: Option<indicatif::ProgressBar> = None;
    let audit_style = indicatif::ProgressStyle::with_template(
        "{prefix:>18} [{bar:30}] {pos}/{len} checks · {elapsed} · {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    let mut audit_bar: Option<indicatif::ProgressBar> = None;
    while !stop.load(Ordering::SeqCst) {
        match progress.snapshot() {
            Some(snapshot) => {
                if let Some(done) = audit_bar.take() {
                    done.finish_and_clear();
                }
                let current = bar.get_or_insert_with(|| {
                    let b = indicatif::ProgressBar::with_draw_target(
                        Some(snapshot.planned),
                        indicatif::ProgressDrawTarget::stderr(),
                    );
                    b.set_style(style.clone());
                    b
                });
                current.set_prefix(snapshot.label);
                current.set_length(snapshot.planned.max(1));
                current.set_position(snapshot.sent.min(snapshot.planned));
                current.set_message(match snapshot.p95_ms {
                    Some(p95) => format!("p95 {p95:.0} ms"),
                    None => "p95 —".to_string(),
                });
            }
            None => {
                if let Some(done) = bar.take() {
                    done.finish_and_clear();
                }
                if let Some(audit) = progress.audit() {
                    let current = audit_bar.get_or_insert_with(|| {
                        let b = indicatif::ProgressBar::with_draw_target(
                            Some(audit.total as u64),
                            indicatif::ProgressDrawTarget::stderr(),
                        );
                        b.set_style(audit_style.clone());
                        b.set_prefix("audit");
                        b
                    });
                    current.set_length(audit.total as u64);
                    current.set_position(audit.done as u64);
                    current.set_message(match (&audit.waiting, &audit.slowest) {
                        (Some((id, what)), _) => {
                            format!("{} · {id} is waiting {what}", audit.phase)
                        }
                        (None, Some((id, ms))) => format!(
                            "{} · slowest running: {id} ({:.1} s)",
                            audit.phase,
                            *ms as f64 / 1000.0
                        ),
                        (None, None) => audit.phase.to_string(),
                    });
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for done in [bar.take(), audit_bar.take()].into_iter().flatten() {
        done.finish_and_clear();
    }
}

//! `[latency]`: the load `latency.p95` generates and the budget it holds the app to.
//! The family owns its section: shape, defaults, validation.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::validator::Validator;

/// `[latency]`: the load `latency.p95` puts on the onboarding routes.
#[derive(Debug, Clone)]
pub struct Latency {
    pub p95: Duration,
    pub rate: u32,
    pub duration: Duration,
    pub warmup: Duration,
    pub max_in_flight: u32,
    pub max_error_rate: f64,
}

/// Hard ceilings of the load generator (benchmarks reach them; audits rarely should).
pub const RATE_CEILING: u32 = 5_000;

pub const DURATION_CEILING: Duration = Duration::from_secs(120);

pub const LOAD_REQUESTS_CEILING: u64 = 100_000;

/// The open-model load on the onboarding routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    /// The p95 budget (default 500ms).
    pub p95: Option<Spanned<String>>,
    /// Requests per second, at fixed intended times.
    pub rate: Option<Spanned<i64>>,
    pub duration: Option<Spanned<String>>,
    /// Load before measuring, excluded from the figures.
    pub warmup: Option<Spanned<String>>,
    /// Requests in flight at most; an iteration that finds none free is dropped (counted).
    pub max_in_flight: Option<Spanned<i64>>,
    /// Highest acceptable share of failed requests (default 0.01).
    pub max_error_rate: Option<Spanned<f64>>,
}

impl Validator<'_> {
    pub(crate) fn latency(&mut self, raw: RawLatency) -> Latency {
        let p95 = raw
            .p95
            .as_ref()
            .and_then(|d| self.duration(d, "latency.p95"))
            .unwrap_or(Duration::from_millis(500));
        let rate = match &raw.rate {
            Some(r) if !(1..=i64::from(RATE_CEILING)).contains(r.get_ref()) => {
                self.blame(
                    r,
                    "latency.rate",
                    format!("expected 1 to {RATE_CEILING} requests per second"),
                );
                10
            }
            Some(r) => *r.get_ref() as u32,
            None => 10,
        };
        let duration = raw
            .duration
            .as_ref()
            .and_then(|d| self.duration(d, "latency.duration"))
            .unwrap_or(Duration::from_secs(10));
        if let Some(d) = &raw.duration
            && duration > DURATION_CEILING
        {
            self.blame(
                d,
                "latency.duration",
                format!("at most {}s", DURATION_CEILING.as_secs()),
            );
        }
        let warmup = match &raw.warmup {
            Some(w) => match humantime::parse_duration(w.get_ref()) {
                Ok(d) if d <= Duration::from_secs(30) => d,
                _ => {
                    self.blame(w, "latency.warmup", "expected a duration up to 30s");
                    Duration::ZERO
                }
            },
            None => Duration::from_secs(1),
        };
        let total = u64::from(rate) * (duration + warmup).as_millis() as u64 / 1000;
        if total > LOAD_REQUESTS_CEILING {
            let at = raw.rate.as_ref().map_or(0..0, |r| r.span());
            self.errors.push(self.locator.error(
                Some(at),
                "latency.rate",
                format!("rate × (warmup + duration) = {total} requests, over the ceiling of {LOAD_REQUESTS_CEILING}"),
            ));
        }
        let max_in_flight = match &raw.max_in_flight {
            Some(m) if !(1..=10_000).contains(m.get_ref()) => {
                self.blame(m, "latency.max_in_flight", "expected 1 to 10000");
                100
            }
            Some(m) => *m.get_ref() as u32,
            None => 100,
        };
        let max_error_rate = match &raw.max_error_rate {
            Some(e) if !(0.0..=1.0).contains(e.get_ref()) => {
                self.blame(
                    e,
                    "latency.max_error_rate",
                    "expected a share from 0.0 to 1.0",
                );
                0.01
            }
            Some(e) => *e.get_ref(),
            None => 0.01,
        };
        Latency {
            p95,
            rate,
            duration,
            warmup,
            max_in_flight,
            max_error_rate,
        }
    }
}

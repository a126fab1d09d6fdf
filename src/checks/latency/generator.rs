//! The open-model, constant-arrival-rate generator. Request `i` is due at
//! `start + i / rate`; it is sent then whatever earlier requests are doing, and its latency
//! runs from that intended time to the last byte. A cap on requests in flight bounds
//! memory and sockets: an iteration that finds the cap reached is dropped and counted (as
//! k6's dropped_iterations). The generator's own lateness is measured too: if it could not
//! keep its schedule, the check says so rather than report latencies it did not measure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::Semaphore;

use crate::ctx::Ctx;
use crate::net::HttpRequest;

/// One route under load.
pub struct Target<'a> {
    pub label: String,
    pub request: HttpRequest<'a>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub rate: u32,
    pub warmup: Duration,
    pub duration: Duration,
    pub max_in_flight: usize,
}

impl Plan {
    fn count(&self, span: Duration) -> u64 {
        (span.as_secs_f64() * f64::from(self.rate)).round() as u64
    }

    /// Requests scheduled, warm-up included.
    pub fn total(&self) -> u64 {
        self.count(self.warmup + self.duration)
    }

    fn warmup_count(&self) -> u64 {
        self.count(self.warmup)
    }

    fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / f64::from(self.rate))
    }
}

/// Per-route figures (measured part only).
pub struct RouteStats {
    pub histogram: Histogram<u64>,
    pub errors: u64,
}

pub struct Outcome {
    pub overall: Histogram<u64>,
    pub routes: Vec<RouteStats>,
    pub errors: u64,
    pub dropped: u64,
    /// Measured answers cut at the body cap: their time is not the whole answer's.
    pub cut_short: u64,
    /// How late the generator sent each measured request (µs).
    pub lateness: Histogram<u64>,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 1 hour, 3 significant figures: about 50 KiB, whatever the request count.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static histogram bounds")
}

impl Outcome {
    /// Requests in the measured window (completed, failed or dropped).
    pub fn measured(&self) -> u64 {
        self.overall.len() + self.errors + self.dropped
    }

    /// Why the figures cannot be trusted, if the generator fell behind: more than 1% of
    /// requests (and at least 3: one late wake-up of a busy machine is noise) sent later than
    /// max(10 ms, one interval) after their intended time.
    pub fn behind_schedule(&self, plan: &Plan) -> Option<String> {
        let allowed = plan.interval().max(Duration::from_millis(10)).as_micros() as u64;
        let late = self.lateness.len() - self.lateness.count_between(0, allowed);
        let share = late as f64 / self.lateness.len().max(1) as f64;
        (share > 0.01 && late >= 3).then(|| {
            format!(
                "the load generator fell behind its own schedule: {late} of {} requests left more than {:.1} ms late (p99 lateness {:.1} ms); the latency it saw is not the target's — lower [latency] rate",
                self.lateness.len(),
                allowed as f64 / 1000.0,
                self.lateness.value_at_quantile(0.99) as f64 / 1000.0
            )
        })
    }
}

/// What one request reports back when it finishes.
struct Sample {
    index: u64,
    route: usize,
    latency_us: u64,
    ok: bool,
    /// The body was longer than the cap and cut there.
    cut: bool,
}

pub async fn run(ctx: &Ctx, targets: &[Target<'_>], plan: &Plan) -> Outcome {
    let total = plan.total();
    let warmup = plan.warmup_count();
    let interval = plan.interval();
    let permits = Arc::new(Semaphore::new(plan.max_in_flight));
    let mut outcome = Outcome {
        overall: histogram(),
        routes: targets
            .iter()
            .map(|_| RouteStats {
                histogram: histogram(),
                errors: 0,
            })
            .collect(),
        errors: 0,
        dropped: 0,
        cut_short: 0,
        lateness: histogram(),
    };
    let start = Instant::now() + Duration::from_millis(20);
    let mut in_flight = futures_util::stream::FuturesUnordered::new();
    let record = |outcome: &mut Outcome, sample: Sample| {
        if sample.index < warmup {
            return;
        }
        let stats = &mut outcome.routes[sample.route];
        if sample.cut {
            outcome.cut_short += 1;
        }
        if sample.ok {
            let value = sample.latency_us.max(1);
            let _ = outcome.overall.record(value);
            let _ = stats.histogram.record(value);
        } else {
            outcome.errors += 1;
            stats.errors += 1;
        }
    };
    use futures_util::StreamExt;
    for index in 0..total {
        let intended = start + interval.mul_f64(index as f64);
        // Wait for the intended time, collecting what finished meanwhile.
        loop {
            tokio::select! {
                biased;
                _ = tokio::time::sleep_until(intended.into()) => break,
                Some(sample) = in_flight.next(), if !in_flight.is_empty() => record(&mut outcome, sample),
            }
        }
        if index >= warmup {
            let late = Instant::now().saturating_duration_since(intended);
            let _ = outcome.lateness.record((late.as_micros() as u64).max(1));
        }
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if index >= warmup {
                outcome.dropped += 1;
            }
            continue;
        };
        let route = (index % targets.len() as u64) as usize;
        let request = &targets[route].request;
        ctx.load_progress.sent(1);
        in_flight.push(async move {
            let (ok, cut) = match ctx.http.send(request).await {
                Ok(response) => (response.status < 400, response.truncated),
                Err(_) => (false, false),
            };
            let latency_us = Instant::now()
                .saturating_duration_since(intended)
                .as_micros() as u64;
            drop(permit);
            Sample {
                index,
                route,
                latency_us,
                ok,
                cut,
            }
        });
        if index % 64 == 0 && !outcome.overall.is_empty() {
            ctx.load_progress.set_p95(Duration::from_micros(
                outcome.overall.value_at_quantile(0.95),
            ));
        }
    }
    while let Some(sample) = in_flight.next().await {
        record(&mut outcome, sample);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome_with_lateness(late_ms: &[u64]) -> Outcome {
        let mut lateness = histogram();
        for ms in late_ms {
            lateness.record(ms * 1000 + 1).unwrap();
        }
        Outcome {
            overall: histogram(),
            routes: Vec::new(),
            errors: 0,
            dropped: 0,
            cut_short: 0,
            lateness,
        }
    }

    #[test]
    fn a_generator_that_fell_behind_says_so() {
        let plan = Plan {
            rate: 100,
            warmup: Duration::ZERO,
            duration: Duration::from_secs(1),
            max_in_flight: 10,
        };
        // 100 requests, 2 late by 50 ms: noise (fewer than 3).
        let mut late = vec![0; 98];
        late.extend([50, 50]);
        assert!(
            outcome_with_lateness(&late)
                .behind_schedule(&plan)
                .is_none()
        );
        // 5 late: over 1% and at least 3.
        let mut late = vec![0; 95];
        late.extend([50; 5]);
        let why = outcome_with_lateness(&late).behind_schedule(&plan).unwrap();
        assert!(
            why.contains("5 of 100 requests left more than 10.0 ms late"),
            "{why}"
        );
    }

    #[test]
    fn the_plan_counts_warmup_and_measured_requests() {
        let plan = Plan {
            rate: 40,
            warmup: Duration::from_millis(250),
            duration: Duration::from_secs(1),
            max_in_flight: 10,
        };
        assert_eq!((plan.total(), plan.warmup_count()), (50, 10));
    }
}

//! Latency family: `latency.p95`. An open-model load on the routes marked `onboarding`:
//! requests leave at fixed intended times ([`generator`]), whatever the server does, and
//! each latency is measured from its intended time, so a stalled server is charged for the
//! whole queue it built (no coordinated omission). Percentiles from an HdrHistogram.

pub mod cfg;

pub mod generator;

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{EvidenceTable, Finding, Observation, Status};

use super::probe;
use generator::{Plan, Target};

pub struct P95;

/// The evidence table the HTML report draws as a bar chart.
pub const HISTOGRAM_TITLE: &str = "Latency histogram";

/// Upper bounds (ms) of the histogram the reports draw.
pub const BUCKETS_MS: &[u64] = &[1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000];

fn ms(us: u64) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

/// p50 / p90 / p95 / p99 / max of a histogram (µs), as text.
pub fn percentiles(h: &Histogram<u64>) -> String {
    format!(
        "p50 {}, p90 {}, p95 {}, p99 {}, max {}",
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.90)),
        ms(h.value_at_quantile(0.95)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    )
}

impl Check for P95 {
    fn id(&self) -> &str {
        "latency.p95"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile.latency.is_none() {
            return Applicability::Skip {
                key: "latency",
                reason: "no [latency] section (p95 budget, rate, duration)".into(),
            };
        }
        if !profile.routes.iter().any(|r| r.onboarding) {
            return Applicability::Skip {
                key: "routes",
                reason: "no [[routes]] entry has onboarding = true".into(),
            };
        }
        Applicability::Run
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn phase(&self) -> Phase {
        Phase::Load
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(settings) = ctx.profile.latency.clone() else {
                return Finding::error("no [latency] section");
            };
            if let Some(refusal) = super::production_refusal(ctx, "load") {
                return refusal;
            }
            // Each onboarding route as a legitimate caller sends it.
            let mut targets = Vec::new();
            for route in ctx.profile.routes.iter().filter(|r| r.onboarding) {
                let label = format!("{} {}", route.method.as_str(), route.path);
                if !probe::may_probe(ctx, route) {
                    return Finding::error(format!(
                        "{label}: an unsafe method without allow_writes = true is never loaded"
                    ));
                }
                let control = match probe::control(ctx, route).await {
                    Ok(control) => control,
                    Err(why) => return Finding::error(format!("{label}: {why}")),
                };
                let request =
                    match probe::request(ctx, route, &control.filled, Some(control.identity)) {
                        Ok(request) => request,
                        Err(why) => return Finding::error(why),
                    };
                targets.push(Target {
                    label: probe::describe(route, &control.filled),
                    request: request.unrecorded(),
                });
            }
            let plan = Plan {
                rate: settings.rate,
                warmup: settings.warmup,
                duration: settings.duration,
                max_in_flight: settings.max_in_flight as usize,
            };
            let _running = ctx.load_progress.start("latency.p95", plan.total());
            let outcome = generator::run(ctx, &targets, &plan).await;

            let measured = outcome.measured();
            let overall = &outcome.overall;
            let errors = outcome.errors + outcome.dropped;
            let error_rate = if measured == 0 {
                1.0
            } else {
                errors as f64 / measured as f64
            };
            let subject = format!(
                "{} routes at {}/s for {:?} (warm-up {:?} excluded)",
                targets.len(),
                settings.rate,
                settings.duration,
                settings.warmup
            );
            if let Some(behind) = outcome.behind_schedule(&plan) {
                return Finding::from_observations(vec![Observation::new(
                    Status::Error,
                    subject,
                    behind,
                )]);
            }
            // The control: answers were read whole. One cut at the body cap was timed to
            // the cap, not to its end.
            if outcome.cut_short > 0 {
                return Finding::from_observations(vec![Observation::new(
                    Status::Error,
                    subject,
                    format!(
                        "{} measured answer(s) were longer than {} MiB and cut there: their time is not the whole answer's, so no p95 is claimed",
                        outcome.cut_short,
                        crate::net::MAX_BODY / (1024 * 1024)
                    ),
                )]);
            }
            if overall.is_empty() {
                return Finding::from_observations(vec![Observation::new(
                    Status::Error,
                    subject,
                    format!(
                        "no request completed ({} errors, {} dropped)",
                        outcome.errors, outcome.dropped
                    ),
                )]);
            }
            let p95 = Duration::from_micros(overall.value_at_quantile(0.95));
            let achieved = measured as f64 / settings.duration.as_secs_f64();
            let detail = format!(
                "{}; {measured} requests, achieved {achieved:.1}/s; errors {} and dropped {} = {:.2}% (max {:.2}%)",
                percentiles(overall),
                outcome.errors,
                outcome.dropped,
                error_rate * 100.0,
                settings.max_error_rate * 100.0
            );
            let mut problems = Vec::new();
            if p95 > settings.p95 {
                problems.push(format!(
                    "p95 {} over the {:?} budget",
                    ms(p95.as_micros() as u64),
                    settings.p95
                ));
            }
            if error_rate > settings.max_error_rate {
                problems.push(format!(
                    "error rate {:.2}% over {:.2}%",
                    error_rate * 100.0,
                    settings.max_error_rate * 100.0
                ));
            }
            let mut observations = vec![if problems.is_empty() {
                Observation::new(Status::Pass, subject, detail)
            } else {
                Observation::new(
                    Status::Fail,
                    subject,
                    format!("{}: {detail}", problems.join("; ")),
                )
            }];
            let mut by_route = EvidenceTable {
                title: "Latency by route".into(),
                columns: ["route", "requests", "errors", "p50", "p95", "p99", "max"]
                    .map(String::from)
                    .to_vec(),
                rows: Vec::new(),
            };
            for (target, stats) in targets.iter().zip(&outcome.routes) {
                let h = &stats.histogram;
                if h.is_empty() {
                    observations.push(Observation::new(
                        Status::Error,
                        target.label.clone(),
                        format!("no request completed ({} errors)", stats.errors),
                    ));
                    continue;
                }
                let route_p95 = Duration::from_micros(h.value_at_quantile(0.95));
                let status = if route_p95 > settings.p95 {
                    Status::Warn
                } else {
                    Status::Pass
                };
                observations.push(Observation::new(
                    status,
                    target.label.clone(),
                    format!(
                        "{}; {} requests, {} errors",
                        percentiles(h),
                        h.len(),
                        stats.errors
                    ),
                ));
                by_route.rows.push(vec![
                    target.label.clone(),
                    h.len().to_string(),
                    stats.errors.to_string(),
                    ms(h.value_at_quantile(0.50)),
                    ms(h.value_at_quantile(0.95)),
                    ms(h.value_at_quantile(0.99)),
                    ms(h.max()),
                ]);
            }
            Finding::from_observations(observations)
                .with_table(by_route)
                .with_table(histogram_table(overall))
        })
    }
}

/// The latency distribution in fixed buckets: what the HTML report draws as a bar chart.
pub fn histogram_table(h: &Histogram<u64>) -> EvidenceTable {
    let mut rows = Vec::new();
    let mut below = 0u64;
    for bound in BUCKETS_MS {
        let upto = h.count_between(0, bound * 1000);
        rows.push(vec![format!("≤ {bound} ms"), (upto - below).to_string()]);
        below = upto;
    }
    rows.push(vec![
        format!("> {} ms", BUCKETS_MS[BUCKETS_MS.len() - 1]),
        (h.len() - below).to_string(),
    ]);
    EvidenceTable {
        title: HISTOGRAM_TITLE.into(),
        columns: vec!["latency".into(), "requests".into()],
        rows,
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    vec![crate::check::Registered::one(P95)]
}

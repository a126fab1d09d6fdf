//! launch-audit: tells whether a web app or API is safe to put in front of its first
//! customers.
//!
//! Flow: `profile` (TOML → validated [`profile::Profile`]) → `registry` (every check) →
//! `engine` (concurrent, timed, redacted) → `decision` (READY / NOT READY / NOT VERIFIED) → `report`.
//! Checks reach the network only through `net`, via the shared `ctx::Ctx`.

pub mod area;
pub mod baseline;
pub mod catalogue;
pub mod check;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod ctx;
pub mod decision;
pub mod discovery;
pub mod engine;
pub mod export;
pub mod init;
pub mod inventory;
pub mod net;
pub mod next_tasks;
pub mod profile;
pub mod progress;
pub mod progress_bar;
pub mod registry;
pub mod remedy;
pub mod report;
pub mod result;
pub mod run;
pub mod shipped;
pub mod waivers;
pub mod writes;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use check::Check;
use ctx::Consent;
use decision::FailOn;
use engine::Selection;
use profile::Profile;
use run::{AuditRun, SCHEMA_VERSION, TargetSummary};

/// How an audit runs, beyond the profile.
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    pub selection: Selection,
    pub fail_on: FailOn,
    pub consent: Consent,
    /// A previous run (`--baseline`): findings are marked new or known against it.
    pub baseline: Option<run::AuditRun>,
    /// Where the load checks report progress (the command draws it on a terminal).
    pub progress: Option<Arc<progress::LoadProgress>>,
}

/// Audits `profile` with `checks`: the whole product, in-process. Errors only when the
/// audit cannot start (the resolver or TLS set-up failed); check failures are results.
pub async fn audit(
    profile: Arc<Profile>,
    checks: Vec<Arc<dyn Check>>,
    options: &AuditOptions,
) -> Result<AuditRun, String> {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let clock = Instant::now();
    let mut ctx = ctx::Ctx::new(profile.clone(), options.consent)?;
    if let Some(progress) = &options.progress {
        ctx.load_progress = progress.clone();
    }
    let ctx = Arc::new(ctx);
    // Marked first: every log line the audit's traffic causes comes after this.
    checks::logs::mark_start(&ctx);
    checks::input::scan_every_response(&ctx);
    // A dead nameserver or a base_url that is not there is found in seconds and said once,
    // before dozens of checks each wait out a timeout on it.
    net::preflight::run(&ctx.dns, &ctx.http, &profile.target.base_url).await;
    // Identities that log in do it once, concurrently, before any check needs them — and
    // not at all when no selected check acts as an identity.
    let acts_as_identities = checks
        .iter()
        .any(|c| options.selection.includes(c.id()) && c.uses_identities());
    if acts_as_identities {
        ctx.http.establish(profile.identities.values()).await;
    }
    // Only checks that act as identities send writes: read what they may change first.
    let snapshots = if acts_as_identities {
        writes::snapshot(&ctx).await
    } else {
        Vec::new()
    };
    // The hand-over's DNS map comes with the DNS checks (their answers are cached).
    let wants_inventory = checks
        .iter()
        .any(|c| c.id().starts_with("dns.") && options.selection.includes(c.id()));
    let mut results = engine::run(checks, &options.selection, ctx.clone()).await;
    let mut writes = writes::restore(&ctx, snapshots).await;
    writes.extend(writes::recorded(&ctx));
    let dns_inventory = if wants_inventory {
        inventory::collect(&ctx).await
    } else {
        Vec::new()
    };
    let today = &started_at[..10];
    if let Some(row) = waivers::apply(&mut results, &profile.waivers, today) {
        results.push(row);
    }
    if let Some(previous) = &options.baseline {
        baseline::mark(&mut results, previous);
    }
    let decision = decision::decide(&results, options.fail_on);
    let target = TargetSummary {
        name: profile.target.name.clone(),
        base_url: profile.target.base_url.to_string(),
        environment: profile.target.environment,
        profile: profile.source.clone(),
        profile_sha256: profile.sha256.clone(),
        domain: profile.target.domain.clone(),
    };
    let domain = target.domain_name();
    let causes: Vec<String> = ctx
        .dns
        .silent_cause()
        .into_iter()
        .chain(ctx.http.unreachable_causes())
        .chain(ctx.http.limited_cause())
        .chain(ctx.http.untrusted_causes())
        .chain(ctx.http.dropped_connection_causes())
        .collect();
    Ok(AuditRun {
        schema_version: SCHEMA_VERSION,
        tool: "launch-audit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        target,
        started_at,
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        dns_inventory,
        next_tasks: next_tasks::rank(&results, &decision, &causes, &domain),
        causes,
        writes,
        decision,
        results,
    })
}

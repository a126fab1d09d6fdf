//! `redirects.canonical`: every entry point reaches the one canonical origin, in few hops,
//! without loops or detours off the profile's hosts.

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{EvidenceTable, Finding, Observation, Status};

use super::{End, describe, follow};

pub struct Canonical;

impl Check for Canonical {
    fn id(&self) -> &str {
        "redirects.canonical"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile.target.canonical.is_none() {
            Applicability::Skip {
                key: "target.canonical",
                reason: "the profile names no canonical origin".into(),
            }
        } else if profile.target.entry_points.is_empty() {
            Applicability::Skip {
                key: "target.entry_points",
                reason: "the profile names no entry points".into(),
            }
        } else {
            Applicability::Run
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(canonical) = ctx.profile.target.canonical.clone() else {
                return Finding::error("no canonical origin");
            };
            let max_hops = ctx.profile.redirects.max_hops;
            let walks = ctx.profile.target.entry_points.iter().map(|start| {
                let canonical = canonical.origin();
                async move {
                    let (hops, end) = follow(ctx, start).await;
                    let redirects = hops.len().saturating_sub(1);
                    let last = hops.last();
                    let (status, verdict) = match (&end, last) {
                        (End::Loop(url), _) => (Status::Fail, format!("redirect loop back to {url}")),
                        (End::OffScope(url), _) => (
                            Status::Fail,
                            format!("hops to {url}, a host the profile does not name"),
                        ),
                        (End::TooLong, _) => (Status::Fail, "more than 10 hops".to_string()),
                        (End::Broken(why), _) => (Status::Error, why.clone()),
                        (End::Landed, None) => (Status::Error, "no response".to_string()),
                        (End::Landed, Some(last)) if last.url.origin() != canonical => (
                            Status::Fail,
                            format!(
                                "ends on {}, not the canonical {}",
                                last.url.origin().ascii_serialization(),
                                canonical.ascii_serialization()
                            ),
                        ),
                        (End::Landed, Some(last)) if last.status >= 500 => (
                            Status::Error,
                            format!("the canonical page answered {}", last.status),
                        ),
                        (End::Landed, Some(_)) if redirects > max_hops => (
                            Status::Warn,
                            format!("{redirects} hops to canonical (more than {max_hops}: each costs a round trip)"),
                        ),
                        (End::Landed, Some(_)) => (
                            Status::Pass,
                            format!("canonical in {redirects} hop(s)"),
                        ),
                    };
                    (start, Observation::new(status, start.to_string(), verdict), describe(&hops, &end))
                }
            });
            let results = futures_util::future::join_all(walks).await;
            let table = EvidenceTable {
                title: "Redirect chains".into(),
                columns: vec!["entry point".into(), "status".into(), "chain".into()],
                rows: results
                    .iter()
                    .map(|(start, observation, chain)| {
                        vec![
                            start.to_string(),
                            observation.status.to_string(),
                            chain.clone(),
                        ]
                    })
                    .collect(),
            };
            Finding::from_observations(results.into_iter().map(|(_, o, _)| o).collect())
                .with_table(table)
        })
    }
}

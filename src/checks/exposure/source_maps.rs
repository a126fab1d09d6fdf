//! `exposure.source-maps`: the bundles' source maps (named by `sourceMappingURL`, or next
//! to each bundle) are not served; a served map is scanned for secrets too, since it carries
//! the original sources.

use super::secret_scan;
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::{Environment, Profile};
use crate::result::{Finding, Observation, Status};
use crate::shipped::maps::MapAnswer;

pub struct SourceMaps;

impl Check for SourceMaps {
    fn id(&self) -> &str {
        "exposure.source-maps"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if let Some(absent) = crate::checks::front_end_absent(profile) {
            return absent;
        }
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let bundle = crate::shipped::collect(ctx).await;
            let served_status = match ctx.profile.target.environment {
                Environment::Production => Status::Fail,
                Environment::Staging => Status::Warn,
            };
            let mut observations = bundle.page_error_observations();
            for map in &bundle.maps {
                let subject = format!("GET {}", map.url);
                let observation = match &map.answer {
                    MapAnswer::Unanswered(why) => {
                        Observation::new(Status::Error, subject, why.clone())
                    }
                    MapAnswer::Unread(why) => Observation::new(Status::Warn, subject, why.clone()),
                    MapAnswer::NotAMap(r) if !r.is_success() => {
                        match crate::net::reached(r, None) {
                            crate::net::Reached::App if (400..500).contains(&r.status) => {
                                Observation::new(
                                    Status::Pass,
                                    subject,
                                    format!("{}: not served", r.status),
                                )
                            }
                            crate::net::Reached::App => Observation::new(
                                Status::Error,
                                subject,
                                format!("{}: neither the map nor a refusal", r.status),
                            ),
                            other => Observation::new(Status::Error, subject, other.explain()),
                        }
                    }
                    MapAnswer::NotAMap(r) => Observation::new(
                        Status::Pass,
                        subject,
                        format!("{}, but not a source map", r.status),
                    ),
                    MapAnswer::Served {
                        sources_content, ..
                    } => {
                        let scanned = secret_scan::scan_off_thread(sources_content.clone()).await;
                        let secrets: Vec<_> = scanned
                            .as_ref()
                            .map(|hits| hits.iter().filter(|h| !h.public).collect())
                            .unwrap_or_default();
                        match (&scanned, secrets.first()) {
                            (Err(error), _) => Observation::new(
                                Status::Error,
                                subject,
                                format!("served; its sources could not be scanned: {error}"),
                            ),
                            (Ok(_), Some(hit)) => Observation::new(
                                Status::Fail,
                                subject,
                                format!(
                                    "served, and its original sources carry a {} {} ({})",
                                    hit.what, hit.masked, hit.rule
                                ),
                            ),
                            (Ok(_), None) => Observation::new(
                                served_status,
                                subject,
                                "served: the original source code is public",
                            ),
                        }
                    }
                };
                observations.push(observation);
            }
            observations.extend(bundle.unscanned_observations());
            for partial in &bundle.partial {
                observations.push(Observation::new(
                    Status::Warn,
                    "partly read",
                    partial.clone(),
                ));
            }
            if observations.is_empty() && bundle.page_errors.is_empty() {
                observations.push(Observation::new(
                    Status::Pass,
                    format!("{} entry page(s)", bundle.pages),
                    format!(
                        "{}: no external script, so no source map to serve",
                        bundle.coverage()
                    ),
                ));
            }
            Finding::from_observations(observations).with_coverage(bundle.script_coverage())
        })
    }
}

//! `secrets.client-bundle`: no secret-shaped string in anything the entry pages make the
//! browser download. Publishable keys are information.

use super::secret_scan;
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct ClientBundle;

impl Check for ClientBundle {
    fn id(&self) -> &str {
        "secrets.client-bundle"
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
            let mut observations = bundle.page_error_observations();
            for script in &bundle.scripts {
                let hits =
                    match secret_scan::scan_off_thread(std::sync::Arc::clone(&script.text)).await {
                        Ok(hits) => hits,
                        Err(error) => {
                            observations.push(Observation::new(
                                Status::Error,
                                script.name.clone(),
                                error,
                            ));
                            continue;
                        }
                    };
                for hit in hits {
                    let place = format!("{}:{}:{}", script.name, hit.line, hit.col);
                    if hit.public {
                        observations.push(Observation::new(
                            Status::Pass,
                            place,
                            format!(
                                "{} {} ({}): public by design",
                                hit.what, hit.masked, hit.rule
                            ),
                        ));
                    } else {
                        observations.push(Observation::new(
                            Status::Fail,
                            place,
                            format!(
                                "{} {} ({}): every visitor can read it — rotate it",
                                hit.what, hit.masked, hit.rule
                            ),
                        ));
                    }
                }
            }
            for partial in &bundle.partial {
                observations.push(Observation::new(
                    Status::Warn,
                    "partly scanned",
                    partial.clone(),
                ));
            }
            observations.extend(bundle.unscanned_observations());
            // The control: the pages were read whole (decoded) and their scripts fetched.
            if bundle.page_errors.len() < bundle.pages
                && !observations
                    .iter()
                    .any(|o| matches!(o.status, Status::Fail | Status::Error))
            {
                let detail = if bundle.scripts.is_empty() {
                    format!("{}: the pages load no script", bundle.coverage())
                } else {
                    format!("{}: no secret", bundle.coverage())
                };
                observations.push(Observation::new(
                    Status::Pass,
                    format!("{} entry page(s)", bundle.pages),
                    detail,
                ));
            }
            Finding::from_observations(observations).with_coverage(bundle.script_coverage())
        })
    }
}

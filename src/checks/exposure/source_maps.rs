//! `exposure.source-maps`: the bundles' source maps (named by `sourceMappingURL`, or next
//! to each bundle) are not served; a served map is scanned for secrets too, since it carries
//! the original sources.

use super::secret_scan;
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::{Environment, Profile};
use crate::result::{Finding, Observation, Status};

pub struct SourceMaps;

/// The map a script names in its last `//# sourceMappingURL=` comment.
fn named_map(text: &str) -> Option<&str> {
    text.rfind("sourceMappingURL=").map(|at| {
        text[at + "sourceMappingURL=".len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
    })
}

impl Check for SourceMaps {
    fn id(&self) -> &str {
        "exposure.source-maps"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
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
            for script in bundle.scripts.iter().filter(|s| s.url.is_some()) {
                let Some(url) = &script.url else { continue };
                let map = match named_map(&script.text).filter(|m| !m.starts_with("data:")) {
                    Some(name) => url.join(name).ok(),
                    None => url
                        .join(&format!(
                            "{}.map",
                            url.path().rsplit('/').next().unwrap_or("")
                        ))
                        .ok(),
                };
                let Some(map) = map else { continue };
                // Where the script was read, its map is read too, as devtools would.
                let request = HttpRequest::page_asset(map);
                let observation = match ctx.http.send(&request).await {
                    Err(error) => Observation::new(
                        Status::Error,
                        request.describe(),
                        ctx.redactor.redact(&error.to_string()),
                    ),
                    Ok(r) if !r.is_success() => match crate::net::reached(&r, None) {
                        crate::net::Reached::App if (400..500).contains(&r.status) => {
                            Observation::new(
                                Status::Pass,
                                request.describe(),
                                format!("{}: not served", r.status),
                            )
                        }
                        crate::net::Reached::App => Observation::new(
                            Status::Error,
                            request.describe(),
                            format!("{}: neither the map nor a refusal", r.status),
                        ),
                        other => {
                            Observation::new(Status::Error, request.describe(), other.explain())
                        }
                    },
                    Ok(r) => match serde_json::from_slice::<serde_json::Value>(&r.body) {
                        Ok(json) if json.get("mappings").is_some() => {
                            let sources = json
                                .get("sourcesContent")
                                .map(|s| s.to_string())
                                .unwrap_or_default();
                            let scanned =
                                secret_scan::scan_off_thread(std::sync::Arc::new(sources)).await;
                            let secrets: Vec<_> = scanned
                                .as_ref()
                                .map(|hits| hits.iter().filter(|h| !h.public).collect())
                                .unwrap_or_default();
                            match (&scanned, secrets.first()) {
                                (Err(error), _) => Observation::new(
                                    Status::Error,
                                    request.describe(),
                                    format!("served; its sources could not be scanned: {error}"),
                                ),
                                (Ok(_), Some(hit)) => Observation::new(
                                    Status::Fail,
                                    request.describe(),
                                    format!(
                                        "served, and its original sources carry a {} {} ({})",
                                        hit.what, hit.masked, hit.rule
                                    ),
                                ),
                                (Ok(_), None) => Observation::new(
                                    served_status,
                                    request.describe(),
                                    "served: the original source code is public",
                                ),
                            }
                        }
                        _ => Observation::new(
                            Status::Pass,
                            request.describe(),
                            format!("{}, but not a source map", r.status),
                        ),
                    },
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

#[cfg(test)]
mod tests {
    use super::named_map;

    #[test]
    fn reads_the_last_source_mapping_comment() {
        assert_eq!(
            named_map("a();\n//# sourceMappingURL=app.js.map\n"),
            Some("app.js.map")
        );
        assert_eq!(named_map("a();"), None);
    }
}

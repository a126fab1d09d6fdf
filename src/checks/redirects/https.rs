//! `redirects.https`: every `http://` entry point's first answer moves the browser to
//! `https://` on the same host, permanently.

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Https;

impl Check for Https {
    fn id(&self) -> &str {
        "redirects.https"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile
            .target
            .entry_points
            .iter()
            .any(|url| url.scheme() == "http")
        {
            Applicability::Run
        } else {
            Applicability::Skip {
                key: "target.entry_points",
                reason: "no http:// entry point to test (list `http://your-domain` there)".into(),
            }
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let probes = ctx
                .profile
                .target
                .entry_points
                .iter()
                .filter(|url| url.scheme() == "http")
                .map(|url| async move {
                    let request = HttpRequest::get(url.clone());
                    let response = match ctx.http.send(&request).await {
                        Ok(response) => response,
                        Err(error) => return crate::checks::unreachable(ctx, &request, error),
                    };
                    let subject = request.describe();
                    let status = response.status;
                    let Some(next) = super::location(&response, url) else {
                        return Observation::new(
                            Status::Fail,
                            subject,
                            format!("{status}: serves the page over plain http instead of redirecting"),
                        );
                    };
                    let next = match next {
                        Ok(next) => next,
                        Err(why) => return Observation::new(Status::Error, subject, why),
                    };
                    let same_host = next.host_str() == url.host_str();
                    let (verdict, what) = match (next.scheme(), same_host, status) {
                        ("https", true, 301 | 308) => (Status::Pass, "permanent redirect to https on the same host"),
                        ("https", true, _) => (
                            Status::Warn,
                            "temporary redirect: browsers ask over http again on every visit (use 301 or 308)",
                        ),
                        ("https", false, _) => (
                            Status::Fail,
                            "first hop leaves the host: HSTS is never set for it (redirect to https on the same host first)",
                        ),
                        _ => (Status::Fail, "redirects to another http:// URL"),
                    };
                    Observation::new(verdict, subject, format!("{status} → {next}: {what}"))
                });
            Finding::from_observations(futures_util::future::join_all(probes).await)
        })
    }
}

//! `tls.hsts`: `Strict-Transport-Security` on the https pages the profile names.

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

/// Six months: the least HSTS preload lists and scanners accept.
pub const MIN_MAX_AGE: u64 = 15_552_000;

pub struct Hsts;

impl Check for Hsts {
    fn id(&self) -> &str {
        "tls.hsts"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applies(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let target = &ctx.profile.target;
            let mut urls: Vec<url::Url> = std::iter::once(&target.base_url)
                .chain(&target.canonical)
                .chain(&target.entry_points)
                .filter(|url| url.scheme() == "https")
                .cloned()
                .collect();
            urls.dedup();
            let probes = urls.into_iter().map(|url| async move {
                let request = HttpRequest::get(url);
                match ctx.http.send(&request).await {
                    Err(error) => crate::checks::unreachable(ctx, &request, error),
                    Ok(response) => {
                        let values: Vec<String> = response
                            .headers
                            .get_all("strict-transport-security")
                            .iter()
                            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                            .collect();
                        // Browsers honour the first header only (RFC 6797 §8.1).
                        let (status, detail) = judge(values.first().map(String::as_str));
                        Observation::new(
                            status,
                            request.describe(),
                            format!("{}: {detail}", response.status),
                        )
                    }
                }
            });
            Finding::from_observations(futures_util::future::join_all(probes).await)
        })
    }
}

/// The verdict on one `Strict-Transport-Security` value (RFC 6797 §6.1).
pub fn judge(value: Option<&str>) -> (Status, String) {
    let Some(value) = value else {
        return (Status::Fail, "no Strict-Transport-Security".into());
    };
    let mut max_age = None;
    let mut subdomains = false;
    let mut preload = false;
    for directive in value.split(';').map(str::trim) {
        let (name, argument) = directive
            .split_once('=')
            .map_or((directive, None), |(n, a)| {
                (n.trim(), Some(a.trim().trim_matches('"')))
            });
        match name.to_ascii_lowercase().as_str() {
            "max-age" => max_age = argument.and_then(|a| a.parse::<u64>().ok()),
            "includesubdomains" => subdomains = true,
            "preload" => preload = true,
            _ => {}
        }
    }
    let notes = format!(
        "includeSubDomains {}, preload {}",
        if subdomains { "yes" } else { "no" },
        if preload { "yes" } else { "no" }
    );
    match max_age {
        None => (
            Status::Fail,
            format!("`{value}` has no valid max-age, so browsers ignore it"),
        ),
        Some(0) => (Status::Fail, "max-age=0 switches HSTS off".into()),
        Some(age) if age < MIN_MAX_AGE => (
            Status::Warn,
            format!("max-age={age} is under {MIN_MAX_AGE} (180 days); {notes}"),
        ),
        Some(age) => (Status::Pass, format!("max-age={age}; {notes}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_decides() {
        assert_eq!(judge(None).0, Status::Fail);
        assert_eq!(judge(Some("max-age=0")).0, Status::Fail);
        assert_eq!(judge(Some("includeSubDomains")).0, Status::Fail);
        assert_eq!(judge(Some("max-age=86400")).0, Status::Warn);
        let (status, detail) = judge(Some("max-age=\"63072000\"; includeSubDomains; preload"));
        assert_eq!(status, Status::Pass);
        assert!(
            detail.contains("includeSubDomains yes, preload yes"),
            "{detail}"
        );
    }
}

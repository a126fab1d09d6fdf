//! `email.mta-sts`: the `_mta-sts` record and the policy it announces (RFC 8461), and a
//! TLS-RPT record (RFC 8460).

use url::Url;

use super::{needs_domain, tags};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::{DnsAnswer, HttpRequest};
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct MtaSts;

/// A parsed policy file: `key: value` lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub version: Option<String>,
    pub mode: Option<String>,
    pub mx: Vec<String>,
    pub max_age: Option<u64>,
}

pub fn parse_policy(text: &str) -> Policy {
    let mut policy = Policy::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match key.trim() {
            "version" => policy.version = Some(value),
            "mode" => policy.mode = Some(value),
            "mx" => policy.mx.push(value.to_ascii_lowercase()),
            "max_age" => policy.max_age = value.parse().ok(),
            _ => {}
        }
    }
    policy
}

/// `*.example.com` matches one label in front of example.com (RFC 8461 §4.1).
fn mx_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.split_once('.').is_some_and(|(_, rest)| rest == suffix),
        None => pattern == host,
    }
}

impl Check for MtaSts {
    fn id(&self) -> &str {
        "email.mta-sts"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_domain(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(domain) = &ctx.profile.target.domain else {
                return Finding::error("no [target] domain");
            };
            let mut observations = Vec::new();
            let tls_rpt = format!("_smtp._tls.{domain}");
            observations.push(match ctx.dns.txt(&tls_rpt).await {
                Ok(DnsAnswer::Records(records))
                    if records.iter().any(|r| r.starts_with(b"v=TLSRPTv1")) =>
                {
                    Observation::new(
                        Status::Pass,
                        &tls_rpt,
                        "TLS-RPT published: delivery failures are reported",
                    )
                }
                Ok(_) => Observation::new(
                    Status::Warn,
                    &tls_rpt,
                    "no TLS-RPT record: nobody hears when senders cannot deliver over TLS",
                ),
                Err(failure) => Observation::new(Status::Error, &tls_rpt, failure.reason),
            });
            let record_name = format!("_mta-sts.{domain}");
            let records: Vec<String> = match ctx.dns.txt(&record_name).await {
                Ok(answer) => answer
                    .records()
                    .iter()
                    .map(|r| String::from_utf8_lossy(r).into_owned())
                    .filter(|r| r.starts_with("v=STSv1"))
                    .collect(),
                Err(failure) => {
                    observations.push(Observation::new(
                        Status::Error,
                        &record_name,
                        failure.reason,
                    ));
                    return Finding::from_observations(observations);
                }
            };
            let record = match records.as_slice() {
                [] => {
                    observations.push(Observation::new(
                        Status::Warn,
                        &record_name,
                        "no MTA-STS: mail to the domain can be downgraded to plain text in transit",
                    ));
                    return Finding::from_observations(observations);
                }
                [one] => one.clone(),
                _ => {
                    observations.push(Observation::new(
                        Status::Fail,
                        &record_name,
                        "several v=STSv1 records: senders ignore MTA-STS",
                    ));
                    return Finding::from_observations(observations);
                }
            };
            match tags::parse(&record) {
                Ok(tags) if tags::get(&tags, "id").is_some() => observations.push(
                    Observation::new(Status::Pass, &record_name, format!("`{record}`")),
                ),
                _ => observations.push(Observation::new(
                    Status::Fail,
                    &record_name,
                    format!("`{record}` has no valid id=: senders never fetch the policy"),
                )),
            }
            let url = match &ctx.profile.email.mta_sts_policy_url {
                Some(url) => url.clone(),
                None => {
                    match Url::parse(&format!("https://mta-sts.{domain}/.well-known/mta-sts.txt")) {
                        Ok(url) => url,
                        Err(error) => return Finding::error(error.to_string()),
                    }
                }
            };
            // An authoritative "no such host" decides: the policy cannot be fetched by anyone.
            if let Some(host) = url.host_str()
                && let Ok(crate::net::Lookup::NoSuchName) = ctx.dns.lookup_ip(host).await
            {
                observations.push(Observation::new(
                    Status::Fail,
                    format!("GET {url}"),
                    format!("{host} does not exist (NXDOMAIN): the record announces a policy nobody can fetch"),
                ));
                return Finding::from_observations(observations);
            }
            let request = HttpRequest::get(url);
            let response = match ctx.http.send(&request).await {
                Ok(response) if response.status == 200 => response,
                Ok(response) => {
                    observations.push(Observation::new(
                        Status::Fail,
                        request.describe(),
                        format!(
                            "{}: the record announces a policy nobody can fetch",
                            response.status
                        ),
                    ));
                    return Finding::from_observations(observations);
                }
                // Unreachable decides nothing (it may be passing); a wrong answer does.
                Err(error) => {
                    observations.push(Observation::new(
                        Status::Error,
                        request.describe(),
                        ctx.redactor.redact(&error.to_string()),
                    ));
                    return Finding::from_observations(observations);
                }
            };
            let policy = parse_policy(&String::from_utf8_lossy(&response.body));
            let subject = request.describe();
            if policy.version.as_deref() != Some("STSv1") || policy.max_age.is_none() {
                observations.push(Observation::new(
                    Status::Fail,
                    subject,
                    "the policy lacks version: STSv1 or max_age",
                ));
                return Finding::from_observations(observations);
            }
            match policy.mode.as_deref() {
                Some("enforce") => observations.push(Observation::new(
                    Status::Pass,
                    &subject,
                    format!("mode enforce, max_age {}", policy.max_age.unwrap_or(0)),
                )),
                Some(mode @ ("testing" | "none")) => observations.push(Observation::new(
                    Status::Warn,
                    &subject,
                    format!("mode {mode}: not enforced"),
                )),
                other => observations.push(Observation::new(
                    Status::Fail,
                    &subject,
                    format!("mode {other:?} is not enforce, testing or none"),
                )),
            }
            if let Ok(DnsAnswer::Records(exchanges)) = ctx.dns.mx(domain).await {
                for (_, host) in exchanges.iter().filter(|(_, h)| !h.is_empty()) {
                    if !policy.mx.iter().any(|p| mx_matches(p, host)) {
                        observations.push(Observation::new(Status::Fail, &subject, format!("MX {host} is not in the policy: enforcing senders will refuse to deliver to it")));
                    }
                }
            }
            Finding::from_observations(observations)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_parsing_and_mx_patterns() {
        let policy = parse_policy(
            "version: STSv1\nmode: enforce\nmx: mx1.acme.test\nmx: *.mail.acme.test\nmax_age: 604800\n",
        );
        assert_eq!(policy.mode.as_deref(), Some("enforce"));
        assert_eq!(policy.max_age, Some(604_800));
        assert!(mx_matches("*.mail.acme.test", "a.mail.acme.test"));
        assert!(!mx_matches("*.mail.acme.test", "a.b.mail.acme.test"));
        assert!(mx_matches("mx1.acme.test", "mx1.acme.test"));
    }
}

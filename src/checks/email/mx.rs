//! `email.mx`: the domain has MX records and each exchange resolves; a null MX is deliberate.

use super::needs_domain;
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::{DnsAnswer, Lookup};
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Mx;

impl Check for Mx {
    fn id(&self) -> &str {
        "email.mx"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_domain(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(domain) = &ctx.profile.target.domain else {
                return Finding::error("no [target] domain");
            };
            let subject = format!("MX {domain}");
            let records = match ctx.dns.mx(domain).await {
                Err(failure) => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Error,
                        subject,
                        failure.reason,
                    )]);
                }
                Ok(DnsAnswer::NoSuchName) => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Fail,
                        subject,
                        format!("{domain} does not exist"),
                    )]);
                }
                Ok(DnsAnswer::NoRecords) => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Fail,
                        subject,
                        "no MX record: replies to your mail and sign-up confirmations sent to this domain bounce (publish MX, or a null MX `0 .` if it takes no mail)",
                    )]);
                }
                Ok(DnsAnswer::Records(records)) => records,
            };
            if records.len() == 1 && records[0].1.is_empty() {
                return Finding::from_observations(vec![Observation::new(
                    Status::Pass,
                    subject,
                    "null MX (`0 .`): the domain takes no mail, deliberately; it should also publish `v=spf1 -all` and DMARC p=reject",
                )]);
            }
            let mut observations = Vec::new();
            for (preference, exchange) in records {
                let name = format!("MX {preference} {exchange}");
                let observation = match ctx.dns.lookup_ip(&exchange).await {
                    Ok(Lookup::Found(ips)) => Observation::new(
                        Status::Pass,
                        name,
                        format!(
                            "resolves to {}",
                            ips.iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                    Ok(_) => Observation::new(
                        Status::Fail,
                        name,
                        "the exchange does not resolve: mail cannot be delivered to it",
                    ),
                    Err(failure) => Observation::new(Status::Error, name, failure.reason),
                };
                observations.push(observation);
            }
            Finding::from_observations(observations)
        })
    }
}

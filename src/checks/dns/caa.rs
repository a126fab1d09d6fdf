//! `dns.caa`: which CAs may issue certificates for the domain and its hosts, found by
//! climbing from each name towards the root (RFC 8659 §3).

use crate::check::{Applicability, Check, CheckFuture, Finding, Observation, Status};
use crate::ctx::Ctx;
use crate::net::Answer;
use crate::profile::Profile;

pub struct Caa;

/// The names RFC 8659 looks at for `host`: itself, then each parent, short of the TLD.
pub fn climb(host: &str) -> Vec<String> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    (0..labels.len().saturating_sub(1))
        .map(|i| labels[i..].join("."))
        .collect()
}

impl Check for Caa {
    fn id(&self) -> &str {
        "dns.caa"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut names: Vec<String> = ctx.profile.target.domain.iter().cloned().collect();
            for host in ctx.profile.hosts() {
                if host.parse::<std::net::IpAddr>().is_err() && !names.contains(&host) {
                    names.push(host);
                }
            }
            let mut observations = Vec::new();
            for name in names {
                let mut found = None;
                for candidate in climb(&name) {
                    match ctx.dns.caa(&candidate).await {
                        Ok(Answer::Records(records)) => {
                            found = Some((candidate, records));
                            break;
                        }
                        Ok(_) => {}
                        Err(failure) => {
                            found = None;
                            observations.push(Observation::new(
                                Status::Error,
                                &name,
                                failure.reason,
                            ));
                            break;
                        }
                    }
                }
                if observations.iter().any(|o| o.subject == name) {
                    continue;
                }
                let observation = match found {
                    None => Observation::new(
                        Status::Warn,
                        &name,
                        "no CAA record on it or its parents: any CA may issue certificates for it",
                    ),
                    Some((at, records)) => {
                        let listed: Vec<String> = records
                            .iter()
                            .map(|(critical, tag, value)| {
                                format!("{} {tag} \"{value}\"", u8::from(*critical) * 128)
                            })
                            .collect();
                        let unknown_critical = records.iter().any(|(critical, tag, _)| {
                            *critical
                                && ![
                                    "issue",
                                    "issuewild",
                                    "iodef",
                                    "contactemail",
                                    "contactphone",
                                    "issuemail",
                                ]
                                .contains(&tag.as_str())
                        });
                        let issuers: Vec<&str> = records
                            .iter()
                            .filter(|(_, tag, _)| tag == "issue")
                            .map(|(_, _, v)| v.as_str())
                            .collect();
                        if unknown_critical {
                            Observation::new(
                                Status::Warn,
                                &name,
                                format!(
                                    "at {at}: {}: a critical tag CAs do not know blocks all issuance",
                                    listed.join(", ")
                                ),
                            )
                        } else if issuers.is_empty() {
                            Observation::new(
                                Status::Warn,
                                &name,
                                format!(
                                    "at {at}: {}: no `issue` tag restricts issuance",
                                    listed.join(", ")
                                ),
                            )
                        } else {
                            Observation::new(
                                Status::Pass,
                                &name,
                                format!("at {at}: {}", listed.join(", ")),
                            )
                        }
                    }
                };
                observations.push(observation);
            }
            Finding::from_observations(observations)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::climb;

    #[test]
    fn climbs_to_the_registrable_level() {
        assert_eq!(climb("app.acme.test"), ["app.acme.test", "acme.test"]);
        assert_eq!(climb("acme.test"), ["acme.test"]);
    }
}

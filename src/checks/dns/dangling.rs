//! `dns.dangling`: no host or declared subdomain is a CNAME to a name that does not exist
//! (anyone who registers that name serves your subdomain).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::{DnsAnswer, Lookup};
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Dangling;

/// CNAME hops followed before calling it a loop.
const MAX_HOPS: usize = 8;

/// Where a name's CNAMEs lead.
pub(super) enum CnameChain {
    /// The name, then each target, the last one not a CNAME (or past [`MAX_HOPS`]).
    Ends(Vec<String>),
    /// The chain comes back to a name already in it (that name last).
    Loop(Vec<String>),
}

/// Follows `name`'s CNAMEs, at most [`MAX_HOPS`].
pub(super) async fn cname_chain(ctx: &Ctx, name: &str) -> Result<CnameChain, String> {
    let mut chain = vec![name.to_string()];
    for _ in 0..MAX_HOPS {
        let current = chain.last().cloned().unwrap_or_default();
        match ctx.dns.cname(&current).await {
            Ok(DnsAnswer::Records(targets)) => {
                let target = targets.into_iter().next().unwrap_or_default();
                let looped = chain.contains(&target);
                chain.push(target);
                if looped {
                    return Ok(CnameChain::Loop(chain));
                }
            }
            Ok(_) => break,
            Err(failure) => return Err(failure.reason),
        }
    }
    Ok(CnameChain::Ends(chain))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    service: Vec<Service>,
}

/// A hosting service where a dangling CNAME can be claimed by someone else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub name: String,
    /// Target names ending in this belong to the service.
    pub suffix: String,
}

fn services() -> &'static [Service] {
    static RULES: OnceLock<Vec<Service>> = OnceLock::new();
    RULES.get_or_init(|| {
        match toml::from_str::<Rules>(include_str!("../../../checks/rules/takeover-services.toml"))
        {
            Ok(rules) => rules.service,
            // Compiled-in data: a unit test parses it, so this cannot ship.
            Err(error) => panic!("checks/rules/takeover-services.toml: {error}"),
        }
    })
}

/// The takeover-prone service a CNAME target belongs to, if any.
pub fn service_of(target: &str) -> Option<&'static str> {
    services()
        .iter()
        .find(|s| target == s.suffix.trim_start_matches('.') || target.ends_with(&s.suffix))
        .map(|s| s.name.as_str())
}

impl Check for Dangling {
    fn id(&self) -> &str {
        "dns.dangling"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::needs_host_names(profile, true)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut names: Vec<String> = ctx.profile.dns_names();
            for sub in &ctx.profile.subdomains {
                if !names.contains(sub) {
                    names.push(sub.clone());
                }
            }
            let mut observations = Vec::new();
            for name in names {
                let (chain, outcome) = match cname_chain(ctx, &name).await {
                    Ok(CnameChain::Loop(chain)) => (
                        Vec::new(),
                        Some(Observation::new(
                            Status::Fail,
                            &name,
                            format!("CNAME loop: {}", chain.join(" → ")),
                        )),
                    ),
                    Ok(CnameChain::Ends(chain)) => (chain, None),
                    Err(why) => (
                        Vec::new(),
                        Some(Observation::new(Status::Error, &name, why)),
                    ),
                };
                let observation = match outcome {
                    Some(observation) => observation,
                    None if chain.len() == 1 => {
                        Observation::new(Status::Pass, &name, "not a CNAME")
                    }
                    None if chain.len() > MAX_HOPS => Observation::new(
                        Status::Fail,
                        &name,
                        format!("CNAME chain longer than {MAX_HOPS}: {}", chain.join(" → ")),
                    ),
                    None => {
                        let target = chain.last().cloned().unwrap_or_default();
                        let path = chain.join(" → ");
                        let service = service_of(&target)
                            .map(|s| format!(" ({s} lets anyone claim that name)"))
                            .unwrap_or_default();
                        match ctx.dns.lookup_ip(&target).await {
                            Ok(Lookup::NoSuchName) => Observation::new(
                                Status::Fail,
                                &name,
                                format!(
                                    "dangling: {path}, and {target} does not exist — takeover risk{service}"
                                ),
                            ),
                            Ok(Lookup::Found(_)) | Ok(Lookup::NoAddress) => Observation::new(
                                Status::Pass,
                                &name,
                                format!("{path}: the target exists{service}"),
                            ),
                            Err(failure) => Observation::new(
                                Status::Error,
                                &name,
                                format!("{path}: {}", failure.reason),
                            ),
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
    use super::*;

    #[test]
    fn rules_parse_and_match_suffixes() {
        assert!(!services().is_empty());
        assert_eq!(service_of("acme.github.io"), Some("GitHub Pages"));
        assert_eq!(service_of("acme.test"), None);
    }
}

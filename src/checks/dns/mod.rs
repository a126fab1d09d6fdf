//! DNS family: `dns.resolution`, `dns.caa`, `dns.dangling`.

pub mod cfg;

mod caa;
mod dangling;

pub use caa::Caa;
pub use dangling::Dangling;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::Lookup;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

/// Every host the profile names resolves (A or AAAA).
pub struct Resolution;

impl Check for Resolution {
    fn id(&self) -> &str {
        "dns.resolution"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_host_names(profile, false)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let hosts = ctx.profile.dns_names();
            let lookups = hosts.iter().map(|host| async move {
                match ctx.dns.lookup_ip(host).await {
                    Ok(Lookup::Found(ips)) => {
                        let ips: Vec<String> = ips.iter().map(ToString::to_string).collect();
                        Observation::new(
                            Status::Pass,
                            host,
                            format!("resolves to {}", ips.join(", ")),
                        )
                    }
                    Ok(Lookup::NoSuchName) => {
                        Observation::new(Status::Fail, host, "does not exist (NXDOMAIN)")
                    }
                    // A CNAME loop also ends in no address: say which it is.
                    Ok(Lookup::NoAddress) => match dangling::cname_chain(ctx, host).await {
                        Ok(dangling::CnameChain::Loop(chain)) => Observation::new(
                            Status::Fail,
                            host,
                            format!(
                                "its CNAME chain loops ({}), so it never reaches an address",
                                chain.join(" → ")
                            ),
                        ),
                        _ => Observation::new(
                            Status::Fail,
                            host,
                            "exists but has no A or AAAA record",
                        ),
                    },
                    Err(failure) => Observation::new(Status::Error, host, failure.reason),
                }
            });
            Finding::from_observations(futures_util::future::join_all(lookups).await)
        })
    }
}

/// N/A when the profile names no DNS name at all (IP-literal hosts, no domain): a host with
/// no name has no DNS to check.
pub(crate) fn needs_dns_names(profile: &Profile) -> Applicability {
    if profile.dns_names().is_empty()
        && profile.target.domain.is_none()
        && profile.subdomains.is_empty()
    {
        Applicability::NotApplicable {
            reason: "every host is an IP literal and no [target] domain is named: there is no DNS name to check".into(),
        }
    } else {
        Applicability::Run
    }
}

/// N/A when no host the profile names has a name (IP literals only), nor, with
/// `subdomains`, does `[dns] subdomains` list one: the domain's own records (CAA, mail) are
/// other checks' to read, and there is no host name to resolve or follow.
pub(crate) fn needs_host_names(profile: &Profile, subdomains: bool) -> Applicability {
    if profile.dns_names().is_empty() && (!subdomains || profile.subdomains.is_empty()) {
        Applicability::NotApplicable {
            reason: "every host the profile names is an IP literal: there is no host name to resolve (the domain's own records are read by dns.caa and email.*)".into(),
        }
    } else {
        Applicability::Run
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(Caa),
        Registered::one(Dangling),
        Registered::one(Resolution),
    ]
}

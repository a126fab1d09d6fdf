//! `dns.caa`: which CAs may issue certificates for the domain and its hosts, found by
//! climbing from each name towards the root (RFC 8659 §3).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::{DnsAnswer, tls};
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Caa;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    issuer: Vec<Alias>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Alias {
    caa: String,
    names: Vec<String>,
}

fn aliases() -> &'static [Alias] {
    static RULES: OnceLock<Vec<Alias>> = OnceLock::new();
    RULES.get_or_init(|| {
        match toml::from_str::<Rules>(include_str!("../../../checks/rules/caa-issuers.toml")) {
            Ok(rules) => rules.issuer,
            // Compiled-in data: a unit test parses it, so this cannot ship.
            Err(error) => panic!("checks/rules/caa-issuers.toml: {error}"),
        }
    })
}

fn letters(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether a CAA `issue` value (`letsencrypt.org; validationmethods=…`) names the CA whose
/// issuer names (organisation, common name) are `issuer`.
pub fn permits(caa_value: &str, issuer: &[String]) -> bool {
    let domain = caa_value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if domain.is_empty() {
        return false;
    }
    let issuer: Vec<String> = issuer.iter().map(|n| letters(n)).collect();
    let aliased = aliases()
        .iter()
        .filter(|a| a.caa == domain)
        .flat_map(|a| a.names.iter())
        .any(|name| issuer.iter().any(|i| i.contains(&letters(name))));
    let first_label = letters(domain.split('.').next().unwrap_or(""));
    aliased || (first_label.len() >= 4 && issuer.iter().any(|i| i.contains(&first_label)))
}

/// For each host served over HTTPS, the port the profile uses for it.
fn https_ports(profile: &Profile) -> Vec<(String, u16)> {
    let mut out: Vec<(String, u16)> = Vec::new();
    let urls = std::iter::once(&profile.target.base_url)
        .chain(&profile.target.entry_points)
        .chain(&profile.target.canonical);
    for url in urls.filter(|u| u.scheme() == "https") {
        if let Some(host) = url.host_str() {
            let host = host.to_ascii_lowercase();
            if !out.iter().any(|(h, _)| *h == host) {
                out.push((host, url.port_or_known_default().unwrap_or(443)));
            }
        }
    }
    out
}

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

    fn applies(&self, profile: &Profile) -> Applicability {
        super::needs_dns_names(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut names: Vec<String> = ctx.profile.target.domain.iter().cloned().collect();
            for host in ctx.profile.dns_names() {
                if !names.contains(&host) {
                    names.push(host);
                }
            }
            let mut observations = Vec::new();
            for name in names {
                let mut found = None;
                for candidate in climb(&name) {
                    match ctx.dns.caa(&candidate).await {
                        Ok(DnsAnswer::Records(records)) => {
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
                            served_issuer_verdict(ctx, &name, &at, &listed, &records).await
                        }
                    }
                };
                observations.push(observation);
            }
            Finding::from_observations(observations)
        })
    }
}

/// Compares the certificate `name` serves (if the profile serves it over HTTPS) with the
/// CAs its CAA records permit (`issuewild` counts for the wildcard leaf the app may use).
async fn served_issuer_verdict(
    ctx: &Ctx,
    name: &str,
    at: &str,
    listed: &[String],
    records: &[(bool, String, String)],
) -> Observation {
    let summary = format!("at {at}: {}", listed.join(", "));
    let Some((host, port)) = https_ports(&ctx.profile)
        .into_iter()
        .find(|(h, _)| h == name)
    else {
        return Observation::new(Status::Pass, name, summary);
    };
    if !ctx.http.in_scope(&host) {
        return Observation::new(Status::Pass, name, summary);
    }
    let chain = match tls::peer_chain(&ctx.dns, &host, port, ctx.profile.network.timeout).await {
        Ok(chain) => chain,
        // The records were read and restrict issuance: that is what this check judges. The
        // comparison with the served issuer is extra, and an unreachable server is
        // tls.certificate's finding, not a DNS one.
        Err(error) => {
            return Observation::new(
                Status::Pass,
                name,
                format!(
                    "{summary}; the served certificate was not compared (it could not be read: {error})"
                ),
            );
        }
    };
    let Some(leaf) = chain.first() else {
        return Observation::new(
            Status::Pass,
            name,
            format!("{summary}; the served certificate was not compared (the server sent none)"),
        );
    };
    let issuer = tls::issuer_names(leaf);
    let permitted = records
        .iter()
        .filter(|(_, tag, _)| tag == "issue" || tag == "issuewild")
        .any(|(_, _, value)| permits(value, &issuer));
    if permitted {
        Observation::new(
            Status::Pass,
            name,
            format!(
                "{summary}; permits the served certificate's issuer ({})",
                issuer.join(" / ")
            ),
        )
    } else {
        Observation::new(
            Status::Warn,
            name,
            format!(
                "{summary}; the served certificate comes from {}, which these records do not permit: renewal there will fail",
                issuer.join(" / ")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{climb, permits};

    #[test]
    fn caa_domains_match_issuer_names() {
        let le = vec!["Let's Encrypt".to_string(), "R11".to_string()];
        assert!(permits("letsencrypt.org", &le));
        assert!(!permits("digicert.com", &le));
        assert!(permits(
            "pki.goog; validationmethods=dns-01",
            &["Google Trust Services".to_string()]
        ));
        assert!(permits(
            "fixture-ca.acme.test",
            &["launch-audit fixture CA".to_string()]
        ));
        assert!(!permits(";", &le));
    }

    #[test]
    fn climbs_to_the_registrable_level() {
        assert_eq!(climb("app.acme.test"), ["app.acme.test", "acme.test"]);
        assert_eq!(climb("acme.test"), ["acme.test"]);
    }
}

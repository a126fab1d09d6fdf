//! `email.delivered`: the messages the journeys actually received, authenticated as a
//! receiving server would. The DNS checks read records; this reads the mail, so a domain
//! with perfect records whose mail is unsigned, signed for another domain, or full of
//! tracking links does not pass.
//!
//! Per message: the DKIM signature verifies against the published key (mail-auth, through
//! the audit's nameservers) and its `d=` aligns with `From`; SPF is evaluated (by the
//! audit's own RFC 7208 evaluator, as `email.spf` does) for the IP
//! the receiving server's `Received` line shows, for the envelope sender of
//! `Return-Path`; DMARC alignment needs one of the two aligned and passing; every link
//! points into the profile's own domains; `From` is the dedicated transactional sender.
//!
//! The positive control: a message was received and parsed (without one the check never
//! saw mail, ERROR when journeys were meant to receive it).

use std::net::IpAddr;

use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator};

use super::spf::eval::{self, SpfResult};

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::checks::journeys::walk::{Delivered, Parsed};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct MailDelivered;

/// Free mail providers: a transactional sender there cannot be authenticated as the brand.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
];

/// Whether `a` and `b` align under DMARC's relaxed mode, approximated without the public
/// suffix list: the same domain, or one a subdomain of the other.
fn aligned(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

fn within(host: &str, domains: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    domains
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map_or(address, |(_, d)| d)
        .trim_end_matches('>')
        .to_ascii_lowercase()
}

/// The IP the receiving server saw the message come from: the first `Received` line (the
/// newest hop, which the receiving server itself wrote) that names an address in brackets.
pub fn sending_ip(raw: &[u8]) -> Option<IpAddr> {
    let message = mail_parser::MessageParser::default().parse_headers(raw)?;
    let first = message.header_values("Received").next()?;
    let text = match first {
        mail_parser::HeaderValue::Received(received) => return received.from_ip(),
        other => other.as_text()?.to_string(),
    };
    text.split('[')
        .skip(1)
        .filter_map(|part| part.split(']').next())
        .find_map(|ip| ip.trim_start_matches("IPv6:").parse().ok())
}

fn envelope_sender(raw: &[u8]) -> Option<String> {
    let message = mail_parser::MessageParser::default().parse_headers(raw)?;
    let value = message.header_raw("Return-Path")?;
    let address = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!address.is_empty()).then(|| address.to_ascii_lowercase())
}

impl Check for MailDelivered {
    fn id(&self) -> &str {
        "email.delivered"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if let Some(absent) = crate::checks::mail_absent(profile) {
            return absent;
        }
        if profile.journeys.iter().any(|j| j.reads_mail()) {
            Applicability::Run
        } else {
            Applicability::Skip {
                key: "journeys",
                reason: "no [[journeys]] step waits for mail: the messages the app really sends are what this check reads".into(),
            }
        }
    }

    fn phase(&self) -> Phase {
        // After the journeys, which receive the messages.
        Phase::Review
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let received = ctx
                .slot(|_| crate::checks::journeys::walk::Deliveries::default())
                .all();
            if received.is_empty() {
                return Finding::error(
                    "no journey received a message, so no mail could be authenticated: the journey checks receive it (were they selected, and did they get as far as their mail?)",
                );
            }
            let authenticator = match authenticator(ctx) {
                Ok(a) => a,
                Err(why) => return Finding::error(why),
            };
            let mut evidence = Vec::new();
            let mut seen_subjects = std::collections::HashSet::new();
            for message in &received {
                let Some(parsed) = Parsed::of(&message.raw) else {
                    continue;
                };
                // One message per kind is enough: the app signs them all alike.
                if !seen_subjects.insert(parsed.subject.clone()) {
                    continue;
                }
                evidence.extend(judge(ctx, &authenticator, message, &parsed).await);
            }
            Finding::from_observations(evidence)
        })
    }
}

fn authenticator(ctx: &Ctx) -> Result<MessageAuthenticator, String> {
    use mail_auth::hickory_resolver::config::ResolverOpts;
    let servers = &ctx.profile.network.nameservers;
    let result = if servers.is_empty() {
        MessageAuthenticator::new_system_conf()
    } else {
        let mut options = ResolverOpts::default();
        options.timeout = ctx.profile.network.timeout;
        options.attempts = 1;
        options.ndots = 0;
        MessageAuthenticator::new(crate::net::dns::resolver_config(servers), options)
    };
    result.map_err(|e| format!("resolver for mail authentication: {e}"))
}

async fn judge(
    ctx: &Ctx,
    auth: &MessageAuthenticator,
    message: &Delivered,
    parsed: &Parsed,
) -> Vec<Observation> {
    let subject = format!("\"{}\" ({})", parsed.subject, message.journey);
    let mut evidence = Vec::new();
    let Some(authenticated) = AuthenticatedMessage::parse(&message.raw) else {
        return vec![Observation::new(
            Status::Error,
            subject,
            "not a message mail-auth can parse",
        )];
    };
    let from = authenticated
        .from
        .first()
        .cloned()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let from_domain = domain_of(&from);

    // DKIM.
    let outputs = auth.verify_dkim(&authenticated).await;
    let passing: Vec<String> = outputs
        .iter()
        .filter(|o| o.result() == &DkimResult::Pass)
        .filter_map(|o| o.signature().map(|s| s.d.to_ascii_lowercase()))
        .collect();
    let dkim_aligned = passing.iter().any(|d| aligned(d, &from_domain));
    evidence.push(if outputs.is_empty() {
        Observation::new(
            Status::Fail,
            format!("{subject}: DKIM"),
            format!("unsigned: no DKIM-Signature, so nothing proves {from_domain} sent it"),
        )
    } else if passing.is_empty() {
        let why = outputs
            .iter()
            .map(|o| format!("{:?}", o.result()))
            .collect::<Vec<_>>()
            .join(", ");
        Observation::new(
            Status::Fail,
            format!("{subject}: DKIM"),
            format!("no signature verifies against its published key: {why}"),
        )
    } else if !dkim_aligned {
        Observation::new(
            Status::Fail,
            format!("{subject}: DKIM"),
            format!(
                "verifies for d={}, which does not align with From {from_domain}",
                passing.join(", d=")
            ),
        )
    } else {
        Observation::new(
            Status::Pass,
            format!("{subject}: DKIM"),
            format!(
                "verifies for d={} against its published key, aligned with From",
                passing.join(", d=")
            ),
        )
    });

    // SPF, where a hop shows the sending IP.
    // The catcher records the SMTP session beside the message; a server that delivers
    // writes it into Received and Return-Path.
    let recorded = message.envelope.clone().unwrap_or_default();
    let hop = if recorded.ip.is_some() {
        "the SMTP client the catcher saw"
    } else {
        "the Received hop"
    };
    let envelope = recorded.mail_from.or_else(|| envelope_sender(&message.raw));
    let mut spf_aligned = false;
    match (recorded.ip.or_else(|| sending_ip(&message.raw)), &envelope) {
        (Some(ip), Some(sender)) => {
            let helo = domain_of(sender);
            // The audit's own RFC 7208 evaluator (the one email.spf uses), on its resolver.
            let verdict = eval::check(&ctx.dns, &eval::Identity { ip, mail_from: sender, helo: &helo }).await;
            let result = verdict.result;
            spf_aligned = result == SpfResult::Pass && aligned(&domain_of(sender), &from_domain);
            let status = match result {
                SpfResult::Pass => Status::Pass,
                SpfResult::Fail => Status::Fail,
                SpfResult::TempError => Status::Error,
                _ => Status::Warn,
            };
            evidence.push(Observation::new(
                status,
                format!("{subject}: SPF"),
                format!("{result:?} for {ip} ({hop}) sending as {sender}: {}", verdict.reason),
            ));
        }
        (None, _) => evidence.push(Observation::new(
            Status::Info,
            format!("{subject}: SPF"),
            "no Received hop names the sending IP (a catcher or a local delivery): SPF not evaluated",
        )),
        (Some(ip), None) => evidence.push(Observation::new(
            Status::Warn,
            format!("{subject}: SPF"),
            format!("arrived from {ip} without a Return-Path: no envelope sender to evaluate"),
        )),
    }

    // DMARC alignment.
    let spf_domain = envelope.as_deref().map(domain_of).unwrap_or_default();
    evidence.push(if dkim_aligned || spf_aligned {
        Observation::new(Status::Pass, format!("{subject}: DMARC alignment"), format!("From {from_domain} aligned through {}", if dkim_aligned { "DKIM" } else { "SPF" }))
    } else {
        Observation::new(
            Status::Fail,
            format!("{subject}: DMARC alignment"),
            format!("neither DKIM nor SPF passes aligned with From {from_domain} (envelope domain {}): a receiver enforcing the domain's DMARC policy rejects or quarantines it", if spf_domain.is_empty() { "unknown" } else { &spf_domain }),
        )
    });

    // Links.
    let domains = link_domains(ctx);
    let foreign: Vec<String> = parsed
        .links
        .iter()
        .filter_map(|l| url::Url::parse(l).ok())
        .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
        .filter(|h| !within(h, &domains))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    evidence.push(if parsed.links.is_empty() {
        Observation::new(Status::Info, format!("{subject}: links"), "no links")
    } else if foreign.is_empty() {
        Observation::new(Status::Pass, format!("{subject}: links"), format!("all {} point into {}", parsed.links.len(), domains.join(", ")))
    } else {
        Observation::new(Status::Fail, format!("{subject}: links"), format!("links to {}: not the brand's domains ({}), so users cannot tell them from phishing", foreign.join(", "), domains.join(", ")))
    });

    // The sender.
    let sender = ctx.profile.mail.as_ref().and_then(|m| m.sender.clone());
    evidence.push(if FREE_MAIL.contains(&from_domain.as_str()) {
        Observation::new(Status::Fail, format!("{subject}: sender"), format!("sent from {from}, a free mail address: it cannot be authenticated as the brand"))
    } else {
        match sender {
            Some(sender) if sender == from => Observation::new(Status::Pass, format!("{subject}: sender"), format!("from the dedicated sender {sender}")),
            Some(sender) => Observation::new(Status::Fail, format!("{subject}: sender"), format!("from {from}, not the dedicated transactional sender {sender}: replies and bounces reach a person's mailbox")),
            None => Observation::new(Status::Info, format!("{subject}: sender"), format!("from {from}; declare [mail] sender to hold it to a dedicated transactional address")),
        }
    });
    evidence
}

/// The domains links may point into: `[mail] link_domains`, else the target's domain and
/// the profile's hosts.
fn link_domains(ctx: &Ctx) -> Vec<String> {
    if let Some(mail) = &ctx.profile.mail
        && !mail.link_domains.is_empty()
    {
        return mail.link_domains.clone();
    }
    let mut domains: Vec<String> = ctx.profile.target.domain.iter().cloned().collect();
    for host in ctx.profile.hosts() {
        if !within(&host, &domains) {
            domains.push(host);
        }
    }
    domains
}

//! `email.dkim`: each declared selector publishes a usable key (RFC 6376 §3.6.1).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{needs_domain, tags};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::DnsAnswer;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Dkim;

/// What a key record amounts to, and why.
pub fn judge(record: &str) -> (Status, String) {
    let tags = match tags::parse(record) {
        Ok(tags) => tags,
        Err(error) => return (Status::Fail, format!("syntax error: {error}")),
    };
    if let Some(version) = tags::get(&tags, "v") {
        if version != "DKIM1" {
            return (Status::Fail, format!("v={version}, expected DKIM1"));
        }
        if !tags[0].0.eq_ignore_ascii_case("v") {
            return (Status::Fail, "v= must be the first tag".into());
        }
    }
    let Some(key) = tags::get(&tags, "p") else {
        return (Status::Fail, "no p= tag: no key".into());
    };
    let key: String = key.split_whitespace().collect();
    if key.is_empty() {
        return (Status::Fail, "p= is empty: the key is revoked".into());
    }
    let Ok(der) = STANDARD.decode(&key) else {
        return (Status::Fail, "p= is not base64".into());
    };
    let testing =
        tags::get(&tags, "t").is_some_and(|flags| flags.split(':').any(|f| f.trim() == "y"));
    let (status, what) = match tags::get(&tags, "k").unwrap_or("rsa") {
        "rsa" => match rsa_bits(&der) {
            Some(bits) if bits >= 2048 => (Status::Pass, format!("RSA {bits}-bit key")),
            Some(bits) if bits >= 1024 => {
                (Status::Warn, format!("RSA {bits}-bit key: use 2048 bits"))
            }
            Some(bits) => (
                Status::Fail,
                format!("RSA {bits}-bit key: forgeable, use 2048 bits"),
            ),
            None => (Status::Fail, "p= is not an RSA public key".into()),
        },
        "ed25519" if der.len() == 32 => (Status::Pass, "Ed25519 key".into()),
        "ed25519" => (
            Status::Fail,
            format!("Ed25519 key of {} bytes, expected 32", der.len()),
        ),
        other => (
            Status::Fail,
            format!("k={other}: receivers know rsa and ed25519"),
        ),
    };
    if testing && status == Status::Pass {
        return (
            Status::Warn,
            format!("{what}, but t=y: receivers treat signatures as a test"),
        );
    }
    (status, what)
}

/// Modulus size of an RSA key given as SubjectPublicKeyInfo (or bare PKCS#1, as some
/// old records are).
fn rsa_bits(der: &[u8]) -> Option<usize> {
    if let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(der)
        && let Ok(PublicKey::RSA(rsa)) = spki.parsed()
    {
        return Some(rsa.key_size());
    }
    x509_parser::public_key::RSAPublicKey::from_der(der)
        .ok()
        .map(|(_, rsa)| rsa.key_size())
}

impl Check for Dkim {
    fn id(&self) -> &str {
        "email.dkim"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if let Some(absent) = crate::checks::mail_absent(profile) {
            return absent;
        }
        if profile.email.dkim_selectors.is_empty() {
            return Applicability::Skip {
                key: "email.dkim_selectors",
                reason: "no DKIM selectors declared: find them as `s=` in the DKIM-Signature header of a mail the domain sent".into(),
            };
        }
        needs_domain(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(domain) = &ctx.profile.target.domain else {
                return Finding::error("no [target] domain");
            };
            let mut observations = Vec::new();
            for selector in &ctx.profile.email.dkim_selectors {
                let name = format!("{selector}._domainkey.{domain}");
                let observation = match ctx.dns.txt(&name).await {
                    Err(failure) => Observation::new(Status::Error, &name, failure.reason),
                    Ok(DnsAnswer::Records(records)) => {
                        let keys: Vec<String> = records
                            .iter()
                            .map(|r| String::from_utf8_lossy(r).into_owned())
                            .collect();
                        match keys.as_slice() {
                            [one] => {
                                let (status, detail) = judge(one);
                                Observation::new(status, &name, detail)
                            }
                            _ => Observation::new(
                                Status::Fail,
                                &name,
                                format!("{} TXT records: receivers need exactly one", keys.len()),
                            ),
                        }
                    }
                    Ok(_) => Observation::new(
                        Status::Fail,
                        &name,
                        "no key published: mail signed with this selector fails DKIM",
                    ),
                };
                observations.push(observation);
            }
            Finding::from_observations(observations)
        })
    }
}

//! `tls.certificate`: the chain each https host serves, judged as a browser would (webpki
//! against the Mozilla roots plus `ca_file`: names per RFC 6125, validity, issuer path) and
//! inspected for what browsers still accept but should not (weak keys, SHA-1/MD5).

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::public_key::PublicKey;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Certificate;

impl Check for Certificate {
    fn id(&self) -> &str {
        "tls.certificate"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applies(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let build = |roots: rustls::RootCertStore| {
                WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots),
                    Arc::new(rustls::crypto::ring::default_provider()),
                )
                .build()
                .map_err(|e| e.to_string())
            };
            let verifier = match crate::net::tls::trust_store(&ctx.profile).and_then(build) {
                Ok(verifier) => verifier,
                Err(error) => return Finding::error(error),
            };
            // What browsers trust: the public roots alone, without the profile's ca_file.
            let mut public_roots = rustls::RootCertStore::empty();
            public_roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let browsers = match build(public_roots) {
                Ok(verifier) => verifier,
                Err(error) => return Finding::error(error),
            };
            let production =
                ctx.profile.target.environment == crate::profile::Environment::Production;
            let probes = ctx.profile.https_hosts().into_iter().map(|(host, port)| {
                let verifier = verifier.clone();
                let browsers = browsers.clone();
                async move {
                    let subject = super::subject(&host, port);
                    match ctx.handshake(&host, port).await {
                        Err(error) => Observation::new(Status::Error, subject, error),
                        Ok(handshake) if handshake.chain.is_empty() => Observation::new(
                            Status::Error,
                            subject,
                            format!(
                                "no certificate received: {}",
                                handshake.failure.as_deref().unwrap_or("empty chain")
                            ),
                        ),
                        Ok(handshake) => {
                            let (status, detail) = assess(&verifier, &host, &handshake.chain);
                            let public = verifies(&browsers, &host, &handshake.chain);
                            match (status, public) {
                                // Trusted only through [network] ca_file: browsers do not
                                // trust this chain, which matters once customers arrive.
                                (Status::Pass, false) if production => Observation::new(
                                    Status::Fail,
                                    subject,
                                    format!("not trusted by browsers: it verifies only through [network] ca_file (a private CA); {detail}"),
                                ),
                                (Status::Pass, false) => Observation::new(
                                    Status::Pass,
                                    subject,
                                    format!("{detail}; trusted through [network] ca_file only (a private CA: browsers would not trust it in production)"),
                                ),
                                (status, _) => Observation::new(status, subject, detail),
                            }
                        }
                    }
                }
            });
            Finding::from_observations(futures_util::future::join_all(probes).await)
        })
    }
}

/// Whether `verifier` accepts the chain for `host`.
fn verifies(
    verifier: &WebPkiServerVerifier,
    host: &str,
    chain: &[CertificateDer<'static>],
) -> bool {
    use rustls::client::danger::ServerCertVerifier;
    let Some((leaf, rest)) = chain.split_first() else {
        return false;
    };
    ServerName::try_from(host.to_string()).is_ok_and(|name| {
        verifier
            .verify_server_cert(leaf, rest, &name, &[], UnixTime::now())
            .is_ok()
    })
}

/// The chain's verdict and a one-line account: problems first, then the facts.
pub fn assess(
    verifier: &WebPkiServerVerifier,
    host: &str,
    chain: &[CertificateDer<'static>],
) -> (Status, String) {
    let parsed: Vec<X509Certificate<'_>> = chain
        .iter()
        .filter_map(|der| {
            x509_parser::parse_x509_certificate(der)
                .ok()
                .map(|(_, c)| c)
        })
        .collect();
    let Some(leaf) = parsed.first() else {
        return (Status::Error, "the leaf certificate does not parse".into());
    };
    let mut problems = Vec::new();

    use rustls::client::danger::ServerCertVerifier;
    let verdict = ServerName::try_from(host.to_string())
        .map_err(|e| e.to_string())
        .and_then(|name| {
            verifier
                .verify_server_cert(&chain[0], &chain[1..], &name, &[], UnixTime::now())
                .map_err(|e| trust_problem(&e, &parsed))
        });
    if let Err(problem) = verdict {
        problems.push(problem);
    }
    for (index, cert) in parsed.iter().enumerate() {
        let self_signed = cert.subject() == cert.issuer();
        if let Some(weak) = weak_key(cert) {
            problems.push(format!("{} has {weak}", position(index)));
        }
        // A root's own signature is never checked by a client; every other one is.
        if !self_signed || index == 0 {
            let algorithm = cert.signature_algorithm.algorithm.to_id_string();
            if let Some(name) = weak_signature(&algorithm) {
                problems.push(format!("{} is signed with {name}", position(index)));
            }
        }
    }

    let names: Vec<String> = leaf
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .map(|name| match name {
                    x509_parser::extensions::GeneralName::DNSName(dns) => dns.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let facts = format!(
        "subject {}; issuer {}; SANs {}; not after {}; key {}; chain of {}",
        leaf.subject(),
        leaf.issuer(),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        },
        leaf.validity().not_after,
        key_description(leaf),
        chain.len()
    );
    if problems.is_empty() {
        (Status::Pass, format!("trusted for {host}; {facts}"))
    } else {
        (Status::Fail, format!("{}; {facts}", problems.join("; ")))
    }
}

/// Says what a verification error means for the person fixing it.
fn trust_problem(error: &rustls::Error, chain: &[X509Certificate<'_>]) -> String {
    use rustls::CertificateError as E;
    // Whatever webpki stumbled on first (an unknown issuer, a CA certificate used as a
    // leaf), a lone self-signed certificate is the problem to name.
    if let [only] = chain
        && only.subject() == only.issuer()
    {
        return "self-signed: no browser trusts it".into();
    }
    let rustls::Error::InvalidCertificate(reason) = error else {
        return format!("not trusted: {error}");
    };
    match reason {
        E::Expired | E::ExpiredContext { .. } => "expired".into(),
        E::NotValidYet | E::NotValidYetContext { .. } => "not valid yet".into(),
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "not valid for this host name (no matching SAN)".into()
        }
        E::UnknownIssuer => {
            let last = chain.last();
            match last {
                Some(cert) if cert.subject() == cert.issuer() => format!(
                    "the chain ends at `{}`, a root no browser trusts",
                    cert.subject()
                ),
                Some(cert) => format!(
                    "incomplete chain: `{}` is neither sent nor a trusted root (a missing intermediate?)",
                    cert.issuer()
                ),
                None => "no chain".into(),
            }
        }
        other => format!("not trusted: {other:?}"),
    }
}

fn position(index: usize) -> String {
    match index {
        0 => "the leaf".into(),
        n => format!("chain certificate {}", n + 1),
    }
}

/// RSA under 2048 bits or an EC key under 256.
fn weak_key(cert: &X509Certificate<'_>) -> Option<String> {
    match cert.public_key().parsed().ok()? {
        PublicKey::RSA(rsa) if rsa.key_size() < 2048 => {
            Some(format!("a {}-bit RSA key (needs ≥ 2048)", rsa.key_size()))
        }
        PublicKey::EC(ec) if ec.key_size() < 256 => {
            Some(format!("a {}-bit EC key (needs ≥ 256)", ec.key_size()))
        }
        _ => None,
    }
}

fn key_description(cert: &X509Certificate<'_>) -> String {
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {} bits", rsa.key_size()),
        Ok(PublicKey::EC(ec)) => format!("EC {} bits", ec.key_size()),
        Ok(PublicKey::DSA(_)) => "DSA".into(),
        Ok(_) => cert.public_key().algorithm.algorithm.to_id_string(),
        Err(_) => "unparsed".into(),
    }
}

/// SHA-1 and MD5 signature algorithms, by OID.
fn weak_signature(oid: &str) -> Option<&'static str> {
    match oid {
        "1.2.840.113549.1.1.4" => Some("MD5 with RSA"),
        "1.2.840.113549.1.1.5" => Some("SHA-1 with RSA"),
        "1.2.840.10045.4.1" => Some("ECDSA with SHA-1"),
        "1.2.840.10040.4.3" => Some("DSA with SHA-1"),
        _ => None,
    }
}

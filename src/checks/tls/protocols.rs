//! `tls.protocols`: which TLS versions each https host accepts. TLS 1.3 and 1.2 through
//! rustls, TLS 1.1 and 1.0 through a hand-built ClientHello (`net::legacy_tls`).

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::legacy_tls::{self, Legacy, Reply};
use crate::net::tls::{self, Offer};
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Protocols;

impl Check for Protocols {
    fn id(&self) -> &str {
        "tls.protocols"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applies(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let probes = ctx
                .profile
                .https_hosts()
                .into_iter()
                .map(|(host, port)| async move {
                    let subject = super::subject(&host, port);
                    if !ctx.http.in_scope(&host) {
                        return Observation::new(Status::Error, subject, "out of scope");
                    }
                    match versions(ctx, &host, port).await {
                        Ok(accepted) => {
                            let (status, detail) = judge(&accepted);
                            Observation::new(status, subject, detail)
                        }
                        Err(error) => Observation::new(Status::Error, subject, error),
                    }
                });
            Finding::from_observations(futures_util::future::join_all(probes).await)
        })
    }
}

/// Whether each version was accepted, newest first: `[1.3, 1.2, 1.1, 1.0]`.
async fn versions(ctx: &Ctx, host: &str, port: u16) -> Result<[bool; 4], String> {
    let timeout = ctx.profile.network.timeout;
    let modern = |offer| async move {
        tls::handshake(&ctx.dns, host, port, timeout, offer)
            .await
            .map(|h| h.version.is_some())
    };
    let legacy = |version| async move {
        match legacy_tls::probe(&ctx.dns, host, port, version, timeout).await? {
            Reply::Accepted => Ok(true),
            Reply::Refused(_) => Ok(false),
            Reply::Unrecognised(what) => Err(format!(
                "{} ClientHello answered with {what}",
                version.name()
            )),
        }
    };
    let (v13, v12, v11, v10) = tokio::join!(
        modern(Offer::Tls13Only),
        modern(Offer::Tls12Only),
        legacy(Legacy::Tls11),
        legacy(Legacy::Tls10)
    );
    Ok([v13?, v12?, v11?, v10?])
}

/// FAIL if 1.0 or 1.1 is accepted, WARN without 1.3, ERROR if nothing at all is.
pub fn judge(accepted: &[bool; 4]) -> (Status, String) {
    let names = ["TLS 1.3", "TLS 1.2", "TLS 1.1", "TLS 1.0"];
    let list = |want: bool| -> Vec<&str> {
        names
            .iter()
            .zip(accepted)
            .filter(|(_, a)| **a == want)
            .map(|(n, _)| *n)
            .collect()
    };
    let (yes, no) = (list(true), list(false));
    let facts = format!(
        "accepts {}; refuses {}",
        if yes.is_empty() {
            "none".to_string()
        } else {
            yes.join(", ")
        },
        if no.is_empty() {
            "none".to_string()
        } else {
            no.join(", ")
        }
    );
    let legacy: Vec<&str> = yes
        .iter()
        .copied()
        .filter(|n| *n == "TLS 1.1" || *n == "TLS 1.0")
        .collect();
    if !legacy.is_empty() {
        (
            Status::Fail,
            format!("{} still accepted; {facts}", legacy.join(" and ")),
        )
    } else if yes.is_empty() {
        (
            Status::Error,
            format!("no TLS version completed a handshake; {facts}"),
        )
    } else if !accepted[0] {
        (Status::Warn, format!("TLS 1.3 not offered; {facts}"))
    } else {
        (Status::Pass, facts)
    }
}

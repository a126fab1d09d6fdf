//! `tls.expiry`: days left on each https host's leaf certificate.

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Expiry;

impl Check for Expiry {
    fn id(&self) -> &str {
        "tls.expiry"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        super::applies(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let tls = &ctx.profile.tls;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let probes = ctx
                .profile
                .https_hosts()
                .into_iter()
                .map(|(host, port)| async move {
                    let subject = super::subject(&host, port);
                    let handshake = match ctx.handshake(&host, port).await {
                        Ok(handshake) => handshake,
                        Err(error) => return Observation::new(Status::Error, subject, error),
                    };
                    let Some(leaf) = handshake
                        .chain
                        .first()
                        .and_then(|der| x509_parser::parse_x509_certificate(der).ok())
                    else {
                        return Observation::new(
                            Status::Error,
                            subject,
                            "no leaf certificate to read",
                        );
                    };
                    let not_after = leaf.1.validity().not_after;
                    let seconds_left = not_after.timestamp() - now;
                    let days = seconds_left.div_euclid(86_400);
                    let (status, verdict) = if seconds_left < 0 {
                        (Status::Fail, format!("expired {} days ago", -days))
                    } else if days < tls.expiry_fail_days {
                        (
                            Status::Fail,
                            format!("{days} days left (fail under {})", tls.expiry_fail_days),
                        )
                    } else if days < tls.expiry_warn_days {
                        (
                            Status::Warn,
                            format!("{days} days left (warn under {})", tls.expiry_warn_days),
                        )
                    } else {
                        (Status::Pass, format!("{days} days left"))
                    };
                    Observation::new(status, subject, format!("{verdict}; not after {not_after}"))
                });
            Finding::from_observations(futures_util::future::join_all(probes).await)
        })
    }
}

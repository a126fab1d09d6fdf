//! `[email]`: the domain's mail senders and DKIM selectors.
//! The family owns its section: shape, defaults, validation.

use std::net::IpAddr;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::profile::validator::Validator;

/// `has_no = ["mail"]` beside settings that say the domain sends mail: each contradiction
/// is a profile error at the first place that says so.
pub(crate) fn refuse_mail_settings(
    raw: &RawEmail,
    mailbox: Option<&Spanned<String>>,
    v: &mut Validator<'_>,
) {
    let said = [
        (raw.dkim_selectors.first(), "email.dkim_selectors[0]"),
        (raw.senders.first(), "email.senders[0]"),
        (mailbox, "mail"),
    ];
    for (place, key) in said {
        if let Some(place) = place {
            v.blame(
                place,
                key,
                "[target] has_no says the domain sends no mail, yet this says it does: remove one of the two",
            );
        }
    }
}

/// A sender the domain's SPF must authorise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    Ip(IpAddr),
    /// A provider's SPF domain (`include:_spf.mailprovider.test`).
    Include(String),
}

#[derive(Debug, Default)]
pub struct Email {
    pub dkim_selectors: Vec<String>,
    pub senders: Vec<Sender>,
    pub mta_sts_policy_url: Option<Url>,
}

/// What the email checks need beyond `[target] domain`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmail {
    /// DKIM selectors in use (the `s=` of a sent message's DKIM-Signature).
    #[serde(default)]
    pub dkim_selectors: Vec<Spanned<String>>,
    /// Who sends mail as the domain: IP addresses, or `include:domain` of a provider.
    #[serde(default)]
    pub senders: Vec<Spanned<String>>,
    /// Where to fetch the MTA-STS policy instead of `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
    pub mta_sts_policy_url: Option<Spanned<String>>,
}

impl Validator<'_> {
    pub(crate) fn email(&mut self, raw: RawEmail) -> Email {
        let dkim_selectors = raw
            .dkim_selectors
            .iter()
            .enumerate()
            .filter_map(|(i, selector)| {
                let text = selector.get_ref();
                let ok = !text.is_empty()
                    && text.split('.').all(|l| {
                        !l.is_empty()
                            && l.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    });
                if !ok {
                    self.blame(
                        selector,
                        &format!("email.dkim_selectors[{i}]"),
                        "expected a selector such as `s1` or `google`",
                    );
                }
                ok.then(|| text.clone())
            })
            .collect();
        let senders = raw
            .senders
            .iter()
            .enumerate()
            .filter_map(|(i, sender)| {
                let text = sender.get_ref().trim();
                if let Ok(ip) = text.parse::<IpAddr>() {
                    return Some(Sender::Ip(ip));
                }
                if let Some(domain) = text.strip_prefix("include:")
                    && domain.contains('.')
                    && url::Host::parse(domain).is_ok()
                {
                    return Some(Sender::Include(
                        domain.trim_end_matches('.').to_ascii_lowercase(),
                    ));
                }
                self.blame(
                    sender,
                    &format!("email.senders[{i}]"),
                    "expected an IP address or `include:provider.domain`",
                );
                None
            })
            .collect();
        let mta_sts_policy_url = raw
            .mta_sts_policy_url
            .as_ref()
            .and_then(|url| self.url(url, "email.mta_sts_policy_url"));
        Email {
            dkim_selectors,
            senders,
            mta_sts_policy_url,
        }
    }
}

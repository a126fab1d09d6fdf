//! `[tls]`: extra hosts and the certificate expiry thresholds.
//! The family owns its section: shape, defaults, validation.

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::profile::validator::Validator;

/// `[tls]`: extra hosts and the expiry thresholds.
#[derive(Debug)]
pub struct Tls {
    pub hosts: Vec<Url>,
    pub expiry_warn_days: i64,
    pub expiry_fail_days: i64,
}

/// What the TLS checks look at beyond the profile's own URLs, and their thresholds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    /// More `https://` hosts to inspect (status page, marketing site, API host).
    #[serde(default)]
    pub hosts: Vec<Spanned<String>>,
    pub expiry_warn_days: Option<Spanned<i64>>,
    pub expiry_fail_days: Option<Spanned<i64>>,
}

impl Validator<'_> {
    pub(crate) fn tls(&mut self, raw: RawTls) -> Tls {
        let hosts = raw
            .hosts
            .iter()
            .enumerate()
            .filter_map(|(i, url)| {
                let key = format!("tls.hosts[{i}]");
                let parsed = self.url(url, &key)?;
                if parsed.scheme() != "https" {
                    self.blame(url, &key, "expected an https:// URL");
                    return None;
                }
                Some(parsed)
            })
            .collect();
        let mut days = |value: &Option<Spanned<i64>>, key: &str, default: i64| match value {
            Some(days) if !(0..=3650).contains(days.get_ref()) => {
                self.blame(days, key, "expected a number of days from 0 to 3650");
                default
            }
            Some(days) => *days.get_ref(),
            None => default,
        };
        let expiry_warn_days = days(&raw.expiry_warn_days, "tls.expiry_warn_days", 30);
        let expiry_fail_days = days(&raw.expiry_fail_days, "tls.expiry_fail_days", 7);
        if let Some(fail) = &raw.expiry_fail_days
            && expiry_fail_days > expiry_warn_days
        {
            self.blame(
                fail,
                "tls.expiry_fail_days",
                format!("must not exceed expiry_warn_days ({expiry_warn_days})"),
            );
        }
        Tls {
            hosts,
            expiry_warn_days,
            expiry_fail_days,
        }
    }
}

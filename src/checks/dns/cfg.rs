//! `[dns]`: the subdomains the DNS checks look at besides the profile's hosts.
//! The family owns its section: shape, defaults, validation.

use serde::Deserialize;
use toml::Spanned;

use crate::profile::target::Target;
use crate::profile::validator::Validator;

/// Extra names for the DNS checks.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDns {
    /// Subdomains to check for dangling CNAMEs (`blog` or `blog.acme.test`).
    #[serde(default)]
    pub subdomains: Vec<Spanned<String>>,
}

/// `[dns] subdomains`, as absolute names under `[target] domain`.
pub(crate) fn subdomains(raw: &RawDns, target: &Target, v: &mut Validator<'_>) -> Vec<String> {
    raw.subdomains
        .iter()
        .enumerate()
        .filter_map(|(i, sub)| {
            let name = sub.get_ref().trim_end_matches('.').to_ascii_lowercase();
            let name = match &target.domain {
                Some(domain) if !name.ends_with(domain.as_str()) => format!("{name}.{domain}"),
                _ => name,
            };
            if url::Host::parse(&name).is_err() || !name.contains('.') {
                v.blame(
                    sub,
                    &format!("dns.subdomains[{i}]"),
                    "expected a label (`blog`) or a name (`blog.acme.test`)",
                );
                return None;
            }
            Some(name)
        })
        .collect()
}

//! `[target]` and `[network]`: what is audited, and how the audit reaches it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::profile::validator::Validator;

/// Per-request timeout when the profile names none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Per-check budget when the profile names none.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(60);

/// Connections open at once to one origin when the profile names no cap: about what a
/// browser opens, well inside what a stock nginx or a small app server will hold.
pub const DEFAULT_MAX_CONNECTIONS: usize = 6;

#[derive(Debug)]
pub struct Target {
    pub name: String,
    pub base_url: Url,
    pub domain: Option<String>,
    pub entry_points: Vec<Url>,
    pub canonical: Option<Url>,
    pub allowed_origins: Vec<Url>,
    /// Pages besides base_url and canonical whose scripts are scanned.
    pub pages: Vec<Url>,
    /// Origins that serve the app's scripts (a CDN): in scope for fetching scripts and
    /// maps, never sent a credential.
    pub asset_hosts: Vec<Url>,
    /// Parts the profile states the app does not have (`has_no`): their checks are N/A.
    pub has_no: Vec<Absent>,
    pub environment: Environment,
}

/// `127.0.0.1` or `[::1]`, as `Url::host_str` spells them.
pub fn is_ip_literal(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
}

/// `alice-2` → `ALICE_2`: an identity's name as part of an environment variable's.
pub fn env_style(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[derive(Debug)]
pub struct Network {
    /// Resolve through these instead of the system resolver.
    pub nameservers: Vec<SocketAddr>,
    /// Extra trust anchors from `ca_file`.
    pub extra_roots: Vec<CertificateDer<'static>>,
    pub timeout: Duration,
    pub check_timeout: Duration,
    /// Requests in flight at once to one origin (load traffic has its own cap).
    pub max_connections: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub name: String,
    pub base_url: Spanned<String>,
    pub domain: Option<Spanned<String>>,
    #[serde(default)]
    pub entry_points: Vec<Spanned<String>>,
    pub canonical: Option<Spanned<String>>,
    #[serde(default)]
    pub allowed_origins: Vec<Spanned<String>>,
    /// More pages whose scripts the bundle checks read (paths under base_url).
    #[serde(default)]
    pub pages: Vec<Spanned<String>>,
    /// Other origins that serve the app's scripts (a CDN): fetched, never with credentials.
    #[serde(default)]
    pub asset_hosts: Vec<Spanned<String>>,
    /// Parts the app states it does not have: their checks are N/A, not SKIP.
    #[serde(default)]
    pub has_no: Vec<Absent>,
    #[serde(default)]
    pub environment: Environment,
}

/// A part of an app that a profile can state is absent (`[target] has_no`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Absent {
    /// No endpoint receives signed events.
    Webhooks,
    /// No endpoint puts user text in front of a language model.
    AiEndpoints,
    /// No admin audit log (admin.audit-trail is N/A: say so only if it is true).
    AuditTrail,
    /// No back end as a service the browser talks to directly (`baas.*` are N/A).
    Baas,
    /// No GraphQL endpoint (`graphql.*` are N/A).
    Graphql,
    /// No pages or scripts served to a browser: an API-only deploy (the checks that read
    /// pages and their scripts are N/A).
    Frontend,
    /// The domain sends no mail at all, from the app or anything else (DKIM, the app's
    /// delivered mail and mailed links are N/A; SPF must then authorise nothing).
    Mail,
    /// No roles: every signed-in user may do the same (`access.role-matrix` is N/A).
    Roles,
    /// No page or endpoint takes a URL to send the browser to afterwards: no `next`, no
    /// `redirect_to` (`redirects.open-redirect` is N/A).
    ReturnUrls,
}

/// Where the target sits in its life; production tightens what the tool may send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Staging,
    Production,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    #[serde(default)]
    pub nameservers: Vec<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub check_timeout: Option<Spanned<String>>,
    pub max_connections: Option<Spanned<i64>>,
}

impl Validator<'_> {
    pub(crate) fn target(&mut self, raw: RawTarget) -> Target {
        let base_url = self.url(&raw.base_url, "target.base_url");
        if raw.has_no.contains(&Absent::Frontend) {
            for (key, first) in [
                ("pages", raw.pages.first()),
                ("asset_hosts", raw.asset_hosts.first()),
            ] {
                if let Some(first) = first {
                    self.blame(
                        first,
                        &format!("target.{key}[0]"),
                        "[target] has_no says the app serves no front end, yet its pages or scripts are named: remove one of the two",
                    );
                }
            }
        }
        let entry_points = raw
            .entry_points
            .iter()
            .enumerate()
            .filter_map(|(i, url)| self.url(url, &format!("target.entry_points[{i}]")))
            .collect();
        let canonical = raw
            .canonical
            .as_ref()
            .and_then(|url| self.url(url, "target.canonical"));
        let allowed_origins = raw
            .allowed_origins
            .iter()
            .enumerate()
            .filter_map(|(i, url)| self.url(url, &format!("target.allowed_origins[{i}]")))
            .collect();
        let domain = raw.domain.map(|domain| {
            let name = domain.get_ref().trim_end_matches('.').to_ascii_lowercase();
            if url::Host::parse(&name).is_err() || name.parse::<IpAddr>().is_ok() {
                self.blame(
                    &domain,
                    "target.domain",
                    "expected a DNS name such as `acme.test`",
                );
            }
            name
        });
        let pages = raw
            .pages
            .iter()
            .enumerate()
            .filter_map(|(i, page)| {
                let key = format!("target.pages[{i}]");
                if !page.get_ref().starts_with('/') {
                    self.blame(
                        page,
                        &key,
                        "expected a path under base_url, starting with `/`",
                    );
                    return None;
                }
                let base = base_url
                    .as_ref()?
                    .as_str()
                    .trim_end_matches('/')
                    .to_string();
                Url::parse(&format!("{base}{}", page.get_ref())).ok()
            })
            .collect();
        let asset_hosts = raw
            .asset_hosts
            .iter()
            .enumerate()
            .filter_map(|(i, url)| self.url(url, &format!("target.asset_hosts[{i}]")))
            .collect();
        Target {
            name: raw.name,
            pages,
            asset_hosts,
            has_no: raw.has_no,
            // A placeholder that is never used: an error was recorded for it.
            base_url: base_url
                .unwrap_or_else(|| Url::parse("http://invalid.invalid").expect("static URL")),
            domain,
            entry_points,
            canonical,
            allowed_origins,
            environment: raw.environment,
        }
    }

    pub(crate) fn network(&mut self, raw: RawNetwork) -> Network {
        let nameservers = raw
            .nameservers
            .iter()
            .enumerate()
            .filter_map(|(i, ns)| {
                let text = ns.get_ref();
                let parsed = text
                    .parse::<SocketAddr>()
                    .ok()
                    .or_else(|| text.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)));
                if parsed.is_none() {
                    self.blame(
                        ns,
                        &format!("network.nameservers[{i}]"),
                        format!("`{text}` is not an IP address with an optional port (`127.0.0.1:5353`, `[::1]:53`)"),
                    );
                }
                parsed
            })
            .collect();
        let extra_roots = raw
            .ca_file
            .as_ref()
            .map(|ca_file| self.ca_file(ca_file))
            .unwrap_or_default();
        let timeout = raw
            .timeout
            .as_ref()
            .and_then(|t| self.duration(t, "network.timeout"))
            .unwrap_or(DEFAULT_TIMEOUT);
        let check_timeout = raw
            .check_timeout
            .as_ref()
            .and_then(|t| self.duration(t, "network.check_timeout"))
            .unwrap_or(DEFAULT_CHECK_TIMEOUT);
        let max_connections = match &raw.max_connections {
            Some(cap) if !(1..=64).contains(cap.get_ref()) => {
                self.blame(cap, "network.max_connections", "expected 1 to 64");
                DEFAULT_MAX_CONNECTIONS
            }
            Some(cap) => *cap.get_ref() as usize,
            None => DEFAULT_MAX_CONNECTIONS,
        };
        Network {
            nameservers,
            extra_roots,
            timeout,
            check_timeout,
            max_connections,
        }
    }

    pub(crate) fn ca_file(&mut self, value: &Spanned<String>) -> Vec<CertificateDer<'static>> {
        let path: PathBuf = self.base_dir.join(value.get_ref());
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.blame(
                    value,
                    "network.ca_file",
                    format!("cannot read {}: {error}", path.display()),
                );
                return Vec::new();
            }
        };
        let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&bytes).collect();
        match certs {
            Ok(certs) if !certs.is_empty() => certs,
            Ok(_) => {
                self.blame(
                    value,
                    "network.ca_file",
                    format!("{} holds no PEM certificate", path.display()),
                );
                Vec::new()
            }
            Err(error) => {
                self.blame(
                    value,
                    "network.ca_file",
                    format!("{}: not PEM certificates ({error})", path.display()),
                );
                Vec::new()
            }
        }
    }
}

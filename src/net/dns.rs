//! The audit's one resolver: hickory, pointed at the profile's nameservers when it names
//! some. The HTTP client resolves through it too, so a pre-cutover zone or the demo's
//! loopback zone applies to every request.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::ResponseCode;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};

/// What a lookup established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The name has these addresses.
    Found(Vec<IpAddr>),
    /// An authoritative "does not exist" (NXDOMAIN).
    NoSuchName,
    /// The name exists but has no address record (NODATA).
    NoAddress,
}

/// A lookup that decided nothing: timeout, SERVFAIL, refused, garbage.
#[derive(Clone, Debug, thiserror::Error)]
#[error("DNS lookup of {name} failed: {reason}")]
pub struct DnsFailure {
    pub name: String,
    pub reason: String,
}

#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
}

impl Dns {
    /// A resolver using `nameservers` (UDP, TCP on truncation), or the system's when empty.
    pub fn new(nameservers: &[SocketAddr], timeout: Duration) -> Result<Dns, String> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = if nameservers.is_empty() {
            TokioResolver::builder(provider)
                .map_err(|e| format!("system resolver configuration: {e}"))?
        } else {
            let servers = nameservers
                .iter()
                .map(|addr| {
                    let mut config = NameServerConfig::udp_and_tcp(addr.ip());
                    for connection in &mut config.connections {
                        connection.port = addr.port();
                    }
                    config
                })
                .collect();
            TokioResolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider)
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.timeout = timeout;
        options.attempts = 1;
        // Names in a profile are absolute; never try them under a search domain.
        options.ndots = 0;
        Ok(Dns {
            resolver: builder.build().map_err(|e| format!("resolver: {e}"))?,
        })
    }

    /// A and AAAA for `host`. IP literals resolve to themselves.
    pub async fn lookup_ip(&self, host: &str) -> Result<Lookup, DnsFailure> {
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(Lookup::Found(vec![ip]));
        }
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        match self.resolver.lookup_ip(fqdn.as_str()).await {
            Ok(lookup) => {
                let ips: Vec<IpAddr> = lookup.iter().collect();
                if ips.is_empty() {
                    Ok(Lookup::NoAddress)
                } else {
                    Ok(Lookup::Found(ips))
                }
            }
            Err(error) => classify(host, error),
        }
    }
}

/// NXDOMAIN and NODATA are answers; everything else (SERVFAIL, timeout) decides nothing.
fn classify(host: &str, error: NetError) -> Result<Lookup, DnsFailure> {
    if let NetError::Dns(DnsError::NoRecordsFound(no_records)) = &error {
        match no_records.response_code {
            ResponseCode::NXDomain => return Ok(Lookup::NoSuchName),
            ResponseCode::NoError => return Ok(Lookup::NoAddress),
            _ => {}
        }
    }
    Err(DnsFailure {
        name: host.to_string(),
        reason: error.to_string(),
    })
}

/// Lets reqwest resolve through the audit's resolver.
pub(crate) struct HttpResolver(pub Arc<Dns>);

impl reqwest::dns::Resolve for HttpResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let dns = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            match dns.lookup_ip(&host).await {
                Ok(Lookup::Found(ips)) => {
                    let addrs: reqwest::dns::Addrs =
                        Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
                    Ok(addrs)
                }
                Ok(Lookup::NoSuchName) => Err(format!("{host} does not exist (NXDOMAIN)").into()),
                Ok(Lookup::NoAddress) => Err(format!("{host} has no A/AAAA record").into()),
                Err(failure) => Err(failure.to_string().into()),
            }
        })
    }
}

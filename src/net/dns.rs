//! The audit's one resolver: hickory, pointed at the profile's nameservers when it names
//! some. The HTTP client resolves through it too, so a pre-cutover zone or the demo's
//! loopback zone applies to every request.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{RData, RecordType};
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
    /// The nameserver answered REFUSED: it does not serve this name (an authoritative-only
    /// server asked about a name outside its zones), which says nothing of the name itself.
    pub refused: bool,
}

/// The answer to a typed lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsAnswer<T> {
    Records(Vec<T>),
    /// NXDOMAIN: the name does not exist.
    NoSuchName,
    /// The name exists without records of this type (NODATA).
    NoRecords,
}

impl<T> DnsAnswer<T> {
    /// The records, none for NXDOMAIN and NODATA.
    pub fn records(self) -> Vec<T> {
        match self {
            DnsAnswer::Records(records) => records,
            _ => Vec::new(),
        }
    }

    /// NXDOMAIN or NODATA: a "void lookup" in SPF's terms.
    pub fn is_void(&self) -> bool {
        match self {
            DnsAnswer::Records(records) => records.is_empty(),
            _ => true,
        }
    }
}

/// A record of any type the audit reads, with its TTL (the DNS inventory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenRecord {
    pub name: String,
    pub ttl: u32,
    pub kind: String,
    pub value: String,
}

/// The profile's nameservers as a resolver configuration (UDP, TCP on truncation, each on
/// its own port): the audit's resolver and mail authentication's use the same.
pub fn resolver_config(nameservers: &[SocketAddr]) -> ResolverConfig {
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
    ResolverConfig::from_name_servers(servers)
}

#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    /// Where the queries go, for messages: the profile's nameservers, or the system's.
    servers: String,
    /// Set when the nameservers did not answer the preflight query.
    silence: Arc<super::preflight::Silence>,
}

impl Dns {
    /// A resolver using `nameservers` (UDP, TCP on truncation), or the system's when empty.
    pub fn new(nameservers: &[SocketAddr], timeout: Duration) -> Result<Dns, String> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = if nameservers.is_empty() {
            TokioResolver::builder(provider)
                .map_err(|e| format!("system resolver configuration: {e}"))?
        } else {
            TokioResolver::builder_with_config(resolver_config(nameservers), provider)
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.timeout = timeout;
        options.attempts = 1;
        // Names in a profile are absolute; never try them under a search domain.
        options.ndots = 0;
        // One cache per audit, large enough that no name is asked twice.
        options.cache_size = 4096;
        Ok(Dns {
            resolver: builder.build().map_err(|e| format!("resolver: {e}"))?,
            servers: if nameservers.is_empty() {
                "the system resolver".into()
            } else {
                nameservers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            silence: Arc::default(),
        })
    }

    /// One query for `host`, given `within` to be answered: if it is not (any answer,
    /// NXDOMAIN included, counts), the nameservers are declared silent and every later
    /// lookup fails at once with that cause.
    pub(crate) async fn preflight(&self, host: &str, within: Duration) {
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        let answered =
            match tokio::time::timeout(within, self.resolver.lookup_ip(fqdn.as_str())).await {
                Err(_) => false,
                Ok(Ok(_)) => true,
                Ok(Err(error)) => {
                    !matches!(error, NetError::Timeout) && !error.to_string().contains("timed out")
                }
            };
        if !answered {
            self.silence.declare(format!(
                "{} did not answer a query for {host} within {}s",
                self.servers,
                within.as_secs()
            ));
        }
    }

    /// Why no lookup is sent, when the nameservers were found silent: said once, as the
    /// cause of every DNS and HTTP error that follows from it.
    pub fn silent_cause(&self) -> Option<String> {
        self.silence.reason().map(|why| {
            format!("the nameserver does not answer ({why}): no further query was sent, and every check that needed DNS is an ERROR for this one reason")
        })
    }

    fn silent(&self, name: &str) -> Result<(), DnsFailure> {
        match self.silence.reason() {
            Some(why) => Err(DnsFailure {
                name: name.to_string(),
                reason: format!("not asked: {why}"),
                refused: false,
            }),
            None => Ok(()),
        }
    }

    /// A and AAAA for `host`. IP literals resolve to themselves. Mostly asked to connect,
    /// so an answer here is no contact with what a check audits (the records a check reads
    /// are: [`Dns::typed`]).
    pub async fn lookup_ip(&self, host: &str) -> Result<Lookup, DnsFailure> {
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(Lookup::Found(vec![ip]));
        }
        self.silent(host)?;
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

/// CNAME hops followed when looking for a loop (resolvers give up at about this depth).
const MAX_CNAME_HOPS: usize = 8;

impl Dns {
    /// Records of `kind` at `name`, each as hickory's record data with the record's TTL.
    /// A name no DNS message can carry (an empty label, a label over 63 octets) cannot
    /// exist, and is answered as such without a query.
    async fn typed(
        &self,
        name: &str,
        kind: RecordType,
    ) -> Result<DnsAnswer<(RData, u32)>, DnsFailure> {
        let Some(query) = wire_name(name) else {
            return Ok(DnsAnswer::NoSuchName);
        };
        self.silent(name)?;
        let answer = self
            .resolver
            .lookup(query, kind)
            .await
            .map_err(|error| classify(name, error));
        // A check reading records reached the zone it audits; NXDOMAIN and NODATA are the
        // nameserver's answers too.
        if !matches!(answer, Err(Err(_))) {
            super::contact::dns_answered();
        }
        match answer {
            Ok(lookup) => {
                let records: Vec<(RData, u32)> = lookup
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == kind)
                    .map(|r| (r.data.clone(), r.ttl))
                    .collect();
                if records.is_empty() {
                    self.no_cname_loop(name, kind).await?;
                }
                Ok(if records.is_empty() {
                    DnsAnswer::NoRecords
                } else {
                    DnsAnswer::Records(records)
                })
            }
            Err(classified) => match classified? {
                Lookup::NoSuchName => Ok(DnsAnswer::NoSuchName),
                _ => {
                    self.no_cname_loop(name, kind).await?;
                    Ok(DnsAnswer::NoRecords)
                }
            },
        }
    }

    /// Before "the name has no records of this type" is said: a CNAME chain that comes
    /// back on itself (which resolvers report as an empty answer) decides nothing.
    async fn no_cname_loop(&self, name: &str, kind: RecordType) -> Result<(), DnsFailure> {
        if kind == RecordType::CNAME {
            return Ok(());
        }
        let mut chain = vec![name.trim_end_matches('.').to_ascii_lowercase()];
        for _ in 0..MAX_CNAME_HOPS {
            let Some(current) = chain.last().and_then(|n| wire_name(n)) else {
                return Ok(());
            };
            let Ok(lookup) = self.resolver.lookup(current, RecordType::CNAME).await else {
                return Ok(());
            };
            let Some(next) = lookup.answers().iter().find_map(|r| match &r.data {
                RData::CNAME(target) => Some(relative(&target.0)),
                _ => None,
            }) else {
                return Ok(());
            };
            let looped = chain.contains(&next);
            chain.push(next);
            if looped {
                return Err(DnsFailure {
                    name: name.to_string(),
                    reason: format!(
                        "CNAME loop ({}): what the name holds cannot be decided",
                        chain.join(" → ")
                    ),
                    refused: false,
                });
            }
        }
        Ok(())
    }

    /// TXT records, each one's character-strings joined without separators (as SPF, DKIM
    /// and DMARC read them), as raw bytes.
    pub async fn txt(&self, name: &str) -> Result<DnsAnswer<Vec<u8>>, DnsFailure> {
        Ok(map(
            self.typed(name, RecordType::TXT).await?,
            |data| match data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .flat_map(|s| s.iter().copied())
                        .collect(),
                ),
                _ => None,
            },
        ))
    }

    pub async fn a(&self, name: &str) -> Result<DnsAnswer<Ipv4Addr>, DnsFailure> {
        Ok(map(
            self.typed(name, RecordType::A).await?,
            |data| match data {
                RData::A(a) => Some(a.0),
                _ => None,
            },
        ))
    }

    pub async fn aaaa(&self, name: &str) -> Result<DnsAnswer<Ipv6Addr>, DnsFailure> {
        Ok(map(
            self.typed(name, RecordType::AAAA).await?,
            |data| match data {
                RData::AAAA(aaaa) => Some(aaaa.0),
                _ => None,
            },
        ))
    }

    /// MX records as (preference, exchange without the trailing dot).
    pub async fn mx(&self, name: &str) -> Result<DnsAnswer<(u16, String)>, DnsFailure> {
        Ok(map(
            self.typed(name, RecordType::MX).await?,
            |data| match data {
                RData::MX(mx) => Some((mx.preference, relative(&mx.exchange))),
                _ => None,
            },
        ))
    }

    /// PTR names for an address (reverse lookup).
    pub async fn ptr(&self, ip: IpAddr) -> Result<DnsAnswer<String>, DnsFailure> {
        let name = hickory_proto::rr::Name::from(ip).to_string();
        Ok(map(
            self.typed(&name, RecordType::PTR).await?,
            |data| match data {
                RData::PTR(ptr) => Some(relative(&ptr.0)),
                _ => None,
            },
        ))
    }

    /// The CNAME at `name` itself (not followed).
    pub async fn cname(&self, name: &str) -> Result<DnsAnswer<String>, DnsFailure> {
        Ok(map(
            self.typed(name, RecordType::CNAME).await?,
            |data| match data {
                RData::CNAME(cname) => Some(relative(&cname.0)),
                _ => None,
            },
        ))
    }

    /// CAA records as (critical flag, tag, value).
    pub async fn caa(&self, name: &str) -> Result<DnsAnswer<(bool, String, String)>, DnsFailure> {
        Ok(map(
            self.typed(name, RecordType::CAA).await?,
            |data| match data {
                RData::CAA(caa) => Some((
                    caa.issuer_critical,
                    caa.tag.as_str().to_string(),
                    caa_value(&caa),
                )),
                _ => None,
            },
        ))
    }

    /// Records of `kind` at `name` in presentation form, for the DNS inventory.
    pub async fn inventory(
        &self,
        name: &str,
        kind: RecordType,
    ) -> Result<Vec<SeenRecord>, DnsFailure> {
        Ok(self
            .typed(name, kind)
            .await?
            .records()
            .into_iter()
            .map(|(data, ttl)| SeenRecord {
                name: name.to_string(),
                ttl,
                kind: kind.to_string(),
                value: data.to_string(),
            })
            .collect())
    }
}

/// `name` as DNS labels of raw bytes: DNS allows any octet in a label (`:` `/` `%` and
/// spaces turn up in SPF macro expansions), which hickory's text parser would refuse.
pub fn wire_name(name: &str) -> Option<hickory_proto::rr::Name> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty()
        || trimmed
            .split('.')
            .any(|label| label.is_empty() || label.len() > 63)
    {
        return None;
    }
    hickory_proto::rr::Name::from_labels(trimmed.split('.').map(str::as_bytes)).ok()
}

fn map<T>(answer: DnsAnswer<(RData, u32)>, pick: impl Fn(RData) -> Option<T>) -> DnsAnswer<T> {
    match answer {
        DnsAnswer::Records(records) => {
            let picked: Vec<T> = records
                .into_iter()
                .filter_map(|(data, _)| pick(data))
                .collect();
            if picked.is_empty() {
                DnsAnswer::NoRecords
            } else {
                DnsAnswer::Records(picked)
            }
        }
        DnsAnswer::NoSuchName => DnsAnswer::NoSuchName,
        DnsAnswer::NoRecords => DnsAnswer::NoRecords,
    }
}

/// A name as its raw labels joined by dots (hickory's `Display` would escape `:` or `/`).
fn relative(name: &hickory_proto::rr::Name) -> String {
    name.iter()
        .map(|label| String::from_utf8_lossy(label).into_owned())
        .collect::<Vec<_>>()
        .join(".")
        .to_ascii_lowercase()
}

fn caa_value(caa: &hickory_proto::rr::rdata::CAA) -> String {
    // The presentation form is `0 issue "ca.example"`: keep the value part.
    let text = caa.to_string();
    text.split_once('"')
        .map(|(_, rest)| rest.trim_end_matches('"').to_string())
        .unwrap_or(text)
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
    let refused = matches!(
        &error,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused))
    ) || matches!(
        &error,
        NetError::Dns(DnsError::NoRecordsFound(no_records))
            if no_records.response_code == ResponseCode::Refused
    );
    Err(DnsFailure {
        name: host.to_string(),
        reason: error.to_string(),
        refused,
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

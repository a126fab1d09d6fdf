//! `check_host()` (RFC 7208 §4–6): the SPF verdict for a client IP, a sender and a domain,
//! evaluated over the audit's resolver.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

use super::macros::{Context, MacroString, Values};
use super::syntax::{DualCidr, Mechanism, Qualifier, Record, is_spf};
use crate::net::{Dns, DnsAnswer};

/// Terms that query DNS (include, a, mx, ptr, exists, redirect) allowed in one evaluation.
pub const MAX_DNS_TERMS: u32 = 10;
/// Lookups answering NXDOMAIN or NODATA allowed in one evaluation.
pub const MAX_VOID_LOOKUPS: u32 = 2;
/// Address lookups one `mx` or `ptr` may cause.
const MAX_NAME_LOOKUPS: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpfResult {
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

impl SpfResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }

    fn of(qualifier: Qualifier) -> SpfResult {
        match qualifier {
            Qualifier::Pass => SpfResult::Pass,
            Qualifier::Fail => SpfResult::Fail,
            Qualifier::SoftFail => SpfResult::SoftFail,
            Qualifier::Neutral => SpfResult::Neutral,
        }
    }
}

/// The verdict, with the `exp=` explanation for a `fail` when the domain gives one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub result: SpfResult,
    pub explanation: Option<String>,
    /// Why, for evidence (`matched ip4:192.0.2.0/24`, `11 DNS-querying terms`).
    pub reason: String,
}

impl Verdict {
    fn new(result: SpfResult, reason: impl Into<String>) -> Verdict {
        Verdict {
            result,
            explanation: None,
            reason: reason.into(),
        }
    }
}

/// The identity being checked: MAIL FROM, or HELO when MAIL FROM is empty.
pub struct Identity<'a> {
    pub ip: IpAddr,
    /// MAIL FROM (may be empty).
    pub mail_from: &'a str,
    pub helo: &'a str,
}

/// RFC 7208 §2.3/§2.4: evaluates MAIL FROM, or `postmaster@HELO` when it is empty.
pub async fn check(dns: &Dns, identity: &Identity<'_>) -> Verdict {
    let ip = unmap(identity.ip);
    let (local, domain) = match identity.mail_from.rsplit_once('@') {
        Some((local, domain)) => (
            if local.is_empty() {
                "postmaster"
            } else {
                local
            },
            domain,
        ),
        None if identity.mail_from.is_empty() => ("postmaster", identity.helo),
        None => ("postmaster", identity.mail_from),
    };
    let sender = format!("{local}@{domain}");
    let mut eval = Evaluation {
        dns,
        ip,
        sender: &sender,
        local_part: local,
        sender_domain: domain,
        helo: identity.helo,
        dns_terms: 0,
        void_lookups: 0,
    };
    eval.check_host(domain.trim_end_matches('.').to_string(), true)
        .await
}

/// IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

struct Evaluation<'a> {
    dns: &'a Dns,
    ip: IpAddr,
    sender: &'a str,
    local_part: &'a str,
    sender_domain: &'a str,
    helo: &'a str,
    dns_terms: u32,
    void_lookups: u32,
}

type Boxed<'f, T> = Pin<Box<dyn Future<Output = T> + Send + 'f>>;

/// A mechanism's outcome: match, no match, or an error that ends the evaluation.
enum Match {
    Yes,
    No,
    End(Verdict),
}

/// What a domain's SPF record lookup found.
pub enum Fetched {
    Record(String),
    None(String),
    Error(Verdict),
}

/// RFC 7208 §4.3: a usable domain is a multi-label name with labels of 1 to 63 octets.
pub fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| !l.is_empty() && l.len() <= 63)
        && !domain.starts_with('[')
}

/// RFC 7208 §4.5: the one `v=spf1` TXT record of `domain`.
pub async fn fetch_record(dns: &Dns, domain: &str) -> Fetched {
    let records = match dns.txt(domain).await {
        Ok(DnsAnswer::Records(records)) => records,
        Ok(_) => return Fetched::None(format!("{domain} has no TXT record")),
        Err(failure) => {
            return Fetched::Error(Verdict::new(SpfResult::TempError, failure.to_string()));
        }
    };
    let spf: Vec<&Vec<u8>> = records.iter().filter(|r| is_spf(r)).collect();
    match spf.as_slice() {
        [] => Fetched::None(format!("{domain} publishes no v=spf1 record")),
        [one] => Fetched::Record(String::from_utf8_lossy(one).into_owned()),
        _ => Fetched::Error(Verdict::new(
            SpfResult::PermError,
            format!("{domain} publishes {} v=spf1 records", spf.len()),
        )),
    }
}

impl<'a> Evaluation<'a> {
    fn values<'v>(&'v self, domain: &'v str, validated_name: Option<&'v str>) -> Values<'v> {
        Values {
            sender: self.sender,
            local_part: self.local_part,
            sender_domain: self.sender_domain,
            domain,
            ip: self.ip,
            helo: self.helo,
            validated_name,
        }
    }

    /// `check_host(ip, domain, sender)`; `top` marks the outermost call (exp applies there).
    fn check_host(&mut self, domain: String, top: bool) -> Boxed<'_, Verdict> {
        Box::pin(async move {
            if !valid_domain(&domain) {
                return Verdict::new(
                    SpfResult::None,
                    format!("`{domain}` is not a usable domain name"),
                );
            }
            let text = match fetch_record(self.dns, &domain).await {
                Fetched::Record(text) => text,
                Fetched::None(why) => return Verdict::new(SpfResult::None, why),
                Fetched::Error(verdict) => return verdict,
            };
            let record = match Record::parse(&text) {
                Ok(record) => record,
                Err(error) => {
                    return Verdict::new(SpfResult::PermError, format!("{domain}: {error}"));
                }
            };
            for directive in &record.directives {
                if directive.mechanism.queries_dns() {
                    self.dns_terms += 1;
                    if self.dns_terms > MAX_DNS_TERMS {
                        return Verdict::new(
                            SpfResult::PermError,
                            format!("more than {MAX_DNS_TERMS} DNS-querying terms"),
                        );
                    }
                }
                match self.matches(&directive.mechanism, &domain).await {
                    Match::Yes => {
                        let result = SpfResult::of(directive.qualifier);
                        let mut verdict =
                            Verdict::new(result, format!("{domain}: matched `{}`", directive.text));
                        if result == SpfResult::Fail
                            && let Some(exp) = &record.exp
                        {
                            verdict.explanation = self.explain(exp, &domain).await;
                        }
                        return verdict;
                    }
                    Match::No => {}
                    Match::End(verdict) => return verdict,
                }
            }
            if let Some(target) = &record.redirect
                && !record.has_all()
            {
                self.dns_terms += 1;
                if self.dns_terms > MAX_DNS_TERMS {
                    return Verdict::new(
                        SpfResult::PermError,
                        format!("more than {MAX_DNS_TERMS} DNS-querying terms"),
                    );
                }
                let target = self.target(target, &domain).await;
                let verdict = self.check_host(target.clone(), top).await;
                if verdict.result == SpfResult::None {
                    return Verdict::new(
                        SpfResult::PermError,
                        format!("redirect to {target}, which has no SPF record"),
                    );
                }
                return verdict;
            }
            let _ = top;
            Verdict::new(
                SpfResult::Neutral,
                format!("{domain}: no mechanism matched"),
            )
        })
    }

    async fn matches(&mut self, mechanism: &Mechanism, domain: &str) -> Match {
        match mechanism {
            Mechanism::All => Match::Yes,
            Mechanism::Ip4(network, cidr) => match self.ip {
                IpAddr::V4(ip) => bool_match(in_v4(ip, *network, *cidr)),
                IpAddr::V6(_) => Match::No,
            },
            Mechanism::Ip6(network, cidr) => match self.ip {
                IpAddr::V6(ip) => bool_match(in_v6(ip, *network, *cidr)),
                IpAddr::V4(_) => Match::No,
            },
            Mechanism::Include(spec) => {
                let target = self.target(spec, domain).await;
                let verdict = self.check_host(target.clone(), false).await;
                match verdict.result {
                    SpfResult::Pass => Match::Yes,
                    SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => Match::No,
                    SpfResult::TempError => Match::End(verdict),
                    SpfResult::PermError => Match::End(verdict),
                    SpfResult::None => Match::End(Verdict::new(
                        SpfResult::PermError,
                        format!("include:{target} has no SPF record"),
                    )),
                }
            }
            Mechanism::A(spec, cidr) => {
                let target = self.optional_target(spec.as_ref(), domain).await;
                match self.addresses(&target, true).await {
                    Ok(addresses) => bool_match(addresses.iter().any(|a| self.in_cidr(*a, *cidr))),
                    Err(end) => end,
                }
            }
            Mechanism::Mx(spec, cidr) => {
                let target = self.optional_target(spec.as_ref(), domain).await;
                let exchanges = match self.dns.mx(&target).await {
                    Ok(answer) => {
                        if let Some(end) = self.count_void(&answer) {
                            return end;
                        }
                        answer.records()
                    }
                    Err(failure) => {
                        return Match::End(Verdict::new(SpfResult::TempError, failure.to_string()));
                    }
                };
                if exchanges.len() > MAX_NAME_LOOKUPS {
                    return Match::End(Verdict::new(
                        SpfResult::PermError,
                        format!("mx:{target} has more than {MAX_NAME_LOOKUPS} MX records"),
                    ));
                }
                for (_, exchange) in exchanges {
                    match self.addresses(&exchange, false).await {
                        Ok(addresses) if addresses.iter().any(|a| self.in_cidr(*a, *cidr)) => {
                            return Match::Yes;
                        }
                        Ok(_) => {}
                        Err(end) => return end,
                    }
                }
                Match::No
            }
            Mechanism::Ptr(spec) => {
                let target = self.optional_target(spec.as_ref(), domain).await;
                let target = target.to_ascii_lowercase();
                let names = self.validated_names().await;
                bool_match(
                    names
                        .iter()
                        .any(|n| *n == target || n.ends_with(&format!(".{target}"))),
                )
            }
            Mechanism::Exists(spec) => {
                let target = self.target(spec, domain).await;
                match self.dns.a(&target).await {
                    Ok(answer) => {
                        if let Some(end) = self.count_void(&answer) {
                            return end;
                        }
                        bool_match(!answer.records().is_empty())
                    }
                    Err(failure) => {
                        Match::End(Verdict::new(SpfResult::TempError, failure.to_string()))
                    }
                }
            }
        }
    }

    /// NXDOMAIN or NODATA: counted, and past the limit a permerror.
    fn count_void<T>(&mut self, answer: &DnsAnswer<T>) -> Option<Match> {
        if answer.is_void() {
            self.void_lookups += 1;
            if self.void_lookups > MAX_VOID_LOOKUPS {
                return Some(Match::End(Verdict::new(
                    SpfResult::PermError,
                    format!("more than {MAX_VOID_LOOKUPS} void lookups"),
                )));
            }
        }
        None
    }

    /// A or AAAA of `name` (by the client's address family). `count_void`: NXDOMAIN and
    /// NODATA count toward the void limit (not for MX hosts: the MX query counted).
    async fn addresses(&mut self, name: &str, count_void: bool) -> Result<Vec<IpAddr>, Match> {
        if !valid_domain(name) {
            return Ok(Vec::new());
        }
        let answer = match self.ip {
            IpAddr::V4(_) => self.dns.a(name).await.map(|a| map_answer(a, IpAddr::V4)),
            IpAddr::V6(_) => self.dns.aaaa(name).await.map(|a| map_answer(a, IpAddr::V6)),
        };
        match answer {
            Ok(answer) => {
                if count_void && let Some(end) = self.count_void(&answer) {
                    return Err(end);
                }
                Ok(answer.records())
            }
            Err(failure) => Err(Match::End(Verdict::new(
                SpfResult::TempError,
                failure.to_string(),
            ))),
        }
    }

    /// RFC 7208 §5.5: PTR names of the client whose forward lookup gives the client back.
    /// Errors make names drop out; they never end the evaluation.
    async fn validated_names(&mut self) -> Vec<String> {
        let names = match self.dns.ptr(self.ip).await {
            Ok(answer) => {
                if answer.is_void() {
                    self.void_lookups += 1;
                }
                answer.records()
            }
            Err(_) => return Vec::new(),
        };
        let mut validated = Vec::new();
        for name in names.into_iter().take(MAX_NAME_LOOKUPS) {
            if !valid_domain(&name) {
                continue;
            }
            let forward = match self.ip {
                IpAddr::V4(_) => self.dns.a(&name).await.map(|a| map_answer(a, IpAddr::V4)),
                IpAddr::V6(_) => self
                    .dns
                    .aaaa(&name)
                    .await
                    .map(|a| map_answer(a, IpAddr::V6)),
            };
            if let Ok(answer) = forward
                && answer.records().contains(&self.ip)
            {
                validated.push(name.to_ascii_lowercase());
            }
        }
        validated
    }

    fn in_cidr(&self, address: IpAddr, cidr: DualCidr) -> bool {
        match (self.ip, address) {
            (IpAddr::V4(ip), IpAddr::V4(net)) => in_v4(ip, net, cidr.v4),
            (IpAddr::V6(ip), IpAddr::V6(net)) => in_v6(ip, net, cidr.v6),
            _ => false,
        }
    }

    async fn optional_target(&mut self, spec: Option<&MacroString>, domain: &str) -> String {
        match spec {
            Some(spec) => self.target(spec, domain).await,
            None => domain.to_string(),
        }
    }

    /// Expands a domain-spec; RFC 7208 §7.3 trims an over-long result from the left.
    async fn target(&mut self, spec: &MacroString, domain: &str) -> String {
        let validated = if uses_p(spec) {
            self.validated_names().await.into_iter().next()
        } else {
            None
        };
        let mut expanded = spec.expand(&self.values(domain, validated.as_deref()));
        expanded = expanded.trim_end_matches('.').to_string();
        while expanded.len() > 253 {
            match expanded.split_once('.') {
                Some((_, rest)) => expanded = rest.to_string(),
                None => break,
            }
        }
        expanded
    }

    /// RFC 7208 §6.2: the `exp=` text, or `None` when anything about it fails.
    async fn explain(&mut self, spec: &MacroString, domain: &str) -> Option<String> {
        let target = self.target(spec, domain).await;
        if !valid_domain(&target) {
            return None;
        }
        let records = match self.dns.txt(&target).await {
            Ok(DnsAnswer::Records(records)) if records.len() == 1 => records,
            _ => return None,
        };
        let text = String::from_utf8(records.into_iter().next()?).ok()?;
        let explanation = MacroString::parse(&text, Context::Explanation).ok()?;
        let validated = if uses_p(&explanation) {
            self.validated_names().await.into_iter().next()
        } else {
            None
        };
        Some(explanation.expand(&self.values(domain, validated.as_deref())))
    }
}

/// `%{p}` needs the client's validated host name, which costs PTR and A lookups.
fn uses_p(spec: &MacroString) -> bool {
    spec.0
        .iter()
        .any(|p| matches!(p, super::macros::Piece::Expand(e) if e.letter == 'p'))
}

fn bool_match(matched: bool) -> Match {
    if matched { Match::Yes } else { Match::No }
}

fn map_answer<T>(answer: DnsAnswer<T>, wrap: impl Fn(T) -> IpAddr) -> DnsAnswer<IpAddr> {
    match answer {
        DnsAnswer::Records(records) => DnsAnswer::Records(records.into_iter().map(wrap).collect()),
        DnsAnswer::NoSuchName => DnsAnswer::NoSuchName,
        DnsAnswer::NoRecords => DnsAnswer::NoRecords,
    }
}

fn in_v4(ip: Ipv4Addr, network: Ipv4Addr, cidr: u8) -> bool {
    let mask = if cidr == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(cidr))
    };
    u32::from(ip) & mask == u32::from(network) & mask
}

fn in_v6(ip: Ipv6Addr, network: Ipv6Addr, cidr: u8) -> bool {
    let mask = if cidr == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(cidr))
    };
    u128::from(ip) & mask == u128::from(network) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_matching() {
        assert!(in_v4(
            "192.0.2.7".parse().unwrap(),
            "192.0.2.0".parse().unwrap(),
            24
        ));
        assert!(!in_v4(
            "192.0.3.7".parse().unwrap(),
            "192.0.2.0".parse().unwrap(),
            24
        ));
        assert!(in_v4(
            "10.1.1.1".parse().unwrap(),
            "0.0.0.0".parse().unwrap(),
            0
        ));
        assert!(in_v6(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::".parse().unwrap(),
            32
        ));
    }

    #[test]
    fn usable_domains() {
        assert!(valid_domain("example.com"));
        assert!(!valid_domain("localhost"));
        assert!(!valid_domain("a..example.com"));
        assert!(!valid_domain("[1.2.3.4]"));
        assert!(!valid_domain(&format!("{}.com", "a".repeat(64))));
    }
}

//! The SPF record grammar (RFC 7208 §4.6, §5, §6, §12). Parsing never panics: any input
//! is a record or a syntax error.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::macros::{Context, MacroString};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

impl Qualifier {
    pub fn symbol(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// `/ip4-cidr//ip6-cidr` after `a` and `mx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DualCidr {
    pub v4: u8,
    pub v6: u8,
}

impl Default for DualCidr {
    fn default() -> Self {
        DualCidr { v4: 32, v6: 128 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(MacroString),
    A(Option<MacroString>, DualCidr),
    Mx(Option<MacroString>, DualCidr),
    Ptr(Option<MacroString>),
    Ip4(Ipv4Addr, u8),
    Ip6(Ipv6Addr, u8),
    Exists(MacroString),
}

impl Mechanism {
    /// Counts toward the limit of ten DNS-querying terms.
    pub fn queries_dns(&self) -> bool {
        !matches!(
            self,
            Mechanism::All | Mechanism::Ip4(..) | Mechanism::Ip6(..)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub qualifier: Qualifier,
    pub mechanism: Mechanism,
    /// As written, for evidence.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Record {
    pub directives: Vec<Directive>,
    pub redirect: Option<MacroString>,
    pub exp: Option<MacroString>,
    /// Unknown modifiers, ignored as RFC 7208 §6 says (names kept for evidence).
    pub unknown_modifiers: Vec<String>,
}

/// Whether a TXT string is an SPF record: `v=spf1` followed by a space or nothing.
pub fn is_spf(text: &[u8]) -> bool {
    text.len() >= 6
        && text[..6].eq_ignore_ascii_case(b"v=spf1")
        && (text.len() == 6 || text[6] == b' ')
}

impl Record {
    pub fn parse(text: &str) -> Result<Record, String> {
        if !is_spf(text.as_bytes()) {
            return Err("does not begin with `v=spf1`".into());
        }
        let mut record = Record::default();
        for term in text[6..].split(' ').filter(|t| !t.is_empty()) {
            if let Some(modifier) = parse_modifier(term)? {
                match modifier {
                    Modifier::Redirect(target) if record.redirect.is_none() => {
                        record.redirect = Some(target)
                    }
                    Modifier::Exp(target) if record.exp.is_none() => record.exp = Some(target),
                    Modifier::Redirect(_) | Modifier::Exp(_) => {
                        return Err(format!("`{term}`: redirect and exp may each appear once"));
                    }
                    Modifier::Unknown(name) => record.unknown_modifiers.push(name),
                }
            } else {
                record.directives.push(parse_directive(term)?);
            }
        }
        Ok(record)
    }

    /// `redirect=` is ignored when the record has an `all`.
    pub fn has_all(&self) -> bool {
        self.directives
            .iter()
            .any(|d| d.mechanism == Mechanism::All)
    }
}

enum Modifier {
    Redirect(MacroString),
    Exp(MacroString),
    Unknown(String),
}

/// `name=value` is a modifier when `name` is a valid modifier name.
fn parse_modifier(term: &str) -> Result<Option<Modifier>, String> {
    let Some((name, value)) = term.split_once('=') else {
        return Ok(None);
    };
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid_name {
        // `ip4:1.2.3.4/24=x` and the like: not a modifier, and not a valid mechanism either.
        return if name.contains(':') || name.contains('/') {
            Ok(None)
        } else {
            Err(format!("`{term}`: invalid modifier name"))
        };
    }
    Ok(Some(match name.to_ascii_lowercase().as_str() {
        "redirect" => Modifier::Redirect(domain_spec(value)?),
        "exp" => Modifier::Exp(domain_spec(value)?),
        _ => {
            MacroString::parse(value, Context::DomainSpec).map_err(|e| format!("`{term}`: {e}"))?;
            Modifier::Unknown(name.to_string())
        }
    }))
}

fn parse_directive(term: &str) -> Result<Directive, String> {
    let (qualifier, rest) = match term.chars().next() {
        Some('+') => (Qualifier::Pass, &term[1..]),
        Some('-') => (Qualifier::Fail, &term[1..]),
        Some('~') => (Qualifier::SoftFail, &term[1..]),
        Some('?') => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let name_end = rest.find([':', '/']).unwrap_or(rest.len());
    let (name, args) = rest.split_at(name_end);
    let mechanism =
        match name.to_ascii_lowercase().as_str() {
            "all" if args.is_empty() => Mechanism::All,
            "include" => Mechanism::Include(domain_spec(required(args, term)?)?),
            "exists" => Mechanism::Exists(domain_spec(required(args, term)?)?),
            "a" => {
                let (target, cidr) = target_and_cidr(args, term)?;
                Mechanism::A(target, cidr)
            }
            "mx" => {
                let (target, cidr) = target_and_cidr(args, term)?;
                Mechanism::Mx(target, cidr)
            }
            "ptr" => match args {
                "" => Mechanism::Ptr(None),
                _ => Mechanism::Ptr(Some(domain_spec(required(args, term)?)?)),
            },
            "ip4" => {
                let value = required(args, term)?;
                let (address, cidr) = split_cidr(value);
                let address: Ipv4Addr =
                    parse_ip4(address).ok_or_else(|| format!("`{term}`: not an IPv4 network"))?;
                let cidr = match cidr {
                    Some(c) => cidr_value(c, 32)
                        .ok_or_else(|| format!("`{term}`: invalid prefix length"))?,
                    None => 32,
                };
                Mechanism::Ip4(address, cidr)
            }
            "ip6" => {
                let value = required(args, term)?;
                let (address, cidr) = split_cidr(value);
                let address: Ipv6Addr = address
                    .parse()
                    .map_err(|_| format!("`{term}`: not an IPv6 network"))?;
                let cidr = match cidr {
                    Some(c) => cidr_value(c, 128)
                        .ok_or_else(|| format!("`{term}`: invalid prefix length"))?,
                    None => 128,
                };
                Mechanism::Ip6(address, cidr)
            }
            _ => return Err(format!("`{term}`: unknown mechanism")),
        };
    Ok(Directive {
        qualifier,
        mechanism,
        text: term.to_string(),
    })
}

/// The value after `:` of a mechanism that needs one.
fn required<'t>(args: &'t str, term: &str) -> Result<&'t str, String> {
    match args.strip_prefix(':') {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(format!("`{term}`: missing `:` and a value")),
    }
}

/// `a` and `mx`: `[:domain-spec][/ip4-cidr][//ip6-cidr]`.
fn target_and_cidr(args: &str, term: &str) -> Result<(Option<MacroString>, DualCidr), String> {
    let mut cidr = DualCidr::default();
    let mut rest = args;
    if let Some(at) = rest.rfind("//") {
        cidr.v6 = cidr_value(&rest[at + 2..], 128)
            .ok_or_else(|| format!("`{term}`: invalid IPv6 prefix length"))?;
        rest = &rest[..at];
    }
    if let Some(at) = rest.rfind('/') {
        let digits = &rest[at + 1..];
        // A `/` inside the domain-spec is a macro literal; only a trailing `/digits` is a cidr.
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            cidr.v4 = cidr_value(digits, 32)
                .ok_or_else(|| format!("`{term}`: invalid IPv4 prefix length"))?;
            rest = &rest[..at];
        } else if rest.starts_with('/') || digits.is_empty() {
            return Err(format!("`{term}`: invalid prefix length"));
        }
    }
    let target = match rest {
        "" => None,
        _ => Some(domain_spec(required(rest, term)?)?),
    };
    Ok((target, cidr))
}

/// `/N` at the end of an ip4/ip6 value.
fn split_cidr(value: &str) -> (&str, Option<&str>) {
    match value.split_once('/') {
        Some((address, cidr)) => (address, Some(cidr)),
        None => (value, None),
    }
}

/// A prefix length: digits without a leading zero (but `0` itself), at most `max`.
fn cidr_value(text: &str, max: u8) -> Option<u8> {
    if text.is_empty()
        || !text.chars().all(|c| c.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse::<u8>().ok().filter(|v| *v <= max)
}

/// A dotted quad whose numbers have no leading zeros (the grammar's `qnum`).
fn parse_ip4(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, part) in octets.iter_mut().zip(parts) {
        if part.is_empty()
            || part.len() > 3
            || !part.chars().all(|c| c.is_ascii_digit())
            || (part.len() > 1 && part.starts_with('0'))
        {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

/// `domain-spec = macro-string domain-end`, `domain-end = ("." toplabel ["."]) / macro-expand`.
pub fn domain_spec(text: &str) -> Result<MacroString, String> {
    let spec =
        MacroString::parse(text, Context::DomainSpec).map_err(|e| format!("`{text}`: {e}"))?;
    if spec.ends_with_expand() {
        return Ok(spec);
    }
    let tail = spec.literal_tail();
    let tail = tail.strip_suffix('.').unwrap_or(tail);
    let Some(dot) = tail.rfind('.') else {
        return Err(format!(
            "`{text}`: a domain must end in `.` and a top-level label"
        ));
    };
    if !is_toplabel(&tail[dot + 1..]) {
        return Err(format!(
            "`{text}`: `{}` is not a top-level label",
            &tail[dot + 1..]
        ));
    }
    Ok(spec)
}

/// A label with a letter in it, or alphanumerics around an inner hyphen.
fn is_toplabel(label: &str) -> bool {
    let alphanumeric = |c: char| c.is_ascii_alphanumeric();
    if label.is_empty() {
        return false;
    }
    if label.chars().all(alphanumeric) {
        return label.chars().any(|c| c.is_ascii_alphabetic());
    }
    label.chars().all(|c| alphanumeric(c) || c == '-')
        && label.chars().next().is_some_and(alphanumeric)
        && label.chars().last().is_some_and(alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_records() {
        let record = Record::parse("v=spf1 ip4:192.0.2.0/24 a mx:mail.example.com/28//64 include:_spf.example.net ~all exp=explain.%{d} x-foo=bar").unwrap();
        assert_eq!(record.directives.len(), 5);
        assert_eq!(
            record.directives[0].mechanism,
            Mechanism::Ip4("192.0.2.0".parse().unwrap(), 24)
        );
        assert!(matches!(
            record.directives[2].mechanism,
            Mechanism::Mx(Some(_), DualCidr { v4: 28, v6: 64 })
        ));
        assert_eq!(record.directives[4].qualifier, Qualifier::SoftFail);
        assert!(record.exp.is_some());
        assert_eq!(record.unknown_modifiers, ["x-foo"]);
    }

    #[test]
    fn syntax_errors_are_errors() {
        for text in [
            "v=spf1 ip4:1.2.3.4/33",
            "v=spf1 ip4:01.2.3.4",
            "v=spf1 ip4:1.2.3.4/024",
            "v=spf1 a:1.2.3.4",
            "v=spf1 include",
            "v=spf1 foo",
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 -all:foo",
            "v=spf1 a:example.com/",
            "v=spf1 mx//129",
            "v=spf1 exists:%{x}.example.com",
            "v=spf1 1x=y",
        ] {
            assert!(Record::parse(text).is_err(), "{text} parsed");
        }
    }

    #[test]
    fn record_selection() {
        assert!(is_spf(b"v=spf1"));
        assert!(is_spf(b"V=SPF1 -all"));
        assert!(!is_spf(b"v=spf10 -all"));
        assert!(!is_spf(b"v=spf2 -all"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "v=spf1 %",
            "v=spf1 a:%{",
            "v=spf1 //",
            "v=spf1 a//",
            "v=spf1 ip6::",
            "v=spf1 =",
            "v=spf1 ip4:/",
            "v=spf1 é",
        ] {
            let _ = Record::parse(text);
        }
    }
}

//! SPF macro strings (RFC 7208 §7): parsing and expansion.

use std::net::IpAddr;

/// One piece of a macro string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    Expand(Expand),
}

/// `%{letter digits r delimiters}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expand {
    /// Lower-case macro letter.
    pub letter: char,
    /// Upper-case letter: URL-escape the result.
    pub escape: bool,
    /// Keep this many right-hand parts (never zero).
    pub keep: Option<usize>,
    pub reverse: bool,
    /// Split on these (default ".").
    pub delimiters: String,
}

/// A parsed macro string.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MacroString(pub Vec<Piece>);

/// Where a macro string appears: `c`, `r` and `t` are allowed only in explanations,
/// and only explanations may contain spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    DomainSpec,
    Explanation,
}

impl MacroString {
    pub fn parse(text: &str, context: Context) -> Result<MacroString, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%' {
                match chars.next() {
                    Some('%') => literal.push('%'),
                    Some('_') => literal.push(' '),
                    Some('-') => literal.push_str("%20"),
                    Some('{') => {
                        let mut body = String::new();
                        loop {
                            match chars.next() {
                                Some('}') => break,
                                Some(c) => body.push(c),
                                None => return Err(format!("unterminated macro `%{{{body}`")),
                            }
                        }
                        if !literal.is_empty() {
                            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                        }
                        pieces.push(Piece::Expand(parse_expand(&body, context)?));
                    }
                    other => {
                        return Err(format!(
                            "`%` followed by {other:?}: use %% for a percent sign"
                        ));
                    }
                }
            } else if c == ' ' && context == Context::Explanation {
                literal.push(' ');
            } else if ('\x21'..='\x7e').contains(&c) {
                literal.push(c);
            } else {
                return Err(format!("character {c:?} is not allowed in a macro string"));
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(MacroString(pieces))
    }

    /// Ends in a macro expansion (a valid `domain-end` by itself).
    pub fn ends_with_expand(&self) -> bool {
        matches!(self.0.last(), Some(Piece::Expand(_)))
    }

    /// The literal text after the last expansion.
    pub fn literal_tail(&self) -> &str {
        match self.0.last() {
            Some(Piece::Literal(text)) => text,
            _ => "",
        }
    }

    pub fn expand(&self, values: &Values<'_>) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Expand(expand) => out.push_str(&expand.apply(values)),
            }
        }
        out
    }
}

fn parse_expand(body: &str, context: Context) -> Result<Expand, String> {
    let mut chars = body.chars();
    let letter = chars.next().ok_or("empty macro `%{}`")?;
    let lower = letter.to_ascii_lowercase();
    let allowed = match context {
        Context::DomainSpec => "slodiphv",
        Context::Explanation => "slodiphvcrt",
    };
    if !allowed.contains(lower) {
        return Err(format!("macro letter `{letter}` is not allowed here"));
    }
    let rest: String = chars.collect();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let mut rest = &rest[digits.len()..];
    let keep = if digits.is_empty() {
        None
    } else {
        match digits.parse::<usize>() {
            Ok(0) | Err(_) => return Err(format!("macro `%{{{body}}}` keeps zero parts")),
            Ok(n) => Some(n),
        }
    };
    let reverse = if let Some(after) = rest.strip_prefix(['r', 'R']) {
        rest = after;
        true
    } else {
        false
    };
    if let Some(bad) = rest.chars().find(|c| !".-+,/_=".contains(*c)) {
        return Err(format!("`{bad}` is not a macro delimiter in `%{{{body}}}`"));
    }
    Ok(Expand {
        letter: lower,
        escape: letter.is_ascii_uppercase(),
        keep,
        reverse,
        delimiters: rest.to_string(),
    })
}

/// What the macro letters stand for during one evaluation.
pub struct Values<'a> {
    pub sender: &'a str,
    pub local_part: &'a str,
    pub sender_domain: &'a str,
    pub domain: &'a str,
    pub ip: IpAddr,
    pub helo: &'a str,
    /// `%{p}`: the validated host name of `ip`, when one was looked up.
    pub validated_name: Option<&'a str>,
}

impl Expand {
    fn apply(&self, values: &Values<'_>) -> String {
        let raw = match self.letter {
            's' => values.sender.to_string(),
            'l' => values.local_part.to_string(),
            'o' => values.sender_domain.to_string(),
            'd' => values.domain.to_string(),
            'i' => dotted(values.ip),
            'p' => values.validated_name.unwrap_or("unknown").to_string(),
            'v' => if values.ip.is_ipv4() {
                "in-addr"
            } else {
                "ip6"
            }
            .to_string(),
            'h' => values.helo.to_string(),
            'c' => values.ip.to_string(),
            'r' => "unknown".to_string(),
            't' => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
                .to_string(),
            _ => String::new(),
        };
        let delimiters = if self.delimiters.is_empty() {
            "."
        } else {
            &self.delimiters
        };
        let mut parts: Vec<&str> = raw.split(|c| delimiters.contains(c)).collect();
        if self.reverse {
            parts.reverse();
        }
        if let Some(keep) = self.keep
            && keep < parts.len()
        {
            parts = parts.split_off(parts.len() - keep);
        }
        let joined = parts.join(".");
        if self.escape {
            url_escape(&joined)
        } else {
            joined
        }
    }
}

/// `%{i}`: dotted quad for IPv4, 32 dot-separated nibbles for IPv6.
fn dotted(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .octets()
            .iter()
            .flat_map(|b| [b >> 4, b & 0xf])
            .map(|n| format!("{n:x}"))
            .collect::<Vec<_>>()
            .join("."),
    }
}

/// RFC 3986 escaping of everything but unreserved characters.
fn url_escape(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(ip: &str) -> Values<'static> {
        Values {
            sender: "strong-bad@email.example.com",
            local_part: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            validated_name: None,
        }
    }

    fn expand(text: &str, ip: &str) -> String {
        MacroString::parse(text, Context::Explanation)
            .unwrap()
            .expand(&values(ip))
    }

    /// The examples of RFC 7208 §7.4.
    #[test]
    fn rfc_examples() {
        assert_eq!(expand("%{s}", "192.0.2.3"), "strong-bad@email.example.com");
        assert_eq!(expand("%{o}", "192.0.2.3"), "email.example.com");
        assert_eq!(expand("%{d4}", "192.0.2.3"), "email.example.com");
        assert_eq!(expand("%{d3}", "192.0.2.3"), "email.example.com");
        assert_eq!(expand("%{d2}", "192.0.2.3"), "example.com");
        assert_eq!(expand("%{d1}", "192.0.2.3"), "com");
        assert_eq!(expand("%{dr}", "192.0.2.3"), "com.example.email");
        assert_eq!(expand("%{d2r}", "192.0.2.3"), "example.email");
        assert_eq!(expand("%{l}", "192.0.2.3"), "strong-bad");
        assert_eq!(expand("%{l-}", "192.0.2.3"), "strong.bad");
        assert_eq!(expand("%{lr}", "192.0.2.3"), "strong-bad");
        assert_eq!(expand("%{lr-}", "192.0.2.3"), "bad.strong");
        assert_eq!(expand("%{l1r-}", "192.0.2.3"), "strong");
        assert_eq!(
            expand("%{ir}.%{v}._spf.%{d2}", "192.0.2.3"),
            "3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(
            expand("%{lr-}.lp._spf.%{d2}", "192.0.2.3"),
            "bad.strong.lp._spf.example.com"
        );
        assert_eq!(
            expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
        assert_eq!(
            expand("%{S}", "192.0.2.3"),
            "strong-bad%40email.example.com"
        );
    }

    #[test]
    fn malformed_macros_are_errors() {
        for text in ["%{x}", "%{d0}", "%{", "%a", "%{d2q}"] {
            assert!(
                MacroString::parse(text, Context::DomainSpec).is_err(),
                "{text}"
            );
        }
        assert!(MacroString::parse("%{c}", Context::DomainSpec).is_err());
        assert!(MacroString::parse("%{c}", Context::Explanation).is_ok());
        assert!(MacroString::parse("a b", Context::DomainSpec).is_err());
    }
}

//! Tag lists (`v=DKIM1; k=rsa; p=…`), the syntax DKIM key records (RFC 6376 §3.2) and
//! DMARC records share. Parsing never panics.

/// The tags in order. Errors: a malformed tag, a duplicate tag.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for (index, spec) in text.split(';').enumerate() {
        let spec = spec.trim_matches([' ', '\t', '\r', '\n']);
        if spec.is_empty() {
            // A trailing `;` is allowed; an empty spec elsewhere is tolerated too.
            continue;
        }
        let Some((name, value)) = spec.split_once('=') else {
            return Err(format!("`{spec}` is not tag=value (tag {})", index + 1));
        };
        let name = name.trim_matches([' ', '\t', '\r', '\n']);
        let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(format!("`{name}` is not a tag name"));
        }
        let value = value.trim_matches([' ', '\t', '\r', '\n']);
        if let Some(bad) = value
            .chars()
            .find(|c| !(is_value_char(*c) || " \t\r\n".contains(*c)))
        {
            return Err(format!("tag `{name}` holds {bad:?}"));
        }
        if tags.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(format!("tag `{name}` appears twice"));
        }
        tags.push((name.to_string(), value.to_string()));
    }
    Ok(tags)
}

/// RFC 6376 VALCHAR: visible ASCII but `;`.
fn is_value_char(c: char) -> bool {
    ('\x21'..='\x7e').contains(&c) && c != ';'
}

/// The value of `name` (tag names compared without case).
pub fn get<'t>(tags: &'t [(String, String)], name: &str) -> Option<&'t str> {
    tags.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let tags = parse("v=DKIM1; k=rsa; p=MIIB AQAB ;").unwrap();
        assert_eq!(get(&tags, "K"), Some("rsa"));
        assert_eq!(get(&tags, "p"), Some("MIIB AQAB"));
        assert!(parse("v=DKIM1; v=DKIM1").is_err());
        assert!(parse("v=DKIM1; 1x=y").is_err());
        assert!(parse("v=DKIM1; novalue").is_err());
        assert_eq!(parse("").unwrap(), vec![]);
    }
}

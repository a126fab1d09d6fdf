//! `${VAR}` interpolation for secret-bearing values: secrets stay out of the profile file.

/// Replaces every `${NAME}` in `text` with the variable's value from `lookup`.
/// A missing variable is an error naming it: an empty token must never be sent.
/// `$$` stands for a literal `$`.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let Some(end) = tail.find('}') else {
                return Err("`${` without a closing `}`".to_string());
            };
            let name = &tail[..end];
            if !is_variable_name(name) {
                return Err(format!(
                    "`${{{name}}}` is not a variable reference: names are letters, digits and `_`, not starting with a digit"
                ));
            }
            match lookup(name) {
                Some(value) if !value.is_empty() => out.push_str(&value),
                Some(_) => return Err(format!("environment variable `{name}` is empty")),
                None => return Err(format!("environment variable `{name}` is not set")),
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::interpolate;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cret".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn replaces_references_and_escapes() {
        assert_eq!(
            interpolate("Bearer ${TOKEN}", &env).unwrap(),
            "Bearer s3cret"
        );
        assert_eq!(interpolate("a$$b $x", &env).unwrap(), "a$b $x");
        assert_eq!(interpolate("plain", &env).unwrap(), "plain");
    }

    #[test]
    fn missing_empty_and_malformed_references_are_errors() {
        assert!(
            interpolate("${NOPE}", &env)
                .unwrap_err()
                .contains("`NOPE` is not set")
        );
        assert!(interpolate("${EMPTY}", &env).unwrap_err().contains("empty"));
        assert!(interpolate("${TOKEN", &env).is_err());
        assert!(interpolate("${1X}", &env).is_err());
    }
}

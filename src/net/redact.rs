//! Keeps secrets out of every output: the profile's own credentials, and credential-shaped
//! values seen in responses (bearer tokens, JWTs, cookies, `"token": "…"` fields).

use std::sync::{Arc, OnceLock, RwLock};

use regex::Regex;

pub const MASK: &str = "[REDACTED]";

/// Replaces known secrets and credential-shaped values with [`MASK`]. Clones share one
/// list, so a credential obtained mid-audit (a login) is masked everywhere from then on.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is masked whole.
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let redactor = Redactor::default();
        for secret in secrets {
            redactor.add(secret);
        }
        redactor
    }

    /// Masks `secret` from now on.
    pub fn add(&self, secret: String) {
        // Masking a one-letter "secret" everywhere would destroy the report and protect nothing.
        if secret.len() < 4 {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if !secrets.contains(&secret) {
            secrets.push(secret);
            secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        }
    }

    /// Every secret it masks by value: the profile's, and those learnt during the audit.
    pub fn known(&self) -> Vec<String> {
        self.secrets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        for (pattern, keep) in patterns() {
            out = pattern
                .replace_all(&out, |caps: &regex::Captures<'_>| {
                    let whole = caps.get(0).map_or("", |m| m.as_str());
                    let end = caps.get(0).map_or(0, |m| m.end());
                    // `Basic realm="staging"`: a challenge's parameter (name="value") is no
                    // credential, though its name is shaped like one. Only the names RFC
                    // 9110, 6750 and 7616 define, so a padded base64 token is still masked.
                    if out[end..].starts_with('"') && is_challenge_parameter(whole) {
                        return whole.to_string();
                    }
                    let kept = match keep {
                        Some(group) => caps.get(*group).map_or("", |m| m.as_str()),
                        None => "",
                    };
                    format!("{kept}{MASK}")
                })
                .into_owned();
        }
        out
    }
}

/// Whether `matched` ends in the name of a challenge parameter and its `=`.
fn is_challenge_parameter(matched: &str) -> bool {
    const NAMES: &[&str] = &[
        "realm=",
        "charset=",
        "error=",
        "error_description=",
        "error_uri=",
        "scope=",
        "nonce=",
        "opaque=",
        "algorithm=",
        "qop=",
        "domain=",
        "stale=",
    ];
    let last = matched
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    NAMES.contains(&last.as_str())
}

/// Credential shapes; each keeps its capture group N (the label, e.g. `Bearer `), if any,
/// and masks the rest of the match.
fn patterns() -> &'static [(Regex, Option<usize>)] {
    static PATTERNS: OnceLock<Vec<(Regex, Option<usize>)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            // A JWT anywhere.
            (r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", None),
            // Authorization schemes.
            (r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{6,}", Some(1)),
            // Any other scheme, only where it is plainly an Authorization header.
            (r"(?i)(authorization:\s*[A-Za-z]+\s+)\S{6,}", Some(1)),
            // Cookie headers: name=value pairs after Set-Cookie:/Cookie:.
            (r"(?i)((?:set-)?cookie:\s*[^=;\s]+=)[^;\s]+", Some(1)),
            // JSON fields named like credentials: the name quoted, as JSON writes it. Prose
            // ("`/session`: missing", "forgot-password: limited") is no field.
            (
                r#"(?i)("(?:access_token|refresh_token|id_token|token|password|passwd|secret|client_secret|api_key|apikey|session|sessionid|authorization)"\s*:\s*"?)([^"`\s,;&}]{4,})"#,
                Some(1),
            ),
            // Form and query fields: `name=value`, nothing between them.
            (
                r#"(?i)(\b(?:access_token|refresh_token|id_token|token|password|passwd|secret|client_secret|api_key|apikey|session|sessionid)=)([^"`\s,;&}]{4,})"#,
                Some(1),
            ),
        ]
        .into_iter()
        .map(|(source, keep)| (Regex::new(source).expect("static pattern"), keep))
        .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_profile_secrets_and_credential_shapes() {
        let redactor = Redactor::new(["la_demo_secret_token".to_string(), "x".to_string()]);
        let text = r#"{"echo":"la_demo_secret_token","access_token":"abc123def","x":1} Authorization: Bearer zzzzzzzzzz Set-Cookie: sid=abcdef; HttpOnly"#;
        let out = redactor.redact(text);
        assert!(!out.contains("la_demo_secret_token"), "{out}");
        assert!(!out.contains("abc123def"), "{out}");
        assert!(!out.contains("zzzzzzzzzz"), "{out}");
        assert!(!out.contains("abcdef"), "{out}");
        assert!(
            out.contains("\"x\":1"),
            "short secrets are not masked everywhere: {out}"
        );
        assert!(out.contains("HttpOnly"));
        let prose = "sent in an X-Auth-Token header; Authorization: Token abcdefgh";
        let out = redactor.redact(prose);
        assert!(out.starts_with("sent in an X-Auth-Token header;"), "{out}");
        assert!(!out.contains("abcdefgh"), "{out}");
    }

    #[test]
    fn an_auth_challenge_parameter_is_not_a_credential() {
        let out = Redactor::default().redact(r#"401 `WWW-Authenticate: Basic realm="staging"`"#);
        assert_eq!(out, r#"401 `WWW-Authenticate: Basic realm="staging"`"#);
        let out = Redactor::default().redact("Authorization: Basic c3RhZmY6bGF1bmNoLWF1ZGl0");
        assert!(!out.contains("c3RhZmY6"), "{out}");
        // A padded token right before a quote (a JSON echo) is still a token.
        let out = Redactor::default().redact(r#"{"echo":"Basic YWJjZGU="}"#);
        assert!(!out.contains("YWJjZGU"), "{out}");
    }

    #[test]
    fn secrets_are_masked_and_the_words_around_them_kept() {
        // Fixed "random" secrets, each placed after every label the reports use in prose.
        let secrets = [
            "s3cr3t-Value_0042",
            "la_demo_secret_token",
            "QmFzZTY0U2VjcmV0PT0",
            "hunter2hunter2",
        ];
        let labels = [
            "session:",
            "token:",
            "limited",
            "`/session`:",
            "forgot-password:",
            "password:",
            "secret",
            "api_key:",
            "Set-Cookie:",
            "",
        ];
        let redactor = Redactor::new(secrets.iter().map(ToString::to_string));
        for secret in secrets {
            for label in labels {
                for text in [
                    format!("{label} {secret}"),
                    format!("{label} {secret} limited"),
                    format!("`/session`: missing; {label} {secret}; forgot-password: limited"),
                ] {
                    let out = redactor.redact(&text);
                    assert!(!out.contains(secret), "{text} → {out}");
                    let expected = text.replace(secret, MASK);
                    assert_eq!(out, expected, "only the secret is masked in {text:?}");
                }
            }
        }
        // Prose with no secret in it is left alone.
        for prose in [
            "`/session`: missing",
            "forgot-password: limited at attempt 11",
            "token: none was issued",
            "302 in 17 ms",
        ] {
            assert_eq!(Redactor::default().redact(prose), prose);
        }
        // A value ends where the prose quoting it does.
        let out =
            Redactor::default().redact("302 to `https://x.test/steal?token=abcd1234`: set it");
        assert_eq!(
            out,
            format!("302 to `https://x.test/steal?token={MASK}`: set it")
        );
        // A credential-named field is still masked in JSON and forms.
        let out = Redactor::default().redact(r#"{"session": "abcd1234efgh"} password=letmein99"#);
        assert!(
            !out.contains("abcd1234efgh") && !out.contains("letmein99"),
            "{out}"
        );
    }

    #[test]
    fn masks_jwts() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        let out = Redactor::default().redact(&format!("saw {jwt} in body"));
        assert_eq!(out, format!("saw {MASK} in body"));
    }
}

//! What to look for in the logs: every secret the audit holds, in each form a log line may
//! carry it. Plain; percent-encoded (a query string or form body); base64 and base64url at
//! each of the three alignments a secret can sit at inside a longer encoded value (an
//! `Authorization: Basic` header holds `user:password`); and for a JWT, its signature and
//! payload segments on their own.

use base64::Engine as _;

/// Secrets shorter than this are not looked for: they would match by chance.
pub const MIN_SECRET_CHARS: usize = 8;
/// Encoded fragments shorter than this are not looked for, for the same reason.
const MIN_FRAGMENT_CHARS: usize = 12;

/// A secret the audit holds, with what evidence calls it.
#[derive(Clone, Debug)]
pub struct Known {
    /// `the token of alice`, `a password from the profile`.
    pub label: String,
    pub value: String,
    /// An identity's credential, which `auth.token-in-url` puts in query strings on purpose.
    pub credential: bool,
}

/// How a secret appears in a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Plain,
    PercentEncoded,
    Base64,
    JwtSegment,
}

impl Form {
    pub fn describe(self) -> &'static str {
        match self {
            Form::Plain => "as sent",
            Form::PercentEncoded => "percent-encoded",
            Form::Base64 => "inside base64",
            Form::JwtSegment => "a segment of the JWT",
        }
    }
}

/// One string to search for.
#[derive(Clone, Debug)]
pub struct Needle {
    pub text: String,
    /// Index into the [`Known`] list.
    pub secret: usize,
    pub form: Form,
}

/// Every needle for `secrets`, deduplicated.
pub fn needles(secrets: &[Known]) -> Vec<Needle> {
    let mut out: Vec<Needle> = Vec::new();
    let mut push = |text: String, secret: usize, form: Form| {
        if !out.iter().any(|n| n.text == text) {
            out.push(Needle { text, secret, form });
        }
    };
    for (i, known) in secrets.iter().enumerate() {
        let value = known.value.as_str();
        if value.chars().count() < MIN_SECRET_CHARS {
            continue;
        }
        push(value.to_string(), i, Form::Plain);
        let encoded: String =
            url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
        if encoded != value {
            push(encoded.clone(), i, Form::PercentEncoded);
            // `%20` rather than `+` for a space, as a path or a strict encoder writes it.
            push(encoded.replace('+', "%20"), i, Form::PercentEncoded);
        }
        for fragment in base64_fragments(value.as_bytes()) {
            push(fragment, i, Form::Base64);
        }
        let segments: Vec<&str> = value.split('.').collect();
        if segments.len() == 3 && segments.iter().all(|s| !s.is_empty()) {
            for segment in &segments[1..] {
                if segment.len() >= MIN_FRAGMENT_CHARS * 2 {
                    push((*segment).to_string(), i, Form::JwtSegment);
                }
            }
        }
    }
    out
}

/// The part of `secret`'s base64 that does not depend on its neighbours, at each of the
/// three byte alignments, in both alphabets.
fn base64_fragments(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for engine in [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for offset in 0..3usize {
            let mut padded = vec![0u8; offset];
            padded.extend_from_slice(secret);
            let encoded = engine.encode(&padded);
            // Characters that mix in the zero bytes before it, or the padding after it.
            let skip = match offset {
                0 => 0,
                1 => 2,
                _ => 3,
            };
            let total_bits = padded.len() * 8;
            let keep_end = total_bits / 6;
            if keep_end <= skip {
                continue;
            }
            let fragment = &encoded[skip..keep_end.min(encoded.len())];
            if fragment.len() >= MIN_FRAGMENT_CHARS && !out.iter().any(|f| f == fragment) {
                out.push(fragment.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(value: &str) -> Vec<Known> {
        vec![Known {
            label: "x".into(),
            value: value.into(),
            credential: false,
        }]
    }

    fn found(line: &str, value: &str) -> Option<Form> {
        needles(&known(value))
            .into_iter()
            .find(|n| line.contains(&n.text))
            .map(|n| n.form)
    }

    #[test]
    fn a_password_inside_basic_auth_is_found_at_any_alignment() {
        let password = "correct-horse-battery-staple";
        for user in ["a", "ab", "abc", "alice@acme.test"] {
            let header =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            assert_eq!(
                found(&format!("Authorization: Basic {header}"), password),
                Some(Form::Base64),
                "user {user}"
            );
        }
    }

    #[test]
    fn percent_encoded_and_jwt_segments_are_found() {
        assert_eq!(
            found(
                "POST /login email=a%40b&password=p%40ss+w0rd%21",
                "p@ss w0rd!"
            ),
            Some(Form::PercentEncoded)
        );
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJtZW1iZXIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";
        let payload = jwt.split('.').nth(1).unwrap();
        assert_eq!(
            found(&format!("claims={payload}"), jwt),
            Some(Form::JwtSegment)
        );
        assert_eq!(found("nothing here", jwt), None);
        // Too short to look for without matching by chance.
        assert_eq!(found("pw=abc123", "abc123"), None);
    }
}

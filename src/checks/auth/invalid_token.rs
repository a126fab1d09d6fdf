//! `auth.invalid-token`: garbage, empty, wrong-scheme, truncated and padded tokens are refused.
//! A whole `Basic …` header has its password cut and padded, not its encoding.

use super::{OpenRoutes, must_refuse_everywhere, needs_required_routes, place};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::Credential;
use crate::profile::{Profile, Scheme};
use crate::result::Finding;

pub struct InvalidToken;

/// The malformed credentials sent in place of a real one.
fn variants(scheme: &Scheme, token: &str) -> Vec<(&'static str, Credential)> {
    let cut = token.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    let (truncated, padded) = match basic_password_changed(token) {
        // HTTP Basic: base64 decoders ignore what follows the padding, so bytes appended
        // to the encoding test nothing; the password inside is cut and padded instead.
        Some(changed) => changed,
        None => (token[..cut].to_string(), format!("{token}AAAA")),
    };
    let mut out = vec![
        (
            "a garbage token",
            place(scheme, "launch-audit-garbage-token-8f3a1c"),
        ),
        ("an empty token", place(scheme, "")),
        ("a truncated token", place(scheme, &truncated)),
        ("a padded token", place(scheme, &padded)),
    ];
    if *scheme == Scheme::Bearer {
        out.push((
            "the token under the `Basic` scheme",
            Credential::Authorization(format!("Basic {token}")),
        ));
        out.push((
            "the token under a `Token` scheme",
            Credential::Authorization(format!("Token {token}")),
        ));
    }
    out
}

/// For a whole `Basic base64(user:password)` header value: the same user with the
/// password cut by its last character, and with `AAAA` appended, re-encoded.
fn basic_password_changed(token: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = token
        .strip_prefix("Basic ")
        .or_else(|| token.strip_prefix("basic "))?;
    let engine = base64::engine::general_purpose::STANDARD;
    let decoded = String::from_utf8(engine.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    let mut shorter = password.to_string();
    shorter.pop()?;
    let basic = |password: &str| format!("Basic {}", engine.encode(format!("{user}:{password}")));
    Some((basic(&shorter), basic(&format!("{password}AAAA"))))
}

impl Check for InvalidToken {
    fn id(&self) -> &str {
        "auth.invalid-token"
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_required_routes(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let observations = must_refuse_everywhere(
                ctx,
                OpenRoutes::LeftToUnauthenticated,
                |control, target, token| {
                    variants(&control.identity.scheme, token)
                        .into_iter()
                        .map(|(what, credential)| {
                            (
                                format!("{target} with {what} (from {})", control.identity.name),
                                Some(credential),
                            )
                        })
                        .collect()
                },
            )
            .await;
            let mut finding = Finding::from_observations(observations);
            finding.coverage = Some(super::required_coverage(ctx));
            finding
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_change_the_password_not_the_encoding() {
        // alice:s3cret
        let (truncated, padded) =
            basic_password_changed("Basic YWxpY2U6czNjcmV0").expect("basic credentials");
        assert_eq!(truncated, "Basic YWxpY2U6czNjcmU="); // alice:s3cre
        assert_eq!(padded, "Basic YWxpY2U6czNjcmV0QUFBQQ=="); // alice:s3cretAAAA
        assert_eq!(basic_password_changed("eyJhbGciOi.e30.sig"), None);
    }
}

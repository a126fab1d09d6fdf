//! Webhooks family: `webhooks.signature`, `webhooks.replay`, per `[[webhooks]]` entry.
//! Events are signed here exactly as each provider signs them, so the endpoint's own
//! verification code is what gets tested.

pub mod cfg;

mod replay;
mod signature;

pub use replay::Replay;
pub use signature::Signature;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;

use crate::check::Applicability;
use crate::checks::webhooks::cfg::{Webhook, WebhookScheme};
use crate::ctx::Ctx;
use crate::net::{Fetched, HttpError, HttpRequest};
use crate::profile::Profile;

fn needs_webhooks(profile: &Profile) -> Applicability {
    if profile.webhooks.is_empty() {
        crate::checks::absent_or_skip(
            profile,
            crate::profile::Absent::Webhooks,
            "webhooks",
            "declare each endpoint that receives signed events",
        )
    } else {
        Applicability::Run
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A sample event with a fresh id: `launch_audit.probe`, harmless to any handler.
pub fn sample_event(created: u64) -> (String, Vec<u8>) {
    let id = format!(
        "evt_launchaudit_{}",
        super::ai::fresh_token()
            .trim_start_matches("LA-")
            .to_ascii_lowercase()
    );
    let body = serde_json::json!({ "id": id, "type": "launch_audit.probe", "created": created, "data": { "object": { "note": "sent by launch-audit" } } });
    (id, serde_json::to_vec(&body).unwrap_or_default())
}

fn hmac(secret: &[u8], message: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::sign(&key, message).as_ref().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature header (name, value) for `body` signed with `secret` at `timestamp`.
pub fn sign(hook: &Webhook, secret: &[u8], timestamp: u64, body: &[u8]) -> (String, String) {
    match hook.scheme {
        WebhookScheme::Stripe => {
            let signed = [format!("{timestamp}.").as_bytes(), body].concat();
            (
                "Stripe-Signature".into(),
                format!("t={timestamp},v1={}", hex(&hmac(secret, &signed))),
            )
        }
        WebhookScheme::Github => (
            "X-Hub-Signature-256".into(),
            format!("sha256={}", hex(&hmac(secret, body))),
        ),
        WebhookScheme::HmacSha256 => {
            let mac = hmac(secret, body);
            let value = if hook.base64 {
                base64::engine::general_purpose::STANDARD.encode(mac)
            } else {
                hex(&mac)
            };
            (hook.header.clone(), value)
        }
    }
}

/// Delivers `body` to the webhook with `signature` (none: unsigned).
pub async fn deliver(
    ctx: &Ctx,
    hook: &Webhook,
    body: &[u8],
    signature: Option<(String, String)>,
) -> Result<Fetched, HttpError> {
    let url = ctx
        .profile
        .url_for(&hook.path)
        .map_err(|e| HttpError::Transport(e.to_string()))?;
    let mut request = HttpRequest::new(crate::profile::Method::Post, url)
        .with_raw("application/json", body.to_vec());
    if let Some((name, value)) = signature {
        request = request.with_header(&name, value);
    }
    ctx.http.send(&request).await
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(Replay), Registered::one(Signature)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Secret;

    /// Stripe's documented construction: HMAC-SHA256 of `t.payload`, hex, in `v1=`.
    #[test]
    fn stripe_signature_is_hmac_of_timestamp_dot_body() {
        let hook = Webhook {
            name: "s".into(),
            path: "/w".into(),
            scheme: WebhookScheme::Stripe,
            secret: Secret::for_tests("whsec_test"),
            header: String::new(),
            base64: false,
            tolerance: std::time::Duration::from_secs(300),
        };
        let (name, value) = sign(&hook, b"whsec_test", 1_700_000_000, b"{}");
        assert_eq!(name, "Stripe-Signature");
        let expected = hex(&hmac(b"whsec_test", b"1700000000.{}"));
        assert_eq!(value, format!("t=1700000000,v1={expected}"));
    }
}

//! `[[webhooks]]`: the app's webhook receivers and how their senders sign.
//! The family owns its section: shape, defaults, validation.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::secret::Secret;
use crate::profile::target::Absent;
use crate::profile::target::Target;
use crate::profile::validator::Validator;

#[derive(Debug)]
pub struct Webhook {
    pub name: String,
    pub path: String,
    pub scheme: WebhookScheme,
    pub secret: Secret,
    pub header: String,
    pub base64: bool,
    pub tolerance: Duration,
}

/// An endpoint that receives signed events from a provider.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    pub name: Option<String>,
    pub path: Spanned<String>,
    pub scheme: WebhookScheme,
    pub secret: Spanned<String>,
    /// `hmac-sha256` only: the signature header (default `X-Signature`).
    pub header: Option<String>,
    /// `hmac-sha256` only: `hex` (default) or `base64`.
    pub encoding: Option<Spanned<String>>,
    /// How old a signed event may be (Stripe's default 300 s).
    pub tolerance: Option<Spanned<String>>,
}

/// How a provider signs its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WebhookScheme {
    /// `Stripe-Signature: t=…,v1=…` over `t.body`.
    Stripe,
    /// `X-Hub-Signature-256: sha256=…` over the body.
    Github,
    /// A header of your choice carrying HMAC-SHA256 of the body.
    HmacSha256,
}

/// `[[webhooks]]`, validated: each path, its secret, the signature's encoding and tolerance.
pub(crate) fn validate(
    raw: Vec<RawWebhook>,
    target: &Target,
    v: &mut Validator<'_>,
) -> Vec<Webhook> {
    raw
        .into_iter()
        .enumerate()
        .map(|(i, hook)| {
            let key = format!("webhooks[{i}]");
            if target.has_no.contains(&Absent::Webhooks) {
                v.blame(
                    &hook.path,
                    &format!("{key}.path"),
                    "[target] has_no says the app has no webhooks, yet one is declared: remove one of the two",
                );
            }
            if !hook.path.get_ref().starts_with('/') {
                v.blame(
                    &hook.path,
                    &format!("{key}.path"),
                    "expected a path starting with `/`",
                );
            }
            let secret = v.secret(&hook.secret, &format!("{key}.secret"));
            let base64 = match hook.encoding.as_ref().map(|e| e.get_ref().as_str()) {
                None | Some("hex") => false,
                Some("base64") => true,
                Some(other) => {
                    let encoding = hook.encoding.as_ref().expect("matched Some");
                    v.blame(
                        encoding,
                        &format!("{key}.encoding"),
                        format!("`{other}`: expected hex or base64"),
                    );
                    false
                }
            };
            let tolerance = hook
                .tolerance
                .as_ref()
                .and_then(|t| v.duration(t, &format!("{key}.tolerance")))
                .unwrap_or(Duration::from_secs(300));
            Webhook {
                name: hook.name.unwrap_or_else(|| hook.path.get_ref().clone()),
                path: hook.path.into_inner(),
                scheme: hook.scheme,
                secret,
                header: hook.header.unwrap_or_else(|| "X-Signature".into()),
                base64,
                tolerance,
            }
        })
        .collect()
}

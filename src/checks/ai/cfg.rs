//! `[[ai_endpoints]]`: the AI endpoints the probes send injection and exfiltration attempts to.
//! The family owns its section: shape, defaults, validation.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::identity::Identity;
use crate::profile::routes::Method;
use crate::profile::routes::json_strings;
use crate::profile::secret::Secret;
use crate::profile::validator::Validator;
use crate::profile::validator::list_or_none;

/// Requests one AI endpoint may receive in one audit, whatever the profile says.
pub const AI_MAX_REQUESTS: u32 = 40;

#[derive(Debug)]
pub struct AiEndpoint {
    pub name: String,
    pub method: Method,
    pub path: String,
    pub identity: String,
    pub input: AiInput,
    pub answer: AiAnswer,
    pub history: bool,
    pub system_prompt_canary: Option<Secret>,
    /// (tenant, marker)
    pub tenant_canary: Option<(String, Secret)>,
    /// Whether the endpoint can act, and how the tool probes see it.
    pub tools: AiTools,
    pub max_requests: u32,
}

/// What the profile says about an AI endpoint's tools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AiTools {
    /// Nothing: whether it can act is not known (ai.tool-abuse SKIPs).
    Unstated,
    /// `tools = false`: it cannot act (ai.tool-abuse is N/A).
    None,
    /// It can act; this path is read before and after the tool probes.
    Verify(String),
}

#[derive(Debug, Clone)]
pub enum AiInput {
    /// A JSON body with `{{input}}` in its strings.
    Json(serde_json::Value),
    /// A form field.
    Form(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiAnswer {
    Pointer(String),
    Text,
    /// Server-sent events, `data:` payloads concatenated.
    Sse,
}

/// An endpoint backed by a language model.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAiEndpoint {
    pub name: String,
    #[serde(default = "crate::profile::routes::post")]
    pub method: Method,
    pub path: Spanned<String>,
    /// Whom the probes act as.
    pub identity: Spanned<String>,
    /// JSON body whose strings may hold the `{{input}}` slot.
    pub body: Option<toml::Table>,
    /// Or: a form field that carries the input.
    pub form_field: Option<String>,
    /// Where the answer is: a JSON pointer (`/reply`), `text` (the body), or `sse`.
    #[serde(default = "text")]
    pub answer: Spanned<String>,
    /// The endpoint keeps the conversation between requests (multi-turn probes apply).
    #[serde(default)]
    pub history: bool,
    /// A phrase that appears only in the system prompt.
    pub system_prompt_canary: Option<Spanned<String>>,
    /// A marker stored in another tenant's data.
    pub tenant_canary: Option<RawTenantCanary>,
    /// Whether the endpoint can call tools (actions on the app): `false`, or the path to
    /// read before and after the tool probes. Silence decides nothing (ai.tool-abuse SKIPs).
    pub tools: Option<Spanned<RawAiToolsSetting>>,
    /// At most this many requests to the endpoint (capped at 40).
    pub max_requests: Option<u32>,
}

fn text() -> Spanned<String> {
    Spanned::new(0..0, "text".to_string())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTenantCanary {
    /// The tenant whose data holds the marker.
    pub tenant: Spanned<String>,
    pub marker: Spanned<String>,
}

/// `tools = false` (the endpoint cannot act) or `tools = { verify_path = "…" }`.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected `tools = false` or `tools = { verify_path = \"/api/me\" }`"
)]
pub enum RawAiToolsSetting {
    // Plain values inside: an untagged enum buffers its input, which toml's spans do not
    // survive; the span is taken around the whole setting instead.
    Has(bool),
    Verify(RawAiTools),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAiTools {
    /// A path read as the identity before and after the tool probes: any change is an
    /// action the caller was not entitled to.
    pub verify_path: String,
}

impl Validator<'_> {
    pub(crate) fn ai_endpoint(
        &mut self,
        raw: RawAiEndpoint,
        key: &str,
        identities: &BTreeMap<String, Identity>,
        tenants: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Option<AiEndpoint> {
        if !raw.path.get_ref().starts_with('/') {
            self.blame(
                &raw.path,
                &format!("{key}.path"),
                "expected a path starting with `/`",
            );
        }
        if !identities.contains_key(raw.identity.get_ref()) {
            self.blame(
                &raw.identity,
                &format!("{key}.identity"),
                format!(
                    "no identity `{}`: expected one of the [identities.*] tables ({})",
                    raw.identity.get_ref(),
                    list_or_none(identities.keys())
                ),
            );
        }
        let input = match (raw.body, raw.form_field) {
            (Some(body), None) => {
                let value = serde_json::to_value(body).unwrap_or_default();
                let mut slots = 0;
                json_strings(&value, &mut |s| slots += s.matches("{{input}}").count());
                if slots == 0 {
                    self.blame(
                        &raw.path,
                        &format!("{key}.body"),
                        "the body has no `{{input}}` slot for the probe text",
                    );
                }
                AiInput::Json(value)
            }
            (None, Some(field)) => AiInput::Form(field),
            _ => {
                self.blame(
                    &raw.path,
                    key,
                    "give a JSON `body` with an `{{input}}` slot, or a `form_field`",
                );
                return None;
            }
        };
        let answer = match raw.answer.get_ref().as_str() {
            "text" => AiAnswer::Text,
            "sse" => AiAnswer::Sse,
            pointer if pointer.starts_with('/') => AiAnswer::Pointer(pointer.to_string()),
            other => {
                self.blame(
                    &raw.answer,
                    &format!("{key}.answer"),
                    format!("`{other}`: expected a JSON pointer (`/reply`), `text` or `sse`"),
                );
                AiAnswer::Text
            }
        };
        // Canaries must never be printed whole: they are secrets to the redactor too.
        let tenant_canary = raw.tenant_canary.map(|canary| {
            if !tenants.contains_key(canary.tenant.get_ref()) {
                self.blame(
                    &canary.tenant,
                    &format!("{key}.tenant_canary.tenant"),
                    format!("no tenant `{}`", canary.tenant.get_ref()),
                );
            }
            let marker = self.secret(&canary.marker, &format!("{key}.tenant_canary.marker"));
            self.extra_secrets.push(marker.clone());
            (canary.tenant.into_inner(), marker)
        });
        let system_prompt_canary = raw.system_prompt_canary.as_ref().map(|canary| {
            let canary = self.secret(canary, &format!("{key}.system_prompt_canary"));
            self.extra_secrets.push(canary.clone());
            canary
        });
        let max_requests = raw
            .max_requests
            .unwrap_or(AI_MAX_REQUESTS)
            .min(AI_MAX_REQUESTS);
        let tools = match raw.tools.map(|t| (t.span(), t.into_inner())) {
            None => AiTools::Unstated,
            Some((_, RawAiToolsSetting::Verify(tools))) => AiTools::Verify(tools.verify_path),
            Some((_, RawAiToolsSetting::Has(false))) => AiTools::None,
            Some((span, RawAiToolsSetting::Has(true))) => {
                self.errors.push(self.locator.error(
                    Some(span),
                    format!("{key}.tools"),
                    "`tools = true` needs the path the tool probes read before and after: tools = { verify_path = \"/api/me\" }".to_string(),
                ));
                AiTools::Unstated
            }
        };
        Some(AiEndpoint {
            name: raw.name,
            method: raw.method,
            path: raw.path.into_inner(),
            identity: raw.identity.into_inner(),
            input,
            answer,
            history: raw.history,
            system_prompt_canary,
            tenant_canary,
            tools,
            max_requests,
        })
    }
}

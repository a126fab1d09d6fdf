//! The profile exactly as written: serde shapes with `deny_unknown_fields`, keeping the
//! spans of the values validation may blame. `super::validate` turns these into `Profile`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub target: RawTarget,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub identities: BTreeMap<String, RawIdentity>,
    /// Tenant name → the values its route placeholders take (`community_id = "101"`).
    #[serde(default)]
    pub tenants: BTreeMap<String, BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    pub routes: Vec<RawRoute>,
    pub health: Option<RawHealth>,
    #[serde(default)]
    pub auth: RawAuth,
    pub session: Option<RawSession>,
    #[serde(default)]
    pub email: RawEmail,
    #[serde(default)]
    pub dns: RawDns,
    #[serde(default)]
    pub ai_endpoints: Vec<RawAiEndpoint>,
    #[serde(default)]
    pub webhooks: Vec<RawWebhook>,
    #[serde(default)]
    pub tls: RawTls,
    #[serde(default)]
    pub redirects: RawRedirects,
    #[serde(default)]
    pub waivers: Vec<RawWaiver>,
    #[serde(default)]
    pub rate_limits: Vec<RawRateLimit>,
    pub latency: Option<RawLatency>,
    pub source: Option<RawSource>,
    /// Owned by the logs family.
    pub logs: Option<crate::checks::logs::cfg::RawLogs>,
    /// Owned by the admin family.
    pub audit_trail: Option<crate::checks::admin::cfg::RawAuditTrail>,
    /// Owned by the journeys family: where mail is read, the journeys, their links.
    pub mail: Option<crate::checks::journeys::cfg::RawMail>,
    #[serde(default)]
    pub journeys: Vec<crate::checks::journeys::cfg::RawJourney>,
    #[serde(default)]
    pub tokens: Vec<crate::checks::journeys::cfg::RawToken>,
    /// Handover item (`rollback-plan`) → who answered for it.
    #[serde(default)]
    pub attest: BTreeMap<String, RawAttestation>,
}

/// The application's own repository, for `secrets.repository`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// A git repository (its top level or a directory in it), relative to the profile.
    pub path: Spanned<String>,
    /// Scan every commit of every ref too (default true).
    pub history: Option<bool>,
}

/// A person's word that a handover item no probe can see is in place.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttestation {
    /// Who answers for it.
    pub by: Spanned<String>,
    /// When they checked, a date.
    pub on: Spanned<toml::value::Datetime>,
    /// Where it is written down (runbook, dashboard).
    pub link: Option<Spanned<String>>,
    pub note: Option<String>,
}

/// An accepted risk: a check's FAIL or WARN shown as WAIVED until `expires`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    /// A check id (or a family).
    pub check: Spanned<String>,
    /// Only the observations about this route path (e.g. `/api/legacy/status`).
    pub route: Option<String>,
    /// Only the observations about this host.
    pub host: Option<String>,
    pub reason: Spanned<String>,
    /// A date, `2026-12-31`: from the next day on the waiver is ignored and reported.
    pub expires: Spanned<toml::value::Datetime>,
}

/// What the TLS checks look at beyond the profile's own URLs, and their thresholds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    /// More `https://` hosts to inspect (status page, marketing site, API host).
    #[serde(default)]
    pub hosts: Vec<Spanned<String>>,
    pub expiry_warn_days: Option<Spanned<i64>>,
    pub expiry_fail_days: Option<Spanned<i64>>,
}

/// Redirect limits and where return URLs are taken.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedirects {
    /// Hops an entry point may take to reach `canonical`.
    pub max_hops: Option<Spanned<i64>>,
    /// Paths that take a return URL (login, logout, OAuth callbacks).
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
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

/// An endpoint backed by a language model.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAiEndpoint {
    pub name: String,
    #[serde(default = "post")]
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

/// What the email checks need beyond `[target] domain`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmail {
    /// DKIM selectors in use (the `s=` of a sent message's DKIM-Signature).
    #[serde(default)]
    pub dkim_selectors: Vec<Spanned<String>>,
    /// Who sends mail as the domain: IP addresses, or `include:domain` of a provider.
    #[serde(default)]
    pub senders: Vec<Spanned<String>>,
    /// Where to fetch the MTA-STS policy instead of `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
    pub mta_sts_policy_url: Option<Spanned<String>>,
}

/// Extra names for the DNS checks.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDns {
    /// Subdomains to check for dangling CNAMEs (`blog` or `blog.acme.test`).
    #[serde(default)]
    pub subdomains: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub name: String,
    pub base_url: Spanned<String>,
    pub domain: Option<Spanned<String>>,
    #[serde(default)]
    pub entry_points: Vec<Spanned<String>>,
    pub canonical: Option<Spanned<String>>,
    #[serde(default)]
    pub allowed_origins: Vec<Spanned<String>>,
    /// More pages whose scripts the bundle checks read (paths under base_url).
    #[serde(default)]
    pub pages: Vec<Spanned<String>>,
    /// Other origins that serve the app's scripts (a CDN): fetched, never with credentials.
    #[serde(default)]
    pub asset_hosts: Vec<Spanned<String>>,
    /// Parts the app states it does not have: their checks are N/A, not SKIP.
    #[serde(default)]
    pub has_no: Vec<Absent>,
    #[serde(default)]
    pub environment: Environment,
}

/// A part of an app that a profile can state is absent (`[target] has_no`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Absent {
    /// No endpoint receives signed events.
    Webhooks,
    /// No endpoint puts user text in front of a language model.
    AiEndpoints,
    /// No admin audit log (admin.audit-trail is N/A: say so only if it is true).
    AuditTrail,
}

/// Where the target sits in its life; production tightens what the tool may send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Staging,
    Production,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    #[serde(default)]
    pub nameservers: Vec<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub check_timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    /// A static credential; optional when the identity logs in.
    pub token: Option<Spanned<String>>,
    /// Log in with a request and take the credential from its answer.
    pub login: Option<RawLogin>,
    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4).
    pub client_credentials: Option<RawClientCredentials>,
    pub tenant: Option<Spanned<String>>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// The credential is expired on purpose: `auth.expired-token` uses it, nothing else does.
    #[serde(default)]
    pub expired: bool,
    /// With `expired = true` and a login: the logged-in token expires within this long;
    /// `auth.expired-token` waits for it before probing.
    pub wait_for_expiry: Option<Spanned<String>>,
    /// Send the token in this header instead of `Authorization: Bearer`.
    pub header: Option<Spanned<String>>,
    /// Send the token as this cookie instead of `Authorization: Bearer`.
    pub cookie: Option<Spanned<String>>,
}

/// A login request and where its answer carries the credential.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogin {
    #[serde(default = "post")]
    pub method: Method,
    /// A path under base_url, or a full URL on a host the profile names.
    pub path: Spanned<String>,
    /// JSON body; string values may use `${VAR}`.
    pub json: Option<toml::Table>,
    /// Form body (application/x-www-form-urlencoded); values may use `${VAR}`.
    pub form: Option<toml::Table>,
    /// The credential is the string at this JSON pointer of the answer (`/data/access_token`).
    pub token_pointer: Option<Spanned<String>>,
    /// The credential is this response header's value.
    pub token_header: Option<Spanned<String>>,
    /// The credential is this cookie: the identity then sends it as a cookie.
    pub cookie: Option<Spanned<String>>,
    /// Log in again (at most 3 times an audit) when a request that worked before answers 401.
    #[serde(default)]
    pub relogin: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClientCredentials {
    /// The token endpoint: a path under base_url or a full URL.
    pub token_url: Spanned<String>,
    pub client_id: Spanned<String>,
    pub client_secret: Spanned<String>,
    pub scope: Option<String>,
    /// Ask for a new token when a request that worked before answers 401.
    #[serde(default)]
    pub relogin: bool,
}

/// How the app says "no", and what the JWT checks may know.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuth {
    /// Statuses that mean "refused" (default 401 and 403; any other 4xx counts too, noted).
    pub refusal_statuses: Option<Spanned<Vec<u16>>>,
    /// A redirect to this path is a refusal (server-rendered apps send strangers to login).
    pub login_path: Option<Spanned<String>>,
    /// JSON pointer: a 2xx body with a value here is a refusal (an error envelope).
    pub error_pointer: Option<Spanned<String>>,
    /// PEM public key the app verifies RS256/ES256 tokens with: enables the HS256 confusion probe.
    pub jwt_public_key: Option<Spanned<String>>,
}

/// A login request whose `Set-Cookie` answer `auth.session-cookies` inspects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    #[serde(default = "post")]
    pub method: Method,
    pub path: Spanned<String>,
    /// JSON body; string values may use `${VAR}`.
    pub json: Option<toml::Table>,
}

fn post() -> Method {
    Method::Post
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub name: String,
    #[serde(default)]
    pub method: Method,
    pub path: Spanned<String>,
    pub auth: Auth,
    #[serde(default)]
    pub roles: Vec<String>,
    /// The route answers 404 to those who may not see it: a 404 counts as a refusal.
    #[serde(default)]
    pub hidden: bool,
    /// Query parameters; values may use the route's `{placeholders}`.
    #[serde(default)]
    pub query: BTreeMap<String, Spanned<String>>,
    /// JSON body; string values may use `{placeholders}`.
    pub body: Option<toml::Table>,
    /// Write probes (cross-tenant, role matrix) may use this route's unsafe method.
    #[serde(default)]
    pub allow_writes: bool,
    /// Part of the onboarding path `latency.p95` loads.
    #[serde(default)]
    pub onboarding: bool,
}

/// An endpoint that must be rate-limited (login, signup, password reset, invites, OTP).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    /// Names the check: `ratelimit.<name>`.
    pub name: Spanned<String>,
    #[serde(default = "post")]
    pub method: Method,
    pub path: Spanned<String>,
    pub body: Option<toml::Table>,
    pub form: Option<BTreeMap<String, String>>,
    /// Sent as this identity (default: anonymous).
    pub identity: Option<Spanned<String>>,
    /// A limiting answer must come at or before this attempt (default
    /// [`super::DEFAULT_MAX_ATTEMPTS`], or the burst when it is smaller).
    pub max_attempts: Option<Spanned<i64>>,
    /// Requests sent at most (default 30; never above the code's ceiling).
    pub burst: Option<Spanned<i64>>,
    /// Time between two attempts (default 0: back to back).
    pub pace: Option<Spanned<String>>,
    /// Statuses that mean "limited" besides 429 (423, 503 with Retry-After…).
    #[serde(default)]
    pub limit_statuses: Vec<Spanned<i64>>,
}

/// The open-model load on the onboarding routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    /// The p95 budget (default 500ms).
    pub p95: Option<Spanned<String>>,
    /// Requests per second, at fixed intended times.
    pub rate: Option<Spanned<i64>>,
    pub duration: Option<Spanned<String>>,
    /// Load before measuring, excluded from the figures.
    pub warmup: Option<Spanned<String>>,
    /// Requests in flight at most; an iteration that finds none free is dropped (counted).
    pub max_in_flight: Option<Spanned<i64>>,
    /// Highest acceptable share of failed requests (default 0.01).
    pub max_error_rate: Option<Spanned<f64>>,
}

/// HTTP methods a route may declare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    #[default]
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl Method {
    /// GET, HEAD and OPTIONS change nothing on a well-behaved server.
    pub fn is_safe(self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Options)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

/// Whether a route must refuse anonymous callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    Required,
    Public,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealth {
    pub path: Spanned<String>,
    pub identity: Option<Spanned<String>>,
    pub budget: Option<Spanned<String>>,
}

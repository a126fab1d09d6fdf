//! The target profile: what to audit and with which credentials.
//!
//! Two phases: `raw` deserializes the TOML as written (unknown keys and wrong types are
//! errors with their position), then [`validate`] checks meaning (URLs, durations,
//! references between sections, `${VAR}` secrets) and collects every problem at once.
//! Nothing here touches the network.

mod diag;
mod env;
pub mod raw;
mod unfinished;

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use toml::Spanned;
use url::Url;

pub use diag::{ProfileError, ProfileErrors};
pub use raw::{Absent, Auth, Environment, Method, WebhookScheme};

use diag::Locator;
use raw::RawProfile;

/// Per-request timeout when the profile names none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per-check budget when the profile names none.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the health endpoint may take when `[health] budget` is absent.
pub const DEFAULT_HEALTH_BUDGET: Duration = Duration::from_secs(2);

/// A validated profile.
#[derive(Debug)]
pub struct Profile {
    /// The file it came from, as given on the command line.
    pub source: String,
    pub target: Target,
    pub network: Network,
    pub identities: BTreeMap<String, Identity>,
    pub tenants: BTreeMap<String, BTreeMap<String, String>>,
    pub routes: Vec<Route>,
    pub health: Option<Health>,
    pub auth: AuthPolicy,
    pub session: Option<Session>,
    pub email: Email,
    pub ai_endpoints: Vec<AiEndpoint>,
    pub webhooks: Vec<Webhook>,
    /// Subdomains (absolute names) the DNS checks look at besides the profile's hosts.
    pub subdomains: Vec<String>,
    pub tls: Tls,
    pub redirects: Redirects,
    pub waivers: Vec<Waiver>,
    pub rate_limits: Vec<RateLimit>,
    pub latency: Option<Latency>,
    /// `[source]`: the repository `secrets.repository` scans.
    pub repository: Option<SourceRepository>,
    /// `[logs]`: where `logs.secrets` reads the app's logs.
    pub logs: Option<crate::checks::logs::Logs>,
    /// `[audit_trail]`: where `admin.audit-trail` looks for an admin write's entry.
    pub audit_trail: Option<crate::checks::admin::AuditTrail>,
    /// `[mail]`: where the journeys read the app's mail.
    pub mail: Option<crate::checks::journeys::cfg::Mail>,
    /// `[[journeys]]`: the flows `journey.<name>` walks.
    pub journeys: Vec<crate::checks::journeys::cfg::Journey>,
    /// `[[tokens]]`: the links in those journeys whose lifecycle `tokens.*` checks.
    pub tokens: Vec<crate::checks::journeys::cfg::Token>,
    /// `[attest.<item>]`: handover items answered for by a person, by item name.
    pub attestations: BTreeMap<String, Attestation>,
    /// SHA-256 of the profile text, hex: names the exact profile a report came from.
    pub sha256: String,
    /// Secrets found outside identities (`${VAR}` values, password fields of `[session]`).
    extra_secrets: Vec<Secret>,
}

#[derive(Debug)]
pub struct Target {
    pub name: String,
    pub base_url: Url,
    pub domain: Option<String>,
    pub entry_points: Vec<Url>,
    pub canonical: Option<Url>,
    pub allowed_origins: Vec<Url>,
    /// Pages besides base_url and canonical whose scripts are scanned.
    pub pages: Vec<Url>,
    /// Origins that serve the app's scripts (a CDN): in scope for fetching scripts and
    /// maps, never sent a credential.
    pub asset_hosts: Vec<Url>,
    /// Parts the profile states the app does not have (`has_no`): their checks are N/A.
    pub has_no: Vec<raw::Absent>,
    pub environment: Environment,
}

/// `127.0.0.1` or `[::1]`, as `Url::host_str` spells them.
pub fn is_ip_literal(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
}

/// `[tls]`: extra hosts and the expiry thresholds.
#[derive(Debug)]
pub struct Tls {
    pub hosts: Vec<Url>,
    pub expiry_warn_days: i64,
    pub expiry_fail_days: i64,
}

/// `[redirects]`: the hop budget to canonical and the paths probed for open redirects.
#[derive(Debug)]
pub struct Redirects {
    pub max_hops: usize,
    /// Paths under base_url; defaults to `[auth] login_path` when empty.
    pub paths: Vec<String>,
}

/// `[source]`: the application's repository.
#[derive(Clone, Debug)]
pub struct SourceRepository {
    /// Resolved against the profile's directory.
    pub path: PathBuf,
    /// Walk every commit of every ref, not only the working tree.
    pub history: bool,
}

/// `[attest.<item>]`: who says a handover item is in place, when, and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attestation {
    pub by: String,
    /// `YYYY-MM-DD`.
    pub on: String,
    pub link: Option<String>,
    pub note: Option<String>,
}

/// `[[waivers]]`: a risk accepted until a date.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub check: String,
    pub route: Option<String>,
    pub host: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
}

/// `[[rate_limits]]`: one `ratelimit.<name>` check each.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub name: String,
    pub method: Method,
    pub path: String,
    pub json: Option<serde_json::Value>,
    pub form: Option<Vec<(String, String)>>,
    pub identity: Option<String>,
    pub max_attempts: u32,
    pub burst: u32,
    pub pace: Duration,
    /// 429 plus what the profile adds.
    pub limit_statuses: Vec<u16>,
}

/// Bursts send at most this many requests, whatever the profile says.
pub const BURST_CEILING: u32 = 100;
/// Default burst.
pub const DEFAULT_BURST: u32 = 30;
/// By which attempt a limit must answer when the profile does not say: ten wrong passwords
/// in a row is already more than a person types (OWASP's guidance is a handful).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// `[latency]`: the load `latency.p95` puts on the onboarding routes.
#[derive(Debug, Clone)]
pub struct Latency {
    pub p95: Duration,
    pub rate: u32,
    pub duration: Duration,
    pub warmup: Duration,
    pub max_in_flight: u32,
    pub max_error_rate: f64,
}

/// Hard ceilings of the load generator (benchmarks reach them; audits rarely should).
pub const RATE_CEILING: u32 = 5_000;
pub const DURATION_CEILING: Duration = Duration::from_secs(120);
pub const LOAD_REQUESTS_CEILING: u64 = 100_000;

/// `alice-2` → `ALICE_2`: an identity's name as part of an environment variable's.
pub fn env_style(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Redirect chains are followed at most this far, whatever the profile says.
pub const MAX_REDIRECT_HOPS: usize = 10;

#[derive(Debug)]
pub struct Network {
    /// Resolve through these instead of the system resolver.
    pub nameservers: Vec<SocketAddr>,
    /// Extra trust anchors from `ca_file`.
    pub extra_roots: Vec<CertificateDer<'static>>,
    pub timeout: Duration,
    pub check_timeout: Duration,
}

#[derive(Debug)]
pub struct Identity {
    pub name: String,
    /// A static credential; `None` when the identity only logs in.
    pub token: Option<Secret>,
    /// How the identity obtains its credential at the start of the audit.
    pub obtain: Option<Obtain>,
    pub tenant: Option<String>,
    pub roles: Vec<String>,
    /// Expired on purpose: only `auth.expired-token` uses it.
    pub expired: bool,
    /// How long after logging in the credential has expired (a derived expired token).
    pub wait_for_expiry: Option<Duration>,
    pub scheme: Scheme,
}

/// How an identity obtains its credential.
#[derive(Debug)]
pub enum Obtain {
    Login(Login),
    ClientCredentials(ClientCredentials),
}

#[derive(Debug)]
pub struct Login {
    pub method: Method,
    pub url: Url,
    pub body: LoginBody,
    pub source: CredentialSource,
    pub relogin: bool,
}

/// A login request's body. It holds passwords, so `Debug` shows only its kind.
pub enum LoginBody {
    None,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for LoginBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoginBody::None => "LoginBody::None",
            LoginBody::Json(_) => "LoginBody::Json(redacted)",
            LoginBody::Form(_) => "LoginBody::Form(redacted)",
        })
    }
}

/// Where a login's answer carries the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    JsonPointer(String),
    Header(String),
    Cookie(String),
}

#[derive(Debug)]
pub struct ClientCredentials {
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: Option<String>,
    pub relogin: bool,
}

impl Identity {
    /// Whether a 401 on a request that worked before should trigger a new login.
    pub fn relogin(&self) -> bool {
        match &self.obtain {
            Some(Obtain::Login(login)) => login.relogin,
            Some(Obtain::ClientCredentials(cc)) => cc.relogin,
            None => false,
        }
    }

    /// Holds at least one of `roles` (a route without roles admits every identity).
    pub fn may_use(&self, roles: &[String]) -> bool {
        roles.is_empty() || self.roles.iter().any(|r| roles.contains(r))
    }
}

/// Where an identity's token travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
    /// `NAME: TOKEN`.
    Header(String),
    /// `Cookie: NAME=TOKEN`.
    Cookie(String),
}

/// How the app refuses, and what the JWT checks may know.
#[derive(Debug)]
pub struct AuthPolicy {
    pub refusal_statuses: Vec<u16>,
    pub login_path: Option<String>,
    pub error_pointer: Option<String>,
    /// The PEM the app verifies asymmetric JWTs with, byte for byte as in the file.
    pub jwt_public_key: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Route {
    pub name: String,
    pub method: Method,
    /// As written, with `{placeholders}`.
    pub path: String,
    pub auth: Auth,
    pub roles: Vec<String>,
    /// 404 counts as a refusal.
    pub hidden: bool,
    /// Query parameters, values with `{placeholders}`.
    pub query: Vec<(String, String)>,
    /// JSON body, strings with `{placeholders}`.
    pub body: Option<serde_json::Value>,
    pub allow_writes: bool,
    /// Loaded by `latency.p95`.
    pub onboarding: bool,
}

impl Route {
    /// Every placeholder the route uses, in the path, the query and the body.
    pub fn placeholders(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut add = |text: &str| {
            for name in placeholder_names(text).unwrap_or_default() {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        };
        add(&self.path);
        for (_, value) in &self.query {
            add(value);
        }
        if let Some(body) = &self.body {
            json_strings(body, &mut |s| add(s));
        }
        names
    }

    /// The route with its placeholders filled from `values`; `None` if one is missing.
    pub fn fill(&self, values: &BTreeMap<String, String>) -> Option<FilledRoute> {
        let path = fill(&self.path, values)?;
        let query = self
            .query
            .iter()
            .map(|(k, v)| Some((k.clone(), fill(v, values)?)))
            .collect::<Option<Vec<_>>>()?;
        let body = match &self.body {
            Some(body) => Some(fill_json(body, values)?),
            None => None,
        };
        Some(FilledRoute { path, query, body })
    }
}

/// A route ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct FilledRoute {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
}

/// Replaces `{name}` with `values[name]`.
fn fill(template: &str, values: &BTreeMap<String, String>) -> Option<String> {
    let mut out = template.to_string();
    for name in placeholder_names(template).ok()? {
        out = out.replace(&format!("{{{name}}}"), values.get(name)?);
    }
    Some(out)
}

fn fill_json(
    value: &serde_json::Value,
    values: &BTreeMap<String, String>,
) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match value {
        Value::String(s) => Value::String(fill(s, values)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| fill_json(v, values))
                .collect::<Option<_>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Some((k.clone(), fill_json(v, values)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

fn json_strings(value: &serde_json::Value, visit: &mut dyn FnMut(&str)) {
    match value {
        serde_json::Value::String(s) => visit(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, visit)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, visit)),
        _ => {}
    }
}

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

/// A sender the domain's SPF must authorise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    Ip(IpAddr),
    /// A provider's SPF domain (`include:_spf.mailprovider.test`).
    Include(String),
}

#[derive(Debug, Default)]
pub struct Email {
    pub dkim_selectors: Vec<String>,
    pub senders: Vec<Sender>,
    pub mta_sts_policy_url: Option<Url>,
}

/// The login request `auth.session-cookies` sends. Its body holds a password, so `Debug`
/// leaves it out.
pub struct Session {
    pub method: Method,
    pub path: String,
    pub body: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct Health {
    pub path: String,
    pub identity: Option<String>,
    pub budget: Duration,
}

/// A credential. `Debug` never shows it; reading it takes a deliberate [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A secret built by hand, for unit tests of code that takes one.
    #[cfg(test)]
    pub fn for_tests(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl Profile {
    /// Hosts requests may go to: the profile's hosts, plus the MTA-STS policy host the
    /// domain implies (RFC 8461 §3.2 fixes its name).
    pub fn scope_hosts(&self) -> Vec<String> {
        let mut hosts = self.hosts();
        for url in &self.target.asset_hosts {
            if let Some(host) = url.host_str() {
                hosts.push(host.to_ascii_lowercase());
            }
        }
        // The mail catcher the journeys read (no credential goes there).
        if let Some(crate::checks::journeys::cfg::MailSource::Catcher { url }) =
            self.mail.as_ref().map(|m| &m.source)
            && let Some(host) = url.host_str()
        {
            hosts.push(host.to_ascii_lowercase());
        }
        if let Some(url) = &self.email.mta_sts_policy_url
            && let Some(host) = url.host_str()
        {
            hosts.push(host.to_ascii_lowercase());
        } else if let Some(domain) = &self.target.domain {
            hosts.push(format!("mta-sts.{domain}"));
        }
        hosts
    }

    /// The hosts that are DNS names, not IP literals (`127.0.0.1`, `[::1]`): what the DNS
    /// checks can look up.
    pub fn dns_names(&self) -> Vec<String> {
        self.hosts()
            .into_iter()
            .filter(|host| !is_ip_literal(host))
            .collect()
    }

    /// Every host the profile names as a request target.
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = std::iter::once(&self.target.base_url)
            .chain(&self.target.entry_points)
            .chain(&self.target.canonical)
            .chain(&self.tls.hosts)
            .filter_map(|url| url.host_str().map(str::to_ascii_lowercase))
            .collect();
        let mut seen = std::collections::HashSet::new();
        hosts.retain(|host| seen.insert(host.clone()));
        hosts
    }

    /// Every `https://` origin the profile names (base_url, canonical, entry points, `[tls]
    /// hosts`), once each, as `(host, port)`: what the TLS checks connect to.
    pub fn https_hosts(&self) -> Vec<(String, u16)> {
        let mut hosts: Vec<(String, u16)> = std::iter::once(&self.target.base_url)
            .chain(&self.target.canonical)
            .chain(&self.target.entry_points)
            .chain(&self.tls.hosts)
            .filter(|url| url.scheme() == "https")
            .filter_map(|url| {
                Some((
                    url.host_str()?.to_ascii_lowercase(),
                    url.port_or_known_default()?,
                ))
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        hosts.retain(|host| seen.insert(host.clone()));
        hosts
    }

    /// Every secret value the profile holds: what the redactor must never let out.
    pub fn secrets(&self) -> Vec<String> {
        self.identities
            .values()
            .filter_map(|identity| identity.token.as_ref())
            .chain(&self.extra_secrets)
            .chain(self.mail.iter().flat_map(|mail| mail.secrets()))
            .chain(
                self.tokens
                    .iter()
                    .filter_map(|token| token.expired.as_ref()),
            )
            .map(|secret| secret.expose().to_string())
            .collect()
    }

    /// Identities that are not expired on purpose: who the checks act as.
    pub fn active_identities(&self) -> impl Iterator<Item = &Identity> {
        self.identities.values().filter(|i| !i.expired)
    }

    /// The values an identity's tenant gives to route placeholders (empty without a tenant).
    pub fn tenant_values(&self, identity: &Identity) -> BTreeMap<String, String> {
        identity
            .tenant
            .as_ref()
            .and_then(|t| self.tenants.get(t))
            .cloned()
            .unwrap_or_default()
    }

    /// `base_url` joined with a route path (`/api/x` under `https://h/v1` is `https://h/v1/api/x`).
    pub fn url_for(&self, path: &str) -> Result<Url, url::ParseError> {
        let base = self.target.base_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/{}", path.trim_start_matches('/')))
    }
}

/// Reads and validates the profile at `path`; `env` resolves `${VAR}` references.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Profile, ProfileErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| {
        ProfileErrors(vec![ProfileError {
            file: file.clone(),
            line: 0,
            col: 0,
            key: String::new(),
            message: format!("cannot read the profile: {error}"),
        }])
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    parse(&file, &text, base_dir, env)
}

/// Parses and validates profile text; `base_dir` anchors relative paths such as `ca_file`.
pub fn parse(
    file: &str,
    text: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ProfileErrors> {
    let locator = Locator { file, text };
    // `init`'s markers first: where one is left, it is the cause of whatever else is wrong
    // on that line (a `FILL IN` URL, an id that fills no route).
    let unfinished = unfinished::unfinished(&locator);
    let with_unfinished = |errors: Vec<ProfileError>| {
        let lines: Vec<usize> = unfinished.iter().map(|e| e.line).collect();
        let mut all: Vec<ProfileError> = errors
            .into_iter()
            .filter(|e| !lines.contains(&e.line))
            .chain(unfinished.iter().cloned())
            .collect();
        // In file order, as a reader fixes them.
        all.sort_by_key(|e| (e.line, e.col));
        ProfileErrors(all)
    };
    let raw = deserialize(&locator).map_err(|errors| with_unfinished(errors.0))?;
    let mut v = Validator {
        locator: &locator,
        errors: Vec::new(),
        extra_secrets: Vec::new(),
        base_dir,
        env,
    };
    let mut profile = v.profile(raw);
    profile.sha256 = ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if v.errors.is_empty() && unfinished.is_empty() {
        Ok(profile)
    } else {
        Err(with_unfinished(v.errors))
    }
}

fn deserialize(locator: &Locator<'_>) -> Result<RawProfile, ProfileErrors> {
    let deserializer = toml::de::Deserializer::parse(locator.text)
        .map_err(|error| ProfileErrors(vec![locator.error(error.span(), "", error.message())]))?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key = key_path(error.path());
        let inner = error.into_inner();
        ProfileErrors(vec![locator.error(inner.span(), key, inner.message())])
    })
}

/// `network.timeout` from serde's path, without toml's internal `Spanned` segments.
fn key_path(path: &serde_path_to_error::Path) -> String {
    let mut key = String::new();
    for segment in path.iter() {
        let text = segment.to_string();
        if text.starts_with("$__serde_spanned") {
            continue;
        }
        match segment {
            serde_path_to_error::Segment::Seq { index } => key.push_str(&format!("[{index}]")),
            _ if key.is_empty() => key.push_str(&text),
            _ => {
                key.push('.');
                key.push_str(&text);
            }
        }
    }
    key
}

/// Checks meaning and collects every problem; returns a profile that is only used when
/// no error was pushed. Families that own their section (`checks/<family>/cfg.rs`)
/// validate it through the `pub(crate)` methods here.
pub(crate) struct Validator<'a> {
    locator: &'a Locator<'a>,
    errors: Vec<ProfileError>,
    extra_secrets: Vec<Secret>,
    base_dir: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Validator<'_> {
    pub(crate) fn blame<T>(&mut self, value: &Spanned<T>, key: &str, message: impl Into<String>) {
        let error = self.locator.error(Some(value.span()), key, message);
        self.errors.push(error);
    }

    fn profile(&mut self, raw: RawProfile) -> Profile {
        let target = self.target(raw.target);
        let network = self.network(raw.network);
        let tenants: BTreeMap<String, BTreeMap<String, String>> = raw
            .tenants
            .iter()
            .map(|(name, values)| {
                let values = values
                    .iter()
                    .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                    .collect();
                (name.clone(), values)
            })
            .collect();
        let identities = raw
            .identities
            .into_iter()
            .map(|(name, identity)| {
                let key = format!("identities.{name}");
                let token = identity.token.as_ref().map(|token| self.secret(token, &format!("{key}.token")));
                let obtain = self.obtain(&identity, &key, &target);
                if token.is_none() && obtain.is_none() && !self.errors.iter().any(|e| e.key.starts_with(&key)) {
                    let offset = self.locator.text.find(&format!("[{key}")).unwrap_or(0);
                    let error = self.locator.error(
                        Some(offset..offset),
                        &key,
                        "no credential: give `token`, a [identities.NAME.login] or [identities.NAME.client_credentials]",
                    );
                    self.errors.push(error);
                }
                let tenant = identity.tenant.as_ref().map(|tenant| {
                    if !tenants.contains_key(tenant.get_ref()) {
                        self.blame(
                            tenant,
                            &format!("{key}.tenant"),
                            format!(
                                "no tenant `{}`: expected one of the [tenants.*] tables ({})",
                                tenant.get_ref(),
                                list_or_none(tenants.keys())
                            ),
                        );
                    }
                    tenant.get_ref().clone()
                });
                let login_cookie = match &obtain {
                    Some(Obtain::Login(Login { source: CredentialSource::Cookie(cookie), .. })) => Some(cookie.clone()),
                    _ => None,
                };
                let scheme = match (&identity.header, &identity.cookie, login_cookie) {
                    (None, None, None) => Scheme::Bearer,
                    (None, None, Some(cookie)) => Scheme::Cookie(cookie),
                    (Some(header), None, None) => {
                        if reqwest::header::HeaderName::from_bytes(header.get_ref().as_bytes()).is_err() {
                            self.blame(header, &format!("{key}.header"), "expected an HTTP header name such as `X-Api-Key`");
                        }
                        Scheme::Header(header.get_ref().clone())
                    }
                    (None, Some(cookie), _) => Scheme::Cookie(cookie.get_ref().clone()),
                    (Some(header), _, _) => {
                        self.blame(header, &format!("{key}.header"), "give `header` or `cookie` (or a login cookie), not both");
                        Scheme::Bearer
                    }
                };
                let wait_for_expiry = identity.wait_for_expiry.as_ref().and_then(|wait| {
                    let key = format!("{key}.wait_for_expiry");
                    if !identity.expired || identity.login.is_none() {
                        self.blame(wait, &key, "only an identity with `expired = true` and a login waits for its token to expire");
                        return None;
                    }
                    let duration = self.duration(wait, &key)?;
                    if duration > Duration::from_secs(300) {
                        self.blame(wait, &key, "at most 5m: the audit waits this long");
                        return None;
                    }
                    Some(duration)
                });
                let identity = Identity {
                    name: name.clone(),
                    token,
                    obtain,
                    wait_for_expiry,
                    tenant,
                    roles: identity.roles,
                    expired: identity.expired,
                    scheme,
                };
                (name, identity)
            })
            .collect::<BTreeMap<_, _>>();
        let routes: Vec<Route> = raw
            .routes
            .into_iter()
            .enumerate()
            .map(|(i, route)| {
                let key = format!("routes[{i}]");
                if !route.path.get_ref().starts_with('/') {
                    self.blame(
                        &route.path,
                        &format!("{key}.path"),
                        "expected a path starting with `/`",
                    );
                }
                self.placeholders(&route.path, &format!("{key}.path"), &tenants);
                for (name, value) in &route.query {
                    self.placeholders(value, &format!("{key}.query.{name}"), &tenants);
                }
                let body = route
                    .body
                    .map(|table| serde_json::to_value(table).unwrap_or_default());
                if let Some(body) = &body {
                    let mut strings = Vec::new();
                    json_strings(body, &mut |s| strings.push(s.to_string()));
                    for text in strings {
                        let spanned = Spanned::new(route.path.span(), text);
                        self.placeholders(&spanned, &format!("{key}.body"), &tenants);
                    }
                }
                Route {
                    name: route.name,
                    method: route.method,
                    path: route.path.into_inner(),
                    auth: route.auth,
                    roles: route.roles,
                    hidden: route.hidden,
                    query: route
                        .query
                        .into_iter()
                        .map(|(k, v)| (k, v.into_inner()))
                        .collect(),
                    body,
                    allow_writes: route.allow_writes,
                    onboarding: route.onboarding,
                }
            })
            .collect();
        let health = raw.health.map(|health| {
            if let Some(identity) = &health.identity
                && !identities.contains_key(identity.get_ref())
            {
                self.blame(
                    identity,
                    "health.identity",
                    format!(
                        "no identity `{}`: expected one of the [identities.*] tables ({})",
                        identity.get_ref(),
                        list_or_none(identities.keys())
                    ),
                );
            }
            let budget = health
                .budget
                .as_ref()
                .and_then(|budget| self.duration(budget, "health.budget"))
                .unwrap_or(DEFAULT_HEALTH_BUDGET);
            if !health.path.get_ref().starts_with('/') {
                self.blame(
                    &health.path,
                    "health.path",
                    "expected a path starting with `/`",
                );
            }
            Health {
                path: health.path.into_inner(),
                identity: health.identity.map(Spanned::into_inner),
                budget,
            }
        });
        let auth = self.auth(raw.auth);
        let session = raw.session.map(|session| self.session(session));
        let email = self.email(raw.email);
        let webhooks = raw
            .webhooks
            .into_iter()
            .enumerate()
            .map(|(i, hook)| {
                let key = format!("webhooks[{i}]");
                if target.has_no.contains(&Absent::Webhooks) {
                    self.blame(
                        &hook.path,
                        &format!("{key}.path"),
                        "[target] has_no says the app has no webhooks, yet one is declared: remove one of the two",
                    );
                }
                if !hook.path.get_ref().starts_with('/') {
                    self.blame(
                        &hook.path,
                        &format!("{key}.path"),
                        "expected a path starting with `/`",
                    );
                }
                let secret = self.secret(&hook.secret, &format!("{key}.secret"));
                let base64 = match hook.encoding.as_ref().map(|e| e.get_ref().as_str()) {
                    None | Some("hex") => false,
                    Some("base64") => true,
                    Some(other) => {
                        let encoding = hook.encoding.as_ref().expect("matched Some");
                        self.blame(
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
                    .and_then(|t| self.duration(t, &format!("{key}.tolerance")))
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
            .collect();
        let ai_endpoints = raw
            .ai_endpoints
            .into_iter()
            .enumerate()
            .filter_map(|(i, endpoint)| {
                self.ai_endpoint(
                    endpoint,
                    &format!("ai_endpoints[{i}]"),
                    &identities,
                    &tenants,
                )
            })
            .collect();
        let subdomains = raw
            .dns
            .subdomains
            .iter()
            .enumerate()
            .filter_map(|(i, sub)| {
                let name = sub.get_ref().trim_end_matches('.').to_ascii_lowercase();
                let name = match &target.domain {
                    Some(domain) if !name.ends_with(domain.as_str()) => format!("{name}.{domain}"),
                    _ => name,
                };
                if url::Host::parse(&name).is_err() || !name.contains('.') {
                    self.blame(
                        sub,
                        &format!("dns.subdomains[{i}]"),
                        "expected a label (`blog`) or a name (`blog.acme.test`)",
                    );
                    return None;
                }
                Some(name)
            })
            .collect();
        let tls = self.tls(raw.tls);
        let redirects = self.redirects(raw.redirects);
        let rate_limits = raw
            .rate_limits
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| self.rate_limit(r, &format!("rate_limits[{i}]"), &identities))
            .collect::<Vec<RateLimit>>();
        let mut seen_names = std::collections::HashSet::new();
        for limit in &rate_limits {
            if !seen_names.insert(limit.name.clone()) {
                self.errors.push(self.locator.error(
                    None,
                    "rate_limits",
                    format!(
                        "two [[rate_limits]] are named `{}`: names make the check ids",
                        limit.name
                    ),
                ));
            }
        }
        let latency = raw.latency.map(|l| self.latency(l));
        let repository = raw.source.map(|r| self.source(r));
        let logs = raw
            .logs
            .map(|raw| crate::checks::logs::cfg::validate(raw, self));
        let audit_trail = raw
            .audit_trail
            .and_then(|raw| crate::checks::admin::cfg::validate(raw, &identities, &routes, self));
        let mail = raw
            .mail
            .and_then(|raw| crate::checks::journeys::cfg::validate_mail(raw, self));
        let journeys =
            crate::checks::journeys::cfg::validate_journeys(raw.journeys, mail.is_some(), self);
        let tokens = crate::checks::journeys::cfg::validate_tokens(raw.tokens, &journeys, self);
        let attestations = raw
            .attest
            .into_iter()
            .filter_map(|(item, a)| {
                let attestation = self.attestation(&item, a)?;
                Some((item, attestation))
            })
            .collect();
        let waivers = raw
            .waivers
            .into_iter()
            .enumerate()
            .filter_map(|(i, w)| self.waiver(w, &format!("waivers[{i}]")))
            .collect();
        Profile {
            rate_limits,
            latency,
            repository,
            logs,
            audit_trail,
            mail,
            journeys,
            tokens,
            attestations,
            waivers,
            sha256: String::new(),
            source: self.locator.file.to_string(),
            tls,
            redirects,
            target,
            network,
            identities,
            tenants,
            routes,
            health,
            auth,
            session,
            email,
            ai_endpoints,
            webhooks,
            subdomains,
            extra_secrets: std::mem::take(&mut self.extra_secrets),
        }
    }

    /// A login URL: a path under base_url, or a full URL.
    fn login_url(&mut self, value: &Spanned<String>, key: &str, target: &Target) -> Option<Url> {
        if value.get_ref().starts_with('/') {
            let base = target.base_url.as_str().trim_end_matches('/');
            return Url::parse(&format!("{base}{}", value.get_ref())).ok();
        }
        self.url(value, key)
    }

    fn obtain(&mut self, raw: &raw::RawIdentity, key: &str, target: &Target) -> Option<Obtain> {
        match (&raw.login, &raw.client_credentials) {
            (Some(_), Some(cc)) => {
                self.blame(
                    &cc.token_url,
                    &format!("{key}.client_credentials"),
                    "give a login or client_credentials, not both",
                );
                None
            }
            (Some(login), None) => {
                let key = format!("{key}.login");
                let url = self.login_url(&login.path, &format!("{key}.path"), target)?;
                let source = match (&login.token_pointer, &login.token_header, &login.cookie) {
                    (Some(pointer), None, None) if pointer.get_ref().starts_with('/') => {
                        CredentialSource::JsonPointer(pointer.get_ref().clone())
                    }
                    (Some(pointer), None, None) => {
                        self.blame(
                            pointer,
                            &format!("{key}.token_pointer"),
                            "expected a JSON pointer such as `/data/access_token`",
                        );
                        return None;
                    }
                    (None, Some(header), None) => {
                        CredentialSource::Header(header.get_ref().clone())
                    }
                    (None, None, Some(cookie)) => {
                        CredentialSource::Cookie(cookie.get_ref().clone())
                    }
                    _ => {
                        self.blame(&login.path, &key, "say where the credential comes from: exactly one of token_pointer, token_header, cookie");
                        return None;
                    }
                };
                let body = match (&login.json, &login.form) {
                    (Some(_), Some(_)) => {
                        self.blame(&login.path, &key, "give a json or a form body, not both");
                        return None;
                    }
                    (Some(json), None) => {
                        let mut value = serde_json::to_value(json).unwrap_or_default();
                        self.interpolate_json(
                            &mut value,
                            &login.path,
                            &format!("{key}.json"),
                            None,
                        );
                        LoginBody::Json(value)
                    }
                    (None, Some(form)) => {
                        let mut value = serde_json::to_value(form).unwrap_or_default();
                        self.interpolate_json(
                            &mut value,
                            &login.path,
                            &format!("{key}.form"),
                            None,
                        );
                        let pairs = value
                            .as_object()
                            .map(|map| {
                                map.iter()
                                    .map(|(k, v)| {
                                        (
                                            k.clone(),
                                            v.as_str()
                                                .map_or_else(|| v.to_string(), str::to_string),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        LoginBody::Form(pairs)
                    }
                    (None, None) => LoginBody::None,
                };
                Some(Obtain::Login(Login {
                    method: login.method,
                    url,
                    body,
                    source,
                    relogin: login.relogin,
                }))
            }
            (None, Some(cc)) => {
                let key = format!("{key}.client_credentials");
                let token_url =
                    self.login_url(&cc.token_url, &format!("{key}.token_url"), target)?;
                let client_id = match env::interpolate(cc.client_id.get_ref(), self.env) {
                    Ok(id) => id,
                    Err(message) => {
                        self.blame(&cc.client_id, &format!("{key}.client_id"), message);
                        return None;
                    }
                };
                let client_secret = self.secret(&cc.client_secret, &format!("{key}.client_secret"));
                self.extra_secrets.push(client_secret.clone());
                Some(Obtain::ClientCredentials(ClientCredentials {
                    token_url,
                    client_id,
                    client_secret,
                    scope: cc.scope.clone(),
                    relogin: cc.relogin,
                }))
            }
            (None, None) => None,
        }
    }

    fn auth(&mut self, raw: raw::RawAuth) -> AuthPolicy {
        for (key, value) in [
            ("auth.login_path", &raw.login_path),
            ("auth.error_pointer", &raw.error_pointer),
        ] {
            if let Some(value) = value
                && !value.get_ref().starts_with('/')
            {
                self.blame(value, key, "expected a value starting with `/`");
            }
        }
        let jwt_public_key = raw.jwt_public_key.as_ref().and_then(|file| {
            let path = self.base_dir.join(file.get_ref());
            match std::fs::read(&path) {
                Ok(bytes) if bytes.starts_with(b"-----BEGIN") => Some(bytes),
                Ok(_) => {
                    self.blame(
                        file,
                        "auth.jwt_public_key",
                        format!("{} is not a PEM file", path.display()),
                    );
                    None
                }
                Err(error) => {
                    self.blame(
                        file,
                        "auth.jwt_public_key",
                        format!("cannot read {}: {error}", path.display()),
                    );
                    None
                }
            }
        });
        if let Some(statuses) = &raw.refusal_statuses
            && statuses.get_ref().contains(&429)
        {
            // A limiter answers 429 whoever asks: read as a refusal, a limited cross-tenant
            // probe would pass.
            self.blame(
                statuses,
                "auth.refusal_statuses",
                "429 is a rate limit, not a refusal: a limited probe proves nothing about access. Remove it, and allow-list the auditor or raise the limit while auditing",
            );
        }
        AuthPolicy {
            refusal_statuses: raw
                .refusal_statuses
                .map(Spanned::into_inner)
                .unwrap_or_else(|| vec![401, 403]),
            login_path: raw.login_path.map(Spanned::into_inner),
            error_pointer: raw.error_pointer.map(Spanned::into_inner),
            jwt_public_key,
        }
    }

    fn ai_endpoint(
        &mut self,
        raw: raw::RawAiEndpoint,
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
            Some((_, raw::RawAiToolsSetting::Verify(tools))) => AiTools::Verify(tools.verify_path),
            Some((_, raw::RawAiToolsSetting::Has(false))) => AiTools::None,
            Some((span, raw::RawAiToolsSetting::Has(true))) => {
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

    fn rate_limit(
        &mut self,
        raw: raw::RawRateLimit,
        key: &str,
        identities: &BTreeMap<String, Identity>,
    ) -> Option<RateLimit> {
        let name = raw.name.get_ref().clone();
        let mut ok = true;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            self.blame(
                &raw.name,
                &format!("{key}.name"),
                "expected lower-case letters, digits and `-` (it becomes ratelimit.<name>)",
            );
            ok = false;
        }
        if !raw.path.get_ref().starts_with('/') {
            self.blame(
                &raw.path,
                &format!("{key}.path"),
                "expected a path under base_url, starting with `/`",
            );
            ok = false;
        }
        if let Some(identity) = &raw.identity
            && !identities.contains_key(identity.get_ref())
        {
            self.blame(
                identity,
                &format!("{key}.identity"),
                format!("no identity `{}`", identity.get_ref()),
            );
            ok = false;
        }
        let burst = match &raw.burst {
            Some(b) if !(1..=i64::from(BURST_CEILING)).contains(b.get_ref()) => {
                self.blame(
                    b,
                    &format!("{key}.burst"),
                    format!("expected 1 to {BURST_CEILING} (the hard cap)"),
                );
                ok = false;
                DEFAULT_BURST
            }
            Some(b) => *b.get_ref() as u32,
            None => DEFAULT_BURST,
        };
        let max_attempts = match &raw.max_attempts {
            None => i64::from(DEFAULT_MAX_ATTEMPTS.min(burst)),
            Some(given) => {
                let max_attempts = *given.get_ref();
                if max_attempts < 1 || max_attempts > i64::from(burst) {
                    self.blame(
                        given,
                        &format!("{key}.max_attempts"),
                        format!(
                            "expected 1 to burst ({burst}): the burst must be able to reach it"
                        ),
                    );
                    ok = false;
                }
                max_attempts
            }
        };
        let pace = match &raw.pace {
            Some(p) => match humantime::parse_duration(p.get_ref()) {
                Ok(d) if d <= Duration::from_secs(10) => d,
                _ => {
                    self.blame(
                        p,
                        &format!("{key}.pace"),
                        "expected a duration up to 10s, such as `100ms`",
                    );
                    ok = false;
                    Duration::ZERO
                }
            },
            None => Duration::ZERO,
        };
        let mut limit_statuses = vec![429];
        for (i, status) in raw.limit_statuses.iter().enumerate() {
            match u16::try_from(*status.get_ref()) {
                Ok(code) if (400..600).contains(&code) => limit_statuses.push(code),
                _ => {
                    self.blame(
                        status,
                        &format!("{key}.limit_statuses[{i}]"),
                        "expected a 4xx or 5xx status",
                    );
                    ok = false;
                }
            }
        }
        if raw.body.is_some() && raw.form.is_some() {
            self.blame(&raw.path, key, "give `body` (JSON) or `form`, not both");
            ok = false;
        }
        ok.then(|| RateLimit {
            name,
            method: raw.method,
            path: raw.path.into_inner(),
            json: raw
                .body
                .map(|t| serde_json::to_value(t).unwrap_or_default()),
            form: raw.form.map(|f| f.into_iter().collect()),
            identity: raw.identity.map(Spanned::into_inner),
            max_attempts: max_attempts as u32,
            burst,
            pace,
            limit_statuses,
        })
    }

    fn latency(&mut self, raw: raw::RawLatency) -> Latency {
        let p95 = raw
            .p95
            .as_ref()
            .and_then(|d| self.duration(d, "latency.p95"))
            .unwrap_or(Duration::from_millis(500));
        let rate = match &raw.rate {
            Some(r) if !(1..=i64::from(RATE_CEILING)).contains(r.get_ref()) => {
                self.blame(
                    r,
                    "latency.rate",
                    format!("expected 1 to {RATE_CEILING} requests per second"),
                );
                10
            }
            Some(r) => *r.get_ref() as u32,
            None => 10,
        };
        let duration = raw
            .duration
            .as_ref()
            .and_then(|d| self.duration(d, "latency.duration"))
            .unwrap_or(Duration::from_secs(10));
        if let Some(d) = &raw.duration
            && duration > DURATION_CEILING
        {
            self.blame(
                d,
                "latency.duration",
                format!("at most {}s", DURATION_CEILING.as_secs()),
            );
        }
        let warmup = match &raw.warmup {
            Some(w) => match humantime::parse_duration(w.get_ref()) {
                Ok(d) if d <= Duration::from_secs(30) => d,
                _ => {
                    self.blame(w, "latency.warmup", "expected a duration up to 30s");
                    Duration::ZERO
                }
            },
            None => Duration::from_secs(1),
        };
        let total = u64::from(rate) * (duration + warmup).as_millis() as u64 / 1000;
        if total > LOAD_REQUESTS_CEILING {
            let at = raw.rate.as_ref().map_or(0..0, |r| r.span());
            self.errors.push(self.locator.error(
                Some(at),
                "latency.rate",
                format!("rate × (warmup + duration) = {total} requests, over the ceiling of {LOAD_REQUESTS_CEILING}"),
            ));
        }
        let max_in_flight = match &raw.max_in_flight {
            Some(m) if !(1..=10_000).contains(m.get_ref()) => {
                self.blame(m, "latency.max_in_flight", "expected 1 to 10000");
                100
            }
            Some(m) => *m.get_ref() as u32,
            None => 100,
        };
        let max_error_rate = match &raw.max_error_rate {
            Some(e) if !(0.0..=1.0).contains(e.get_ref()) => {
                self.blame(
                    e,
                    "latency.max_error_rate",
                    "expected a share from 0.0 to 1.0",
                );
                0.01
            }
            Some(e) => *e.get_ref(),
            None => 0.01,
        };
        Latency {
            p95,
            rate,
            duration,
            warmup,
            max_in_flight,
            max_error_rate,
        }
    }

    fn source(&mut self, raw: raw::RawSource) -> SourceRepository {
        let path = self.base_dir.join(raw.path.get_ref());
        if !path.is_dir() {
            self.blame(
                &raw.path,
                "source.path",
                format!("{} is not a directory", path.display()),
            );
        }
        SourceRepository {
            path,
            history: raw.history.unwrap_or(true),
        }
    }

    /// An `[attest.<item>]` table: the item must be a manual entry of the catalogue.
    fn attestation(&mut self, item: &str, raw: raw::RawAttestation) -> Option<Attestation> {
        let key = format!("attest.{item}");
        let known = crate::catalogue::manual_items();
        if !known.contains(&item) {
            self.blame(
                &raw.by,
                &key,
                format!(
                    "no handover item `{item}`; the items are: {}",
                    known.join(", ")
                ),
            );
            return None;
        }
        if raw.by.get_ref().trim().is_empty() {
            self.blame(&raw.by, &format!("{key}.by"), "say who answers for it");
        }
        let on = match (raw.on.get_ref().date, raw.on.get_ref().time) {
            (Some(d), None) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
            _ => {
                self.blame(
                    &raw.on,
                    &format!("{key}.on"),
                    "expected a date such as 2026-11-20",
                );
                String::new()
            }
        };
        if raw.link.is_none() && raw.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            self.blame(
                &raw.by,
                &key,
                "give a `link` (runbook, dashboard) or a `note` saying where it is written down",
            );
        }
        let link = raw.link.and_then(|link| {
            if Url::parse(link.get_ref()).is_err() {
                self.blame(&link, &format!("{key}.link"), "expected a URL");
                return None;
            }
            Some(link.into_inner())
        });
        Some(Attestation {
            by: raw.by.into_inner(),
            on,
            link,
            note: raw.note,
        })
    }

    fn waiver(&mut self, raw: raw::RawWaiver, key: &str) -> Option<Waiver> {
        let id = raw.check.get_ref();
        let known = crate::catalogue::entries()
            .iter()
            .any(|m| m.id == *id || crate::result::family_of(&m.id) == id);
        if !known {
            self.blame(
                &raw.check,
                &format!("{key}.check"),
                format!("no check or family `{id}` (see `launch-audit checks`)"),
            );
        }
        if raw.reason.get_ref().trim().is_empty() {
            self.blame(
                &raw.reason,
                &format!("{key}.reason"),
                "say why the risk is accepted (a ticket, who decided)",
            );
        }
        let date = raw.expires.get_ref();
        let expires = match (date.date, date.time) {
            (Some(d), None) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
            _ => {
                self.blame(
                    &raw.expires,
                    &format!("{key}.expires"),
                    "expected a date such as 2026-12-31",
                );
                String::new()
            }
        };
        (known && !expires.is_empty()).then(|| Waiver {
            check: id.clone(),
            route: raw.route,
            host: raw.host.map(|h| h.to_ascii_lowercase()),
            reason: raw.reason.into_inner(),
            expires,
        })
    }

    fn tls(&mut self, raw: raw::RawTls) -> Tls {
        let hosts = raw
            .hosts
            .iter()
            .enumerate()
            .filter_map(|(i, url)| {
                let key = format!("tls.hosts[{i}]");
                let parsed = self.url(url, &key)?;
                if parsed.scheme() != "https" {
                    self.blame(url, &key, "expected an https:// URL");
                    return None;
                }
                Some(parsed)
            })
            .collect();
        let mut days = |value: &Option<Spanned<i64>>, key: &str, default: i64| match value {
            Some(days) if !(0..=3650).contains(days.get_ref()) => {
                self.blame(days, key, "expected a number of days from 0 to 3650");
                default
            }
            Some(days) => *days.get_ref(),
            None => default,
        };
        let expiry_warn_days = days(&raw.expiry_warn_days, "tls.expiry_warn_days", 30);
        let expiry_fail_days = days(&raw.expiry_fail_days, "tls.expiry_fail_days", 7);
        if let Some(fail) = &raw.expiry_fail_days
            && expiry_fail_days > expiry_warn_days
        {
            self.blame(
                fail,
                "tls.expiry_fail_days",
                format!("must not exceed expiry_warn_days ({expiry_warn_days})"),
            );
        }
        Tls {
            hosts,
            expiry_warn_days,
            expiry_fail_days,
        }
    }

    fn redirects(&mut self, raw: raw::RawRedirects) -> Redirects {
        let max_hops = match &raw.max_hops {
            Some(hops) if !(1..=MAX_REDIRECT_HOPS as i64).contains(hops.get_ref()) => {
                self.blame(
                    hops,
                    "redirects.max_hops",
                    format!("expected 1 to {MAX_REDIRECT_HOPS}"),
                );
                2
            }
            Some(hops) => *hops.get_ref() as usize,
            None => 2,
        };
        let paths = raw
            .paths
            .iter()
            .enumerate()
            .filter_map(|(i, path)| {
                if !path.get_ref().starts_with('/') {
                    self.blame(
                        path,
                        &format!("redirects.paths[{i}]"),
                        "expected a path under base_url, starting with `/`",
                    );
                    return None;
                }
                Some(path.get_ref().clone())
            })
            .collect();
        Redirects { max_hops, paths }
    }

    fn email(&mut self, raw: raw::RawEmail) -> Email {
        let dkim_selectors = raw
            .dkim_selectors
            .iter()
            .enumerate()
            .filter_map(|(i, selector)| {
                let text = selector.get_ref();
                let ok = !text.is_empty()
                    && text.split('.').all(|l| {
                        !l.is_empty()
                            && l.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    });
                if !ok {
                    self.blame(
                        selector,
                        &format!("email.dkim_selectors[{i}]"),
                        "expected a selector such as `s1` or `google`",
                    );
                }
                ok.then(|| text.clone())
            })
            .collect();
        let senders = raw
            .senders
            .iter()
            .enumerate()
            .filter_map(|(i, sender)| {
                let text = sender.get_ref().trim();
                if let Ok(ip) = text.parse::<IpAddr>() {
                    return Some(Sender::Ip(ip));
                }
                if let Some(domain) = text.strip_prefix("include:")
                    && domain.contains('.')
                    && url::Host::parse(domain).is_ok()
                {
                    return Some(Sender::Include(
                        domain.trim_end_matches('.').to_ascii_lowercase(),
                    ));
                }
                self.blame(
                    sender,
                    &format!("email.senders[{i}]"),
                    "expected an IP address or `include:provider.domain`",
                );
                None
            })
            .collect();
        let mta_sts_policy_url = raw
            .mta_sts_policy_url
            .as_ref()
            .and_then(|url| self.url(url, "email.mta_sts_policy_url"));
        Email {
            dkim_selectors,
            senders,
            mta_sts_policy_url,
        }
    }

    fn session(&mut self, raw: raw::RawSession) -> Session {
        if !raw.path.get_ref().starts_with('/') {
            self.blame(
                &raw.path,
                "session.path",
                "expected a path starting with `/`",
            );
        }
        let body = raw.json.map(|table| {
            let mut value = serde_json::to_value(table).unwrap_or_default();
            self.interpolate_json(&mut value, &raw.path, "session.json", None);
            value
        });
        Session {
            method: raw.method,
            path: raw.path.into_inner(),
            body,
        }
    }

    /// `${VAR}` in every string of a JSON body; interpolated values, and values of fields
    /// named like credentials, become secrets. Errors point at `anchor` (bodies keep no spans).
    pub(crate) fn interpolate_json(
        &mut self,
        value: &mut serde_json::Value,
        anchor: &Spanned<String>,
        key: &str,
        field: Option<&str>,
    ) {
        match value {
            serde_json::Value::String(text) => match env::interpolate(text, self.env) {
                Ok(filled) => {
                    let secret_field = field.is_some_and(|f| {
                        let f = f.to_ascii_lowercase();
                        ["pass", "secret", "token", "key"]
                            .iter()
                            .any(|w| f.contains(w))
                    });
                    if filled != *text || secret_field {
                        self.extra_secrets.push(Secret(filled.clone()));
                    }
                    *text = filled;
                }
                Err(message) => self.blame(anchor, key, message),
            },
            serde_json::Value::Array(items) => {
                for item in items {
                    self.interpolate_json(item, anchor, key, field);
                }
            }
            serde_json::Value::Object(map) => {
                for (name, item) in map.iter_mut() {
                    let nested = format!("{key}.{name}");
                    self.interpolate_json(item, anchor, &nested, Some(name));
                }
            }
            _ => {}
        }
    }

    fn target(&mut self, raw: raw::RawTarget) -> Target {
        let base_url = self.url(&raw.base_url, "target.base_url");
        let entry_points = raw
            .entry_points
            .iter()
            .enumerate()
            .filter_map(|(i, url)| self.url(url, &format!("target.entry_points[{i}]")))
            .collect();
        let canonical = raw
            .canonical
            .as_ref()
            .and_then(|url| self.url(url, "target.canonical"));
        let allowed_origins = raw
            .allowed_origins
            .iter()
            .enumerate()
            .filter_map(|(i, url)| self.url(url, &format!("target.allowed_origins[{i}]")))
            .collect();
        let domain = raw.domain.map(|domain| {
            let name = domain.get_ref().trim_end_matches('.').to_ascii_lowercase();
            if url::Host::parse(&name).is_err() || name.parse::<IpAddr>().is_ok() {
                self.blame(
                    &domain,
                    "target.domain",
                    "expected a DNS name such as `acme.test`",
                );
            }
            name
        });
        let pages = raw
            .pages
            .iter()
            .enumerate()
            .filter_map(|(i, page)| {
                let key = format!("target.pages[{i}]");
                if !page.get_ref().starts_with('/') {
                    self.blame(
                        page,
                        &key,
                        "expected a path under base_url, starting with `/`",
                    );
                    return None;
                }
                let base = base_url
                    .as_ref()?
                    .as_str()
                    .trim_end_matches('/')
                    .to_string();
                Url::parse(&format!("{base}{}", page.get_ref())).ok()
            })
            .collect();
        let asset_hosts = raw
            .asset_hosts
            .iter()
            .enumerate()
            .filter_map(|(i, url)| self.url(url, &format!("target.asset_hosts[{i}]")))
            .collect();
        Target {
            name: raw.name,
            pages,
            asset_hosts,
            has_no: raw.has_no,
            // A placeholder that is never used: an error was recorded for it.
            base_url: base_url
                .unwrap_or_else(|| Url::parse("http://invalid.invalid").expect("static URL")),
            domain,
            entry_points,
            canonical,
            allowed_origins,
            environment: raw.environment,
        }
    }

    fn network(&mut self, raw: raw::RawNetwork) -> Network {
        let nameservers = raw
            .nameservers
            .iter()
            .enumerate()
            .filter_map(|(i, ns)| {
                let text = ns.get_ref();
                let parsed = text
                    .parse::<SocketAddr>()
                    .ok()
                    .or_else(|| text.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)));
                if parsed.is_none() {
                    self.blame(
                        ns,
                        &format!("network.nameservers[{i}]"),
                        format!("`{text}` is not an IP address with an optional port (`127.0.0.1:5353`, `[::1]:53`)"),
                    );
                }
                parsed
            })
            .collect();
        let extra_roots = raw
            .ca_file
            .as_ref()
            .map(|ca_file| self.ca_file(ca_file))
            .unwrap_or_default();
        let timeout = raw
            .timeout
            .as_ref()
            .and_then(|t| self.duration(t, "network.timeout"))
            .unwrap_or(DEFAULT_TIMEOUT);
        let check_timeout = raw
            .check_timeout
            .as_ref()
            .and_then(|t| self.duration(t, "network.check_timeout"))
            .unwrap_or(DEFAULT_CHECK_TIMEOUT);
        Network {
            nameservers,
            extra_roots,
            timeout,
            check_timeout,
        }
    }

    fn url(&mut self, value: &Spanned<String>, key: &str) -> Option<Url> {
        let text = value.get_ref();
        match Url::parse(text) {
            Ok(url) if !matches!(url.scheme(), "http" | "https") => {
                self.blame(
                    value,
                    key,
                    format!("expected an http:// or https:// URL, found `{text}`"),
                );
                None
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                self.blame(
                    value,
                    key,
                    format!("expected a URL with a host, found `{text}`"),
                );
                None
            }
            Ok(url) if !url.username().is_empty() || url.password().is_some() => {
                self.blame(
                    value,
                    key,
                    "credentials in a URL end up in logs and reports: put them in [identities] instead",
                );
                None
            }
            Ok(url) => Some(url),
            Err(error) => {
                self.blame(
                    value,
                    key,
                    format!(
                        "expected a URL such as `https://app.acme.test`, found `{text}` ({error})"
                    ),
                );
                None
            }
        }
    }

    /// A problem with no single value to point at (a section missing what it needs).
    pub(crate) fn error_without_place(&mut self, key: &str, message: impl Into<String>) {
        let error = self.locator.error(None, key, message);
        self.errors.push(error);
    }

    /// Where relative paths in the profile start: the profile's directory.
    pub(crate) fn base_dir(&self) -> &Path {
        self.base_dir
    }

    pub(crate) fn duration(&mut self, value: &Spanned<String>, key: &str) -> Option<Duration> {
        match humantime::parse_duration(value.get_ref()) {
            Ok(duration) if duration.is_zero() => {
                self.blame(value, key, "expected a duration greater than zero");
                None
            }
            Ok(duration) => Some(duration),
            Err(error) => {
                self.blame(
                    value,
                    key,
                    format!(
                        "expected a duration such as `500ms`, `15s` or `2m`, found `{}` ({error})",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// `value` with its `${VAR}`s filled (not a secret: an address, a name); a missing
    /// variable is blamed on it.
    pub(crate) fn interpolated(&mut self, value: &Spanned<String>, key: &str) -> String {
        match env::interpolate(value.get_ref(), self.env) {
            Ok(text) => text,
            Err(message) => {
                self.blame(value, key, message);
                String::new()
            }
        }
    }

    pub(crate) fn secret(&mut self, value: &Spanned<String>, key: &str) -> Secret {
        match env::interpolate(value.get_ref(), self.env) {
            Ok(text) if text.trim().is_empty() => {
                self.blame(value, key, "the credential is empty");
                Secret(text)
            }
            Ok(text) => Secret(text),
            Err(message) => {
                self.blame(value, key, message);
                Secret(String::new())
            }
        }
    }

    fn ca_file(&mut self, value: &Spanned<String>) -> Vec<CertificateDer<'static>> {
        let path: PathBuf = self.base_dir.join(value.get_ref());
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.blame(
                    value,
                    "network.ca_file",
                    format!("cannot read {}: {error}", path.display()),
                );
                return Vec::new();
            }
        };
        let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&bytes).collect();
        match certs {
            Ok(certs) if !certs.is_empty() => certs,
            Ok(_) => {
                self.blame(
                    value,
                    "network.ca_file",
                    format!("{} holds no PEM certificate", path.display()),
                );
                Vec::new()
            }
            Err(error) => {
                self.blame(
                    value,
                    "network.ca_file",
                    format!("{}: not PEM certificates ({error})", path.display()),
                );
                Vec::new()
            }
        }
    }

    /// Every `{name}` in a route path must be filled by every tenant.
    fn placeholders(
        &mut self,
        path: &Spanned<String>,
        key: &str,
        tenants: &BTreeMap<String, BTreeMap<String, String>>,
    ) {
        let text = path.get_ref();
        let names = match placeholder_names(text) {
            Ok(names) => names,
            Err(message) => {
                self.blame(path, key, message);
                return;
            }
        };
        for name in names {
            if tenants.is_empty() {
                self.blame(
                    path,
                    key,
                    format!("`{{{name}}}` cannot be filled: no [tenants.*] table defines `{name}`"),
                );
                continue;
            }
            let missing: Vec<&str> = tenants
                .iter()
                .filter(|(_, values)| !values.contains_key(name))
                .map(|(tenant, _)| tenant.as_str())
                .collect();
            if !missing.is_empty() {
                self.blame(
                    path,
                    key,
                    format!(
                        "`{{{name}}}` cannot be filled: tenant(s) {} define no `{name}`",
                        missing.join(", ")
                    ),
                );
            }
        }
    }
}

/// The `{names}` in a route path, in order.
pub fn placeholder_names(path: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err("`}` without an opening `{`".to_string());
        }
        let tail = &rest[open + 1..];
        let close = tail.find('}').ok_or("`{` without a closing `}`")?;
        let name = &tail[..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{{{name}}}` is not a placeholder: use letters, digits and `_`"
            ));
        }
        names.push(name);
        rest = &tail[close + 1..];
    }
    Ok(names)
}

fn list_or_none<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none defined".to_string()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_malformed_ones_refused() {
        assert_eq!(
            placeholder_names("/c/{community_id}/m/{id}").unwrap(),
            ["community_id", "id"]
        );
        assert!(placeholder_names("/c/{oops").is_err());
        assert!(placeholder_names("/c/}").is_err());
        assert!(placeholder_names("/c/{}").is_err());
    }

    #[test]
    fn debug_never_shows_credentials() {
        let text = "[target]\nname = \"x\"\nbase_url = \"https://a.test\"\n\
                    [identities.a]\ntoken = \"tok-123456\"\n[identities.b.login]\npath = \"/login\"\n\
                    json = { password = \"pw-123456\" }\ntoken_pointer = \"/t\"\n\
                    [session]\npath = \"/login\"\njson = { password = \"pw-session-1\" }\n";
        let profile = parse("p.toml", text, Path::new("."), &|_| None).unwrap();
        let debug = format!("{profile:?}");
        for secret in ["tok-123456", "pw-123456", "pw-session-1"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn url_for_keeps_the_base_path() {
        let text = "[target]\nname = \"x\"\nbase_url = \"https://api.acme.test/v1/\"\n";
        let profile = parse("p.toml", text, Path::new("."), &|_| None).unwrap();
        assert_eq!(
            profile.url_for("/me").unwrap().as_str(),
            "https://api.acme.test/v1/me"
        );
    }
}

//! The one HTTP client every check uses, with the tool's own safety built in:
//! - the scope guard: requests go only to hosts the profile names;
//! - credentials go only to the origin of `base_url`, the origin they belong to;
//! - redirects are never followed automatically (checks follow them hop by hop);
//! - one timeout covers connect, headers and body; bodies are read up to a cap.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use url::{Origin, Url};

use super::credentials::{Credentials, LoginOutcome};
use super::dns::{Dns, HttpResolver};
use super::leaks::{LeakHit, Leaks};
use super::redact::Redactor;
use crate::profile::{Identity, Method, Profile, Scheme};

/// Bodies are read up to this many bytes; the rest is dropped and `truncated` set.
pub const MAX_BODY: usize = 1024 * 1024;

/// How many `Set-Cookie` headers one audit remembers for review; the rest are dropped.
const MAX_SEEN_COOKIES: usize = 1000;

/// A request a check wants sent.
pub struct HttpRequest<'a> {
    pub method: Method,
    pub url: Url,
    /// Whose credential to attach, in the identity's scheme.
    pub identity: Option<&'a Identity>,
    /// A credential placed by hand (a forged token, a token in the wrong place). Held to
    /// the same rule as an identity's: it goes only to the credential origin.
    pub credential: Option<Credential>,
    pub json: Option<serde_json::Value>,
    /// An urlencoded form body (logins, token endpoints).
    pub form: Option<Vec<(String, String)>>,
    /// A body sent as it is, with its content type (malformed input probes, webhooks).
    pub raw: Option<(String, Vec<u8>)>,
    /// Extra headers (a webhook's signature; never a credential of the app).
    pub headers: Vec<(String, String)>,
    /// Load traffic: its answers are not scanned for leaks or cookies. Load runs after the
    /// review checks have read those, and thousands of identical answers add nothing.
    pub unrecorded: bool,
    /// Read at most this many bytes of the body instead of [`MAX_BODY`] (client scripts,
    /// which the secret scan must read whole within its own budget).
    pub body_limit: Option<usize>,
    /// A burst meant to meet the limiter: its 429s are the measurement, not a sign that
    /// the target limits the audit.
    pub provokes_limit: bool,
}

/// A credential placed by hand.
#[derive(Clone, Debug)]
pub enum Credential {
    /// The whole `Authorization` header value, e.g. `Bearer x` or `Basic x`.
    Authorization(String),
    Header(String, String),
    Cookie(String, String),
    Query(String, String),
}

impl<'a> HttpRequest<'a> {
    pub fn new(method: Method, url: Url) -> HttpRequest<'a> {
        HttpRequest {
            method,
            url,
            identity: None,
            credential: None,
            json: None,
            form: None,
            raw: None,
            headers: Vec::new(),
            unrecorded: false,
            body_limit: None,
            provokes_limit: false,
        }
    }

    /// Marks the request as load traffic (see [`HttpRequest::unrecorded`]).
    pub fn unrecorded(mut self) -> Self {
        self.unrecorded = true;
        self
    }

    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }

    pub fn with_raw(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.raw = Some((content_type.to_string(), body));
        self
    }

    pub fn with_form(mut self, form: Vec<(String, String)>) -> Self {
        self.form = Some(form);
        self
    }

    pub fn get(url: Url) -> HttpRequest<'a> {
        HttpRequest::new(Method::Get, url)
    }

    pub fn with_identity(mut self, identity: Option<&'a Identity>) -> Self {
        self.identity = identity;
        self
    }

    pub fn with_credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    pub fn with_json(mut self, json: Option<serde_json::Value>) -> Self {
        self.json = json;
        self
    }

    /// `GET https://host/path`, for evidence (never carries the credential).
    pub fn describe(&self) -> String {
        format!("{} {}", self.method.as_str(), self.url)
    }
}

/// A response as a check sees it.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub headers: HeaderMap,
    /// At most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
    pub truncated: bool,
    /// From sending the request to the last body byte read.
    pub elapsed: Duration,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A `Set-Cookie` the audit received, kept for review checks (value never kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenCookie {
    /// The request that received it (`GET https://…`).
    pub request: String,
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    /// `SameSite` as sent, if any.
    pub same_site: Option<String>,
}

impl SeenCookie {
    fn parse(request: &str, header: &str) -> Option<SeenCookie> {
        let mut parts = header.split(';');
        let (name, _value) = parts.next()?.split_once('=')?;
        let mut cookie = SeenCookie {
            request: request.to_string(),
            name: name.trim().to_string(),
            secure: false,
            http_only: false,
            same_site: None,
        };
        for attribute in parts {
            let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "secure" => cookie.secure = true,
                "httponly" => cookie.http_only = true,
                "samesite" => cookie.same_site = Some(value.trim().to_string()),
                _ => {}
            }
        }
        Some(cookie)
    }
}

/// Why a request produced no response. Every variant is an ERROR to the check.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("refused to contact {host}: not a host the profile names (scope guard)")]
    OutOfScope { host: String },
    #[error("refused to send a credential to {origin}: credentials go only to {allowed}")]
    CredentialOffOrigin { origin: String, allowed: String },
    #[error("no credential for {identity}: {reason}")]
    NoCredential { identity: String, reason: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Transport(String),
    /// Held back by the audit itself: the target kept limiting it.
    #[error("not sent: {0}")]
    HeldBack(String),
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    scope: Arc<HashSet<String>>,
    credential_origin: Origin,
    timeout: Duration,
    cookies: Arc<Mutex<Vec<SeenCookie>>>,
    credentials: Arc<Credentials>,
    redactor: Redactor,
    leaks: Arc<Leaks>,
    limited: Arc<AuditLimited>,
    untrusted: Arc<Untrusted>,
    /// "PATCH /api/x/1" → how many writes the target accepted (2xx), load included.
    accepted_writes: Arc<Mutex<HashMap<String, usize>>>,
    /// Origins that did not answer the preflight: nothing more is sent there.
    unreachable: Arc<super::preflight::Unreachable>,
}

/// Whether the target rate-limited the audit itself: one root cause, said once.
#[derive(Default)]
struct AuditLimited {
    sent: std::sync::atomic::AtomicUsize,
    /// The first 429: after how many requests, and on which.
    first: std::sync::OnceLock<(usize, String)>,
    /// Per origin: how the audit paces itself once it has been limited there.
    pacing: Mutex<HashMap<String, Pacing>>,
}

/// 429s to the audit's own probes (never a burst meant to meet a limiter) at one origin.
#[derive(Default)]
struct Pacing {
    strikes: usize,
    /// Honour the last short Retry-After: nothing is sent before this.
    not_before: Option<Instant>,
}

/// A Retry-After up to this long is honoured (once per request: wait, then send again);
/// longer ones are not waited for.
const MAX_PAUSE: Duration = Duration::from_secs(5);
/// After this many 429s at one origin the audit stops probing it: each further probe
/// would only be limited too, and adds to the load the target is shedding.
const STOP_AFTER_STRIKES: usize = 8;

impl AuditLimited {
    /// Waits out a short Retry-After, or refuses to send once the origin kept limiting.
    async fn admit(&self, origin: &str) -> Result<(), HttpError> {
        let wait = {
            let Ok(pacing) = self.pacing.lock() else {
                return Ok(());
            };
            let Some(state) = pacing.get(origin) else {
                return Ok(());
            };
            if state.strikes >= STOP_AFTER_STRIKES {
                return Err(HttpError::HeldBack(format!(
                    "{origin} limited this audit {} times; it stopped probing there",
                    state.strikes
                )));
            }
            state
                .not_before
                .map(|at| at.saturating_duration_since(Instant::now()))
        };
        if let Some(wait) = wait.filter(|w| !w.is_zero()) {
            tokio::time::sleep(wait.min(MAX_PAUSE)).await;
        }
        Ok(())
    }

    /// Notes a 429 at `origin`; the Retry-After to honour, when it is short enough.
    fn strike(&self, origin: &str, headers: &HeaderMap) -> Option<Duration> {
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .filter(|d| *d <= MAX_PAUSE);
        let mut pacing = self.pacing.lock().ok()?;
        let state = pacing.entry(origin.to_string()).or_default();
        state.strikes += 1;
        if let Some(pause) = retry_after {
            let until = Instant::now() + pause;
            state.not_before = Some(state.not_before.map_or(until, |at| at.max(until)));
        }
        retry_after
    }

    fn stopped_at(&self) -> Vec<String> {
        self.pacing
            .lock()
            .map(|p| {
                p.iter()
                    .filter(|(_, s)| s.strikes >= STOP_AFTER_STRIKES)
                    .map(|(origin, _)| origin.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Origins whose certificate did not verify: every HTTPS request to them fails, which is one
/// root cause behind the ERRORs of every check that went there.
#[derive(Default)]
struct Untrusted {
    /// Origin → (the verifier's complaint, failed requests).
    origins: Mutex<std::collections::BTreeMap<String, (String, usize)>>,
}

impl Untrusted {
    fn note(&self, url: &url::Url, error: &HttpError) {
        let HttpError::Transport(message) = error else {
            return;
        };
        let Some(at) = message.find("invalid peer certificate") else {
            return;
        };
        if let Ok(mut origins) = self.origins.lock() {
            let entry = origins
                .entry(url.origin().ascii_serialization())
                .or_insert_with(|| (message[at..].to_string(), 0));
            entry.1 += 1;
        }
    }
}

impl Http {
    pub fn new(profile: &Profile, dns: Arc<Dns>, redactor: Redactor) -> Result<Http, String> {
        let timeout = profile.network.timeout;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(profile)?)
            .dns_resolver(Arc::new(HttpResolver(dns)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(timeout)
            .tcp_nodelay(true)
            .user_agent(concat!("launch-audit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {}", error_chain(&e)))?;
        let credentials = Credentials::default();
        for identity in profile.identities.values() {
            if let Some(token) = &identity.token {
                credentials.set(&identity.name, token.expose().to_string());
            }
        }
        Ok(Http {
            client,
            scope: Arc::new(profile.scope_hosts().into_iter().collect()),
            credential_origin: profile.target.base_url.origin(),
            timeout,
            cookies: Arc::default(),
            credentials: Arc::new(credentials),
            redactor,
            leaks: Arc::default(),
            limited: Arc::default(),
            untrusted: Arc::default(),
            accepted_writes: Arc::default(),
            unreachable: Arc::default(),
        })
    }

    /// When the target answered 429 to the audit's own probes (not to a burst meant to
    /// meet a limiter): the sentence to say once, as the cause of the ERRORs it explains.
    pub fn limited_cause(&self) -> Option<String> {
        let (after, request) = self.limited.first.get()?;
        let stopped = self.limited.stopped_at();
        let pacing = if stopped.is_empty() {
            String::new()
        } else {
            format!(
                "; after {STOP_AFTER_STRIKES} limited answers the audit stopped probing {}",
                stopped.join(", ")
            )
        };
        Some(format!(
            "the target limited this audit (429 after {after} requests, first on {request}){pacing}: checks that met it could not decide; allow-list the auditor or raise the limit while auditing"
        ))
    }

    /// Nothing more is sent to `origin`: it did not answer when the audit started.
    pub(crate) fn mark_unreachable(&self, origin: String, why: String) {
        self.unreachable.mark(origin, self.redactor.redact(&why));
    }

    /// Origins that did not answer when the audit started, one sentence each.
    pub fn unreachable_causes(&self) -> Vec<String> {
        self.unreachable.causes()
    }

    /// How many `method path` writes the target accepted (answered 2xx) so far.
    pub fn accepted_writes(&self, method: Method, path: &str) -> usize {
        self.accepted_writes
            .lock()
            .ok()
            .and_then(|w| w.get(&format!("{} {path}", method.as_str())).copied())
            .unwrap_or(0)
    }

    /// Origins whose certificate chain did not verify for the audit's requests: one
    /// sentence each, said once as the cause (tls.certificate says what is wrong with it).
    pub fn untrusted_causes(&self) -> Vec<String> {
        let Ok(origins) = self.untrusted.origins.lock() else {
            return Vec::new();
        };
        origins
            .iter()
            .map(|(origin, (why, failed))| {
                format!(
                    "{origin} failed certificate verification ({why}) on {failed} request(s): checks that needed it could not decide; see tls.certificate"
                )
            })
            .collect()
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The credential `identity` holds now (its token, or what its login obtained).
    pub fn credential_of(&self, identity: &Identity) -> Option<String> {
        self.credentials
            .current(&identity.name)
            .ok()
            .map(|(value, _)| value)
    }

    /// How many responses were scanned for stack traces and debug pages, and what was found.
    pub fn leak_report(&self) -> (usize, Vec<LeakHit>) {
        self.leaks.report()
    }

    /// Every login so far, first logins and relogins.
    pub fn login_outcomes(&self) -> Vec<LoginOutcome> {
        self.credentials.outcomes()
    }

    /// Whether the scope guard lets requests go to `host`.
    pub fn in_scope(&self, host: &str) -> bool {
        self.scope.contains(&host.to_ascii_lowercase())
    }

    /// Every `Set-Cookie` received so far in this audit.
    pub fn seen_cookies(&self) -> Vec<SeenCookie> {
        self.cookies.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Sends `request`, reading at most [`MAX_BODY`] bytes of the body, all within the
    /// timeout. As an identity: with its current credential, and, when a credential that
    /// worked before meets a 401 and the identity may log in again, once more after a login.
    pub async fn send(&self, request: &HttpRequest<'_>) -> Result<Fetched, HttpError> {
        let Some(identity) = request.identity else {
            return self.exchange(request, None).await;
        };
        let (value, generation) =
            self.credentials
                .current(&identity.name)
                .map_err(|reason| HttpError::NoCredential {
                    identity: identity.name.clone(),
                    reason,
                })?;
        let response = self.exchange(request, Some((identity, &value))).await?;
        if response.status == 401 && identity.relogin() {
            // Single flight: concurrent 401s of one expired credential log in once; the
            // requests that waited retry with what that login obtained.
            let relogin = self.credentials.relogin_lock(&identity.name);
            let _one_at_a_time = relogin.lock().await;
            let fresh = match self.credentials.current(&identity.name) {
                Ok((value, current)) if current != generation => Some(value),
                Ok(_) if self.credentials.claim_relogin(&identity.name, generation) => {
                    self.login(identity, true).await.ok()
                }
                _ => None,
            };
            if let Some(fresh) = fresh {
                let retried = self.exchange(request, Some((identity, &fresh))).await?;
                if retried.is_success()
                    && let Ok((_, current)) = self.credentials.current(&identity.name)
                {
                    self.credentials.worked(&identity.name, current);
                }
                return Ok(retried);
            }
            return Ok(response);
        }
        if response.is_success() {
            self.credentials.worked(&identity.name, generation);
        }
        Ok(response)
    }

    /// One exchange; `credential` is the identity whose credential value to attach. Once
    /// the target has limited the audit's own probes it is paced: a short Retry-After is
    /// waited out and the request sent once more, and after repeated limits the origin is
    /// no longer probed. Bursts meant to meet a limiter are never paced.
    pub(crate) async fn exchange(
        &self,
        request: &HttpRequest<'_>,
        credential: Option<(&Identity, &str)>,
    ) -> Result<Fetched, HttpError> {
        let paced = !request.unrecorded && !request.provokes_limit;
        if !paced {
            return self.exchange_once(request, credential).await;
        }
        let origin = request.url.origin().ascii_serialization();
        self.limited.admit(&origin).await?;
        let response = self.exchange_once(request, credential).await?;
        if response.status != 429 {
            return Ok(response);
        }
        match self.limited.strike(&origin, &response.headers) {
            Some(_) => {
                self.limited.admit(&origin).await?;
                let again = self.exchange_once(request, credential).await?;
                if again.status == 429 {
                    self.limited.strike(&origin, &again.headers);
                }
                Ok(again)
            }
            None => Ok(response),
        }
    }

    async fn exchange_once(
        &self,
        request: &HttpRequest<'_>,
        credential: Option<(&Identity, &str)>,
    ) -> Result<Fetched, HttpError> {
        let host = request
            .url
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !self.scope.contains(&host) {
            return Err(HttpError::OutOfScope { host });
        }
        if let Some(held) = self
            .unreachable
            .held_back(&request.url.origin().ascii_serialization())
        {
            return Err(held);
        }
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| HttpError::Transport(e.to_string()))?;
        if credential.is_some() || request.credential.is_some() {
            let origin = request.url.origin();
            if origin != self.credential_origin {
                return Err(HttpError::CredentialOffOrigin {
                    origin: origin.ascii_serialization(),
                    allowed: self.credential_origin.ascii_serialization(),
                });
            }
        }
        let mut url = request.url.clone();
        if let Some(Credential::Query(name, value)) = &request.credential {
            url.query_pairs_mut().append_pair(name, value);
        }
        let mut builder = self.client.request(method, url);
        if let Some((identity, token)) = credential {
            builder = match &identity.scheme {
                Scheme::Bearer => builder.bearer_auth(token),
                Scheme::Header(name) => builder.header(name.as_str(), token),
                Scheme::Cookie(name) => builder.header("cookie", format!("{name}={token}")),
            };
        }
        builder = match &request.credential {
            Some(Credential::Authorization(value)) => {
                builder.header("authorization", value.as_str())
            }
            Some(Credential::Header(name, value)) => builder.header(name.as_str(), value.as_str()),
            Some(Credential::Cookie(name, value)) => {
                builder.header("cookie", format!("{name}={value}"))
            }
            Some(Credential::Query(..)) | None => builder,
        };
        if let Some(form) = &request.form {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter())
                .finish();
            builder = builder
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some((content_type, body)) = &request.raw {
            builder = builder
                .header("content-type", content_type.as_str())
                .body(body.clone());
        }
        if let Some(json) = &request.json {
            builder = builder
                .header("content-type", "application/json")
                .body(serde_json::to_vec(json).unwrap_or_default());
        }
        let described = request.describe();
        let started = Instant::now();
        let exchange = async {
            let mut response = builder.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            if !request.unrecorded && !request.provokes_limit {
                let sent = self
                    .limited
                    .sent
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    + 1;
                if status == 429 {
                    let _ = self.limited.first.set((sent, described.clone()));
                }
            }
            if !request.unrecorded {
                self.remember_cookies(&described, &headers);
            }
            if !request.method.is_safe()
                && (200..300).contains(&status)
                && let Ok(mut writes) = self.accepted_writes.lock()
            {
                *writes
                    .entry(format!(
                        "{} {}",
                        request.method.as_str(),
                        request.url.path()
                    ))
                    .or_default() += 1;
            }
            let mut body = Vec::new();
            let mut truncated = false;
            let cap = request.body_limit.unwrap_or(MAX_BODY);
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                let room = cap - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            if !request.unrecorded {
                self.leaks.scan(&described, status, &body);
            }
            Ok(Fetched {
                status,
                headers,
                body,
                truncated,
                elapsed: started.elapsed(),
            })
        };
        let outcome = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))?;
        if let Err(error) = &outcome
            && !request.unrecorded
        {
            self.untrusted.note(&request.url, error);
        }
        outcome
    }
}

impl Http {
    fn remember_cookies(&self, request: &str, headers: &HeaderMap) {
        let Ok(mut seen) = self.cookies.lock() else {
            return;
        };
        for value in headers.get_all("set-cookie") {
            if seen.len() >= MAX_SEEN_COOKIES {
                return;
            }
            let header = String::from_utf8_lossy(value.as_bytes());
            // A session-sized value is a credential the app handed out: masked from now on,
            // and looked for in the app's logs (`logs.secrets`).
            if let Some((_, value)) = header.split(';').next().and_then(|kv| kv.split_once('='))
                && value.trim().len() >= MIN_LEARNT_COOKIE_CHARS
            {
                self.redactor.add(value.trim().to_string());
            }
            if let Some(cookie) = SeenCookie::parse(request, &header) {
                seen.push(cookie);
            }
        }
    }
}

/// Cookie values this long are treated as credentials; shorter ones (`lang=en`,
/// `consent=yes`) would mask ordinary words in every report.
const MIN_LEARNT_COOKIE_CHARS: usize = 16;

fn transport(error: reqwest::Error) -> HttpError {
    if error.is_timeout() {
        return HttpError::Transport(format!("timed out: {}", error_chain(&error)));
    }
    HttpError::Transport(error_chain(&error))
}

/// "error sending request: client error (Connect): tcp connect error: Connection refused".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// rustls with ring, trusting the Mozilla roots plus the profile's `ca_file`.
fn tls_config(profile: &Profile) -> Result<rustls::ClientConfig, String> {
    let roots = super::tls::trust_store(profile)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", value.parse().expect("header value"));
        headers
    }

    #[test]
    fn a_short_retry_after_is_honoured_and_a_target_that_keeps_limiting_is_left_alone() {
        let limited = AuditLimited::default();
        let origin = "https://app.example.com";
        assert_eq!(
            limited.strike(origin, &retry_after("1")),
            Some(Duration::from_secs(1)),
            "a short Retry-After is waited out"
        );
        assert_eq!(
            limited.strike(origin, &retry_after("60")),
            None,
            "a long one is not"
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        assert!(
            runtime.block_on(limited.admit(origin)).is_ok(),
            "2 strikes: still sent"
        );
        for _ in 2..STOP_AFTER_STRIKES {
            limited.strike(origin, &HeaderMap::new());
        }
        let held = runtime.block_on(limited.admit(origin));
        assert!(
            matches!(held, Err(HttpError::HeldBack(ref why)) if why.contains("stopped probing")),
            "{held:?}"
        );
        assert_eq!(limited.stopped_at(), vec![origin.to_string()]);
        assert!(
            runtime
                .block_on(limited.admit("https://other.example.com"))
                .is_ok(),
            "only the origin that limited is held back"
        );
    }
}

//! The one HTTP client every check uses, with the tool's own safety built in:
//! - the scope guard: requests go only to hosts the profile names, but for the anonymous
//!   GET of a script or map the app's pages load (as a browser reads it);
//! - credentials go only to the origin of `base_url`, the origin they belong to;
//! - redirects are never followed automatically (checks follow them hop by hop);
//! - one timeout covers connect, headers and body; bodies are read up to a cap.
//!
//! `request` holds what a check sends and receives; `pacing` how the client backs off a
//! target that limits it.

mod pacing;
mod politeness;
mod request;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use url::Origin;

use super::credentials::{Credentials, LoginOutcome};
use super::dns::{Dns, HttpResolver};
use super::redact::Redactor;
use crate::profile::Profile;
use crate::profile::identity::{Identity, Scheme};
use crate::profile::routes::Method;
use pacing::{AuditLimited, Untrusted};
use politeness::Politeness;
pub use request::{Credential, Fetched, HttpRequest, MAX_BODY, SeenCookie};

/// How many `Set-Cookie` headers one audit remembers for review; the rest are dropped.
const MAX_SEEN_COOKIES: usize = 1000;

/// Reads every response body the audit receives, whichever check asked (the input family's
/// error-signature scan). Registered from above with [`Http::watch`], so the HTTP layer
/// names no check family.
pub trait BodyWatcher: Send + Sync {
    fn received(&self, received: &Received<'_>);
}

/// An answer as a [`BodyWatcher`] sees it: also the ones a check never gets, because their
/// body never ended within the timeout.
pub struct Received<'a> {
    /// `GET https://…`.
    pub request: &'a str,
    pub status: u16,
    pub headers: &'a HeaderMap,
    /// What was read of the body: all of it only when `whole`.
    pub body: &'a [u8],
    /// The body ended, within the cap and the timeout.
    pub whole: bool,
}

/// Why a body was not read to its end.
enum BodyEnd {
    /// It was still coming when the timeout ran out.
    NeverEnded,
    /// The connection failed mid-body.
    Broken(HttpError),
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
    /// Where a credential placed by hand may go: base_url's origin, and the data API's
    /// ([baas] url), whose public key the baas family places. An identity's credential goes
    /// only to its own origins.
    credential_origins: Vec<Origin>,
    timeout: Duration,
    cookies: Arc<Mutex<Vec<SeenCookie>>>,
    credentials: Arc<Credentials>,
    redactor: Redactor,
    watchers: Arc<std::sync::RwLock<Vec<Arc<dyn BodyWatcher>>>>,
    limited: Arc<AuditLimited>,
    untrusted: Arc<Untrusted>,
    /// "PATCH /api/x/1" → how many writes the target accepted (2xx), load included.
    accepted_writes: Arc<Mutex<HashMap<String, usize>>>,
    /// The app's login page (`[auth] login_path`): a redirect there is a gate's answer, not
    /// the app's, when the running check's contact is noted.
    login_path: Option<Arc<str>>,
    /// Origins that did not answer the preflight: nothing more is sent there.
    unreachable: Arc<super::preflight::Unreachable>,
    /// A few requests in flight per origin; connections the target dropped.
    politeness: Arc<Politeness>,
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
            // Idle connections are given up before the usual keep-alive timeouts (Node's
            // 5 s) close them under a request; no more are kept than may be in use.
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(profile.network.max_connections)
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
            credential_origins: std::iter::once(profile.target.base_url.origin())
                .chain(profile.baas.iter().map(|b| b.url.origin()))
                .collect(),
            timeout,
            cookies: Arc::default(),
            credentials: Arc::new(credentials),
            redactor,
            watchers: Arc::default(),
            limited: Arc::default(),
            untrusted: Arc::default(),
            accepted_writes: Arc::default(),
            login_path: profile.auth.login_path.as_deref().map(Arc::from),
            unreachable: Arc::default(),
            politeness: Arc::new(Politeness::new(profile.network.max_connections)),
        })
    }

    /// Origins that closed connections the audit was using, one sentence each.
    pub fn dropped_connection_causes(&self) -> Vec<String> {
        self.politeness.causes()
    }

    /// When the target answered 429 to the audit's own probes (not to a burst meant to
    /// meet a limiter): the sentence to say once, as the cause of the ERRORs it explains.
    pub fn limited_cause(&self) -> Option<String> {
        self.limited.cause()
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
        self.untrusted.causes()
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

    /// From now on `watcher` reads every recorded response body (load traffic excepted).
    pub fn watch(&self, watcher: Arc<dyn BodyWatcher>) {
        if let Ok(mut watchers) = self.watchers.write() {
            watchers.push(watcher);
        }
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
        // The scope guard is about where credentials and probes go: what the app's own
        // pages load is read as a browser reads it, anonymously, wherever it is served.
        if !self.scope.contains(&host) && !request.is_anonymous_read() {
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
        let origin = request.url.origin();
        if let Some((identity, _)) = credential
            && !identity.origins.contains(&origin)
        {
            return Err(HttpError::CredentialOffOrigin {
                origin: origin.ascii_serialization(),
                allowed: listed(&identity.origins),
            });
        }
        if request.credential.is_some() && !self.credential_origins.contains(&origin) {
            return Err(HttpError::CredentialOffOrigin {
                origin: origin.ascii_serialization(),
                allowed: listed(&self.credential_origins),
            });
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
            Some(Credential::Headers(pairs)) => pairs.iter().fold(builder, |b, (name, value)| {
                b.header(name.as_str(), value.as_str())
            }),
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
        let origin = request.url.origin().ascii_serialization();
        // Waiting for a slot is not the target's time: the timeout starts once sent. Load
        // traffic keeps to its own in-flight cap (`[latency] max_in_flight`).
        let _slot = if request.unrecorded {
            None
        } else {
            self.politeness.slot(&origin).await
        };
        super::contact::http_sent();
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started + self.timeout);
        let exchange = async {
            let retry = politeness::is_idempotent(request.method)
                .then(|| builder.try_clone())
                .flatten();
            let response = match builder.send().await {
                Ok(response) => response,
                Err(error) if politeness::is_dropped_connection(&error) => match retry {
                    Some(retry) => {
                        let again = retry.send().await;
                        self.politeness.note_dropped(&origin, again.is_ok());
                        again.map_err(transport)?
                    }
                    None => return Err(transport(error)),
                },
                Err(error) => return Err(transport(error)),
            };
            Ok(response)
        };
        let answered = tokio::time::timeout_at(deadline, exchange)
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))
            .and_then(|outcome| outcome);
        let mut response = match answered {
            Ok(response) => response,
            Err(error) => {
                if !request.unrecorded {
                    self.untrusted.note(&request.url, &error);
                }
                return Err(error);
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // The app itself answered (its own page, or its own failure), not a gate in front:
        // whatever the body does next, the check reached what it audits.
        if super::reached::gate_of(status, &headers, self.login_path.as_deref()).is_none() {
            super::contact::http_answered();
        }
        if !request.unrecorded && !request.provokes_limit {
            self.limited.sent(status, &described);
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
        // The body, up to the cap and within what is left of the timeout: what was read is
        // kept, so the watchers learn of an answer that never ended as well.
        let cap = request.body_limit.unwrap_or(MAX_BODY);
        // Sized from Content-Length when it is given (within the cap), so a large body is
        // not grown by doubling; a lying length only changes the first allocation.
        let announced = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut body = Vec::with_capacity(announced.min(cap));
        // Every byte kept is drawn from the audit's body budget until this exchange ends,
        // so what all requests hold at once is bounded whatever the target sends.
        let mut drawn = None;
        let ending = loop {
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => break Err(BodyEnd::NeverEnded),
                Ok(Err(error)) => break Err(BodyEnd::Broken(transport(error))),
                Ok(Ok(None)) => break Ok(false),
                Ok(Ok(Some(chunk))) => {
                    let room = cap - body.len();
                    let kept = &chunk[..chunk.len().min(room)];
                    match tokio::time::timeout_at(deadline, self.politeness.draw(kept.len())).await
                    {
                        Ok(Some(permit)) => politeness::hold(&mut drawn, permit),
                        Ok(None) => {}
                        Err(_) => break Err(BodyEnd::NeverEnded),
                    }
                    body.extend_from_slice(kept);
                    if chunk.len() > room {
                        break Ok(true);
                    }
                }
            }
        };
        drop(drawn);
        if !request.unrecorded {
            let received = Received {
                request: &described,
                status,
                headers: &headers,
                body: &body,
                whole: matches!(ending, Ok(false)),
            };
            let watchers = self.watchers.read().map(|w| w.clone()).unwrap_or_default();
            for watcher in watchers {
                watcher.received(&received);
            }
        }
        let truncated = match ending {
            Ok(truncated) => truncated,
            Err(BodyEnd::NeverEnded) => return Err(HttpError::Timeout(self.timeout)),
            Err(BodyEnd::Broken(error)) => {
                if !request.unrecorded {
                    self.untrusted.note(&request.url, &error);
                }
                return Err(error);
            }
        };
        // Read in chunks, the buffer may have grown to twice the body: hand back only what
        // it holds (a 10 MiB script would otherwise keep 16 MiB).
        body.shrink_to_fit();
        Ok(Fetched {
            status,
            headers,
            body,
            truncated,
            elapsed: started.elapsed(),
        })
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

/// Idle pooled connections are not reused after this long: under the keep-alive timeouts
/// servers commonly use (Node 5 s, nginx 75 s), so the server does not close one as the
/// audit sends on it.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

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

/// Origins as an error names them: `https://a, https://b`.
fn listed(origins: &[Origin]) -> String {
    origins
        .iter()
        .map(Origin::ascii_serialization)
        .collect::<Vec<_>>()
        .join(", ")
}

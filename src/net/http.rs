//! The one HTTP client every check uses, with the tool's own safety built in:
//! - the scope guard: requests go only to hosts the profile names;
//! - credentials go only to the origin of `base_url`, the origin they belong to;
//! - redirects are never followed automatically (checks follow them hop by hop);
//! - one timeout covers connect, headers and body; bodies are read up to a cap.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use url::{Origin, Url};

use super::dns::{Dns, HttpResolver};
use crate::profile::{Identity, Method, Profile};

/// Bodies are read up to this many bytes; the rest is dropped and `truncated` set.
pub const MAX_BODY: usize = 1024 * 1024;

/// A request a check wants sent.
pub struct HttpRequest<'a> {
    pub method: Method,
    pub url: Url,
    /// Whose credential to attach, if any.
    pub identity: Option<&'a Identity>,
}

impl<'a> HttpRequest<'a> {
    pub fn get(url: Url) -> HttpRequest<'a> {
        HttpRequest {
            method: Method::Get,
            url,
            identity: None,
        }
    }

    pub fn with_identity(mut self, identity: Option<&'a Identity>) -> Self {
        self.identity = identity;
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

/// Why a request produced no response. Every variant is an ERROR to the check.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("refused to contact {host}: not a host the profile names (scope guard)")]
    OutOfScope { host: String },
    #[error("refused to send a credential to {origin}: credentials go only to {allowed}")]
    CredentialOffOrigin { origin: String, allowed: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Transport(String),
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    scope: Arc<HashSet<String>>,
    credential_origin: Origin,
    timeout: Duration,
}

impl Http {
    pub fn new(profile: &Profile, dns: Arc<Dns>) -> Result<Http, String> {
        let timeout = profile.network.timeout;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(profile)?)
            .dns_resolver(Arc::new(HttpResolver(dns)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(timeout)
            .user_agent(concat!("launch-audit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {}", error_chain(&e)))?;
        Ok(Http {
            client,
            scope: Arc::new(profile.hosts().into_iter().collect()),
            credential_origin: profile.target.base_url.origin(),
            timeout,
        })
    }

    /// Sends `request`, reading at most [`MAX_BODY`] bytes of the body, all within the timeout.
    pub async fn send(&self, request: &HttpRequest<'_>) -> Result<Fetched, HttpError> {
        let host = request
            .url
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !self.scope.contains(&host) {
            return Err(HttpError::OutOfScope { host });
        }
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| HttpError::Transport(e.to_string()))?;
        let mut builder = self.client.request(method, request.url.clone());
        if let Some(identity) = request.identity {
            let origin = request.url.origin();
            if origin != self.credential_origin {
                return Err(HttpError::CredentialOffOrigin {
                    origin: origin.ascii_serialization(),
                    allowed: self.credential_origin.ascii_serialization(),
                });
            }
            builder = builder.bearer_auth(identity.token.expose());
        }
        let started = Instant::now();
        let exchange = async {
            let mut response = builder.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                let room = MAX_BODY - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Fetched {
                status,
                headers,
                body,
                truncated,
                elapsed: started.elapsed(),
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))?
    }
}

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
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in &profile.network.extra_roots {
        roots
            .add(cert.clone())
            .map_err(|e| format!("network.ca_file: unusable certificate: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

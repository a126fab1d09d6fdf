//! What a check asks the HTTP client to send, and what it gets back.

use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use crate::profile::identity::Identity;
use crate::profile::routes::Method;

/// Bodies are read up to this many bytes; the rest is dropped and `truncated` set.
pub const MAX_BODY: usize = 1024 * 1024;

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
    /// A script or source map the app's own pages load, read anonymously as a browser
    /// reads it: it may be on a host the profile does not name (a CDN), and then goes
    /// with no credential, no cookie and no probe ([`HttpRequest::page_asset`]).
    pub page_asset: bool,
}

/// A credential placed by hand.
#[derive(Clone, Debug)]
pub enum Credential {
    /// The whole `Authorization` header value, e.g. `Bearer x` or `Basic x`.
    Authorization(String),
    Header(String, String),
    /// Several headers, as a data API's client sends its key (`apikey` beside
    /// `Authorization`).
    Headers(Vec<(String, String)>),
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
            page_asset: false,
        }
    }

    /// A plain anonymous GET of something the app's pages load (a script, its map).
    pub fn page_asset(url: Url) -> HttpRequest<'a> {
        let mut request = HttpRequest::get(url);
        request.page_asset = true;
        request
    }

    /// Whether this request is only what a browser sends for a page's subresource: a GET
    /// with no credential and no header of the audit's own. Only such a request may leave
    /// the profile's hosts.
    pub fn is_anonymous_read(&self) -> bool {
        self.page_asset
            && self.method == Method::Get
            && self.identity.is_none()
            && self.credential.is_none()
            && self.headers.is_empty()
            && self.json.is_none()
            && self.form.is_none()
            && self.raw.is_none()
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
    pub(super) fn parse(request: &str, header: &str) -> Option<SeenCookie> {
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

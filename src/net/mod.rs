//! The only door to the network: every check's DNS and HTTP traffic goes through here, so
//! scope, credentials, timeouts, body caps and redaction are enforced once.

pub mod contact;
pub mod credentials;
pub mod dns;
pub mod http;
pub mod legacy_tls;
mod login;
pub mod preflight;
pub mod reached;
pub mod redact;
pub mod tls;

pub use credentials::LoginOutcome;
pub use dns::{Dns, DnsAnswer, DnsFailure, Lookup, SeenRecord};
pub use http::{
    BodyWatcher, Credential, Fetched, Http, HttpError, HttpRequest, MAX_BODY, Received, SeenCookie,
};
pub use reached::{Gate, Reached, reached};
pub use redact::Redactor;

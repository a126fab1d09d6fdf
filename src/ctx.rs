//! The context shared by every check of one audit.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::net::{Dns, Http, Redactor};
use crate::profile::Profile;

/// What the person running the audit consented to on the command line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Consent {
    /// `--allow-production-writes`: write probes may run against `environment = "production"`.
    pub production_writes: bool,
    /// `--allow-production-load`: load, bursts and AI probes may run against production.
    pub production_load: bool,
}

/// One per audit: the profile, one resolver, one HTTP client (sharing its connection pool
/// across checks), the redactor, and the consent given.
pub struct Ctx {
    pub profile: Arc<Profile>,
    pub dns: Arc<Dns>,
    pub http: Http,
    pub redactor: Redactor,
    pub consent: Consent,
    /// What each check family keeps for this audit (see [`Ctx::slot`]).
    slots: Slots,
    /// Counters the load checks bump for the progress bar.
    pub load_progress: Arc<crate::progress::LoadProgress>,
    /// One browser-like TLS handshake per `(host, port)`, shared by the checks that read
    /// the chain it received.
    handshakes: std::sync::Mutex<HashMap<(String, u16), Arc<SharedHandshake>>>,
}

/// Per-audit state a check family keeps for its checks (a cache shared by several checks,
/// a mark taken when the audit started), one value per type. The family owns the type and
/// `Ctx` only holds it, so the context names no family.
#[derive(Default)]
struct Slots(std::sync::Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

type SharedHandshake = tokio::sync::OnceCell<Result<crate::net::tls::Handshake, String>>;

/// Longest excerpt of a body kept as evidence.
pub const EXCERPT_CHARS: usize = 160;

impl Ctx {
    pub fn new(profile: Arc<Profile>, consent: Consent) -> Result<Ctx, String> {
        let dns = Arc::new(Dns::new(
            &profile.network.nameservers,
            profile.network.timeout,
        )?);
        let redactor = Redactor::new(profile.secrets());
        let http = Http::new(&profile, dns.clone(), redactor.clone())?;
        Ok(Ctx {
            profile,
            dns,
            http,
            redactor,
            consent,
            slots: Slots::default(),
            handshakes: Default::default(),
            load_progress: Arc::default(),
        })
    }

    /// This audit's `T`, made from the profile the first time any check asks for it and
    /// shared by every check after that.
    pub fn slot<T: Any + Send + Sync>(&self, make: impl FnOnce(&Profile) -> T) -> Arc<T> {
        let mut slots = self.slots.0.lock().unwrap_or_else(|p| p.into_inner());
        let key = TypeId::of::<T>();
        if let Some(value) = slots.get(&key).and_then(|v| v.clone().downcast::<T>().ok()) {
            return value;
        }
        let value = Arc::new(make(&self.profile));
        slots.insert(key, value.clone());
        value
    }

    /// A TLS handshake with `host:port` offering what browsers offer, once per audit, behind
    /// the same scope guard as HTTP.
    pub async fn handshake(
        &self,
        host: &str,
        port: u16,
    ) -> Result<crate::net::tls::Handshake, String> {
        if !self.http.in_scope(host) {
            return Err(format!("{host} is not a host the profile names"));
        }
        let cell = {
            let mut map = self.handshakes.lock().unwrap_or_else(|p| p.into_inner());
            map.entry((host.to_string(), port)).or_default().clone()
        };
        cell.get_or_init(|| {
            crate::net::tls::handshake(
                &self.dns,
                host,
                port,
                self.profile.network.timeout,
                crate::net::tls::Offer::Modern,
            )
        })
        .await
        .clone()
    }

    /// A one-line excerpt of a body for evidence: redacted *before* it is cut, so a cut can
    /// never leave the front half of a secret behind.
    pub fn excerpt(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        let flat: String = self
            .redactor
            .redact(&text)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if flat.is_empty() {
            // Said, so a summary never ends in "302 in 17 ms: " and nothing.
            return "an empty body".into();
        }
        if flat.chars().count() > EXCERPT_CHARS {
            let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
            format!("{cut}…")
        } else {
            flat
        }
    }
}

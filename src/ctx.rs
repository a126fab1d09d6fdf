//! The context shared by every check of one audit.

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
    /// Each route's baseline (a legitimate caller's answer), fetched once for the checks
    /// that compare against it; indexed like `profile.routes`.
    pub(crate) baselines: Vec<tokio::sync::OnceCell<crate::checks::probe::CachedBaseline>>,
    /// The client bundle, collected once for the checks that read it.
    pub(crate) bundle: tokio::sync::OnceCell<crate::checks::exposure::Bundle>,
    /// Where the app's logs stood when the audit started (`logs.secrets` reads from there).
    pub(crate) log_marks: crate::checks::logs::Marks,
    /// The messages the journeys received, for `email.delivered`.
    pub(crate) journeys: crate::checks::journeys::walk::Deliveries,
    /// Counters the load checks bump for the progress bar.
    pub load_progress: Arc<crate::progress::LoadProgress>,
    /// One browser-like TLS handshake per `(host, port)`, shared by the checks that read
    /// the chain it received.
    handshakes: std::sync::Mutex<std::collections::HashMap<(String, u16), Arc<SharedHandshake>>>,
}

type SharedHandshake = tokio::sync::OnceCell<Result<crate::net::tls::Handshake, String>>;

/// Longest excerpt of a body kept as evidence.
pub const EXCERPT_CHARS: usize = 160;

impl Ctx {
    pub fn new(profile: Arc<Profile>, consent: Consent) -> Result<Ctx, String> {
        let dns = Arc::new(Dns::new(
            &profile.network.nameservers,
            profile.network.timeout,
        )?);
        // Marked first: every line the audit's traffic causes comes after this.
        let log_marks = crate::checks::logs::Marks::take(profile.logs.as_ref());
        let redactor = Redactor::new(profile.secrets());
        let http = Http::new(&profile, dns.clone(), redactor.clone())?;
        let baselines = profile
            .routes
            .iter()
            .map(|_| tokio::sync::OnceCell::new())
            .collect();
        Ok(Ctx {
            baselines,
            profile,
            dns,
            http,
            redactor,
            consent,
            bundle: tokio::sync::OnceCell::new(),
            log_marks,
            journeys: Default::default(),
            handshakes: Default::default(),
            load_progress: Arc::default(),
        })
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
        if flat.chars().count() > EXCERPT_CHARS {
            let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
            format!("{cut}…")
        } else {
            flat
        }
    }
}

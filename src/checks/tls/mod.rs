//! TLS family: `tls.certificate`, `tls.expiry`, `tls.protocols`, `tls.hsts`, and
//! `tls.mixed-content` (what the https pages load over plain http).
//!
//! Every `https://` host the profile names is looked at (`Profile::https_hosts`). One
//! handshake per host is shared by the certificate and expiry checks (`Ctx::handshake`).

pub mod cfg;

mod certificate;
mod expiry;
mod hsts;
mod mixed_content;
mod protocols;

pub use certificate::Certificate;
pub use expiry::Expiry;
pub use hsts::Hsts;
pub use mixed_content::MixedContent;
pub use protocols::Protocols;

use crate::check::Applicability;
use crate::profile::Profile;

/// Runs when the profile names at least one https:// URL.
fn applies(profile: &Profile) -> Applicability {
    if profile.https_hosts().is_empty() {
        Applicability::Skip {
            key: "tls.hosts",
            reason: "the profile names no https:// URL (base_url, canonical, entry_points or [tls] hosts)".into(),
        }
    } else {
        Applicability::Run
    }
}

/// `host:port`, as evidence names it.
fn subject(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(Certificate),
        Registered::one(Expiry),
        Registered::one(Hsts),
        Registered::one(MixedContent),
        Registered::one(Protocols),
    ]
}

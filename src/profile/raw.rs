//! The profile exactly as written: serde shapes with `deny_unknown_fields`, keeping the
//! spans of the values validation may blame. The composition: each section's shape lives
//! with what owns it (a family's `cfg`, or the core sections of `profile`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::checks::ai::cfg::RawAiEndpoint;
use crate::checks::auth::cfg::{RawAuth, RawSession};
use crate::checks::dns::cfg::RawDns;
use crate::checks::email::cfg::RawEmail;
use crate::checks::exposure::cfg::RawSource;
use crate::checks::handover::cfg::RawAttestation;
use crate::checks::health::cfg::RawHealth;
use crate::checks::latency::cfg::RawLatency;
use crate::checks::ratelimit::cfg::RawRateLimit;
use crate::checks::redirects::cfg::RawRedirects;
use crate::checks::tls::cfg::RawTls;
use crate::checks::webhooks::cfg::RawWebhook;
use crate::profile::identity::RawIdentity;
use crate::profile::routes::RawRoute;
use crate::profile::target::{RawNetwork, RawTarget};
use crate::waivers::RawWaiver;

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
    /// Owned by the graphql family: the GraphQL endpoints and their operations.
    #[serde(default)]
    pub graphql: Vec<crate::checks::graphql::cfg::RawGraphql>,
    /// Owned by the baas family: the data API the browser talks to.
    pub baas: Option<crate::checks::baas::cfg::RawBaas>,
    /// Handover item (`rollback-plan`) → who answered for it.
    #[serde(default)]
    pub attest: BTreeMap<String, RawAttestation>,
}

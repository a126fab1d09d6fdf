//! The assembled run: what an audit produced, the single input of every reporter.
//! It sits above the results, the decision, the next tasks and the write outcomes.
//! Serialized as the JSON report; bump [`SCHEMA_VERSION`] on any incompatible change and
//! describe it in `docs/json-report.md`.

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::profile::Environment;
use crate::result::{CheckResult, Status};

/// Version of the JSON report's shape.
pub const SCHEMA_VERSION: u32 = 2;

/// Who and what was audited.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetSummary {
    pub name: String,
    pub base_url: String,
    pub environment: Environment,
    /// The profile file.
    pub profile: String,
    /// SHA-256 of the profile text (hex).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub profile_sha256: String,
    /// `[target] domain`, when the profile names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

impl TargetSummary {
    /// The name catalogue texts speak of: the domain, else base_url's host.
    pub fn domain_name(&self) -> String {
        self.domain.clone().unwrap_or_else(|| {
            url::Url::parse(&self.base_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "example.com".to_string())
        })
    }
}

/// A whole audit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditRun {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub target: TargetSummary,
    /// RFC 3339, UTC, when the audit started.
    pub started_at: String,
    pub duration_ms: u64,
    pub decision: Decision,
    pub results: Vec<CheckResult>,
    /// The open findings, most urgent first, each with its fix path (the hand-over's to-do
    /// list). Absent in reports of older versions.
    #[serde(default)]
    pub next_tasks: Vec<crate::next_tasks::NextTask>,
    /// The DNS records of the domain and the profile's hosts, when a `dns.*` check ran.
    #[serde(default)]
    pub dns_inventory: Vec<crate::inventory::InventoryRecord>,
    /// Root causes behind many results, said once (the target rate-limited the audit).
    #[serde(default)]
    pub causes: Vec<String>,
    /// What became of each write route the probes wrote to: restored, unchanged, or left
    /// changed (and exactly how). Absent in reports of older versions.
    #[serde(default)]
    pub writes: Vec<crate::writes::WriteOutcome>,
}

impl AuditRun {
    /// How many results have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
}

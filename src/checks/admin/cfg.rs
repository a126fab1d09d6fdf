//! `[audit_trail]`: where the app lists its admin audit entries, who may read them, and how
//! an entry names its actor. The family owns its section: shape, defaults, validation.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::identity::Identity;
use crate::profile::routes::Route;
use crate::profile::validator::Validator;

/// How long an entry may take to appear when the profile names no `wait`.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);
/// The longest `wait` the check accepts.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// `[audit_trail]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuditTrail {
    /// The route that lists the entries (GET), under base_url.
    pub path: Spanned<String>,
    /// An identity that may read it; it also makes the admin write.
    pub identity: Spanned<String>,
    /// The write route (a `[[routes]]` name); default: the first write route the identity
    /// may use, preferring one with `allow_writes = true`.
    pub route: Option<Spanned<String>>,
    /// JSON pointer to the list in the answer; default: the body itself, or its `entries`,
    /// `data`, `items`, `events` or `logs` member.
    pub entries: Option<Spanned<String>>,
    /// How an entry names the identity (an email, a user id); default: the identity's name.
    pub actor: Option<String>,
    /// How long the entry may take to appear (default 5s, at most 60s).
    pub wait: Option<Spanned<String>>,
}

/// `[audit_trail]`, validated.
#[derive(Clone, Debug)]
pub struct AuditTrail {
    pub path: String,
    pub identity: String,
    /// Index into `profile.routes`.
    pub route: usize,
    pub entries: Option<String>,
    pub actor: String,
    pub wait: Duration,
}

pub(crate) fn validate(
    raw: RawAuditTrail,
    identities: &BTreeMap<String, Identity>,
    routes: &[Route],
    v: &mut Validator<'_>,
) -> Option<AuditTrail> {
    if !raw.path.get_ref().starts_with('/') {
        v.blame(
            &raw.path,
            "audit_trail.path",
            "expected a path under base_url, such as `/api/admin/audit-log`",
        );
    }
    let Some(identity) = identities.get(raw.identity.get_ref()) else {
        v.blame(
            &raw.identity,
            "audit_trail.identity",
            format!(
                "no identity `{}`: expected one of the [identities.*] tables ({})",
                raw.identity.get_ref(),
                identities.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
        return None;
    };
    // `allow_writes` is the check's to ask for (it SKIPs without it), not the profile's
    // validity: taking it away must not break the profile.
    let writable = |r: &Route| !r.only_reads() && identity.may_use(&r.roles);
    let writable_first = routes
        .iter()
        .position(|r| writable(r) && r.allow_writes)
        .or_else(|| routes.iter().position(writable));
    let route = match &raw.route {
        Some(name) => match routes.iter().position(|r| &r.name == name.get_ref()) {
            Some(i) if writable(&routes[i]) => i,
            Some(_) => {
                v.blame(
                    name,
                    "audit_trail.route",
                    format!(
                        "route `{}` is not a write `{}` may send: it needs an unsafe method and a role the identity holds",
                        name.get_ref(),
                        identity.name
                    ),
                );
                return None;
            }
            None => {
                v.blame(
                    name,
                    "audit_trail.route",
                    format!("no [[routes]] entry is named `{}`", name.get_ref()),
                );
                return None;
            }
        },
        None => match writable_first {
            Some(i) => i,
            None => {
                v.blame(
                    &raw.identity,
                    "audit_trail.route",
                    format!(
                        "no [[routes]] entry is a write `{}` may send (an unsafe method, a role it holds): the check needs one admin write to look for",
                        identity.name
                    ),
                );
                return None;
            }
        },
    };
    if let Some(pointer) = &raw.entries
        && !pointer.get_ref().is_empty()
        && !pointer.get_ref().starts_with('/')
    {
        v.blame(
            pointer,
            "audit_trail.entries",
            "expected a JSON pointer such as `/entries`",
        );
    }
    let wait = match &raw.wait {
        None => DEFAULT_WAIT,
        Some(wait) => match v.duration(wait, "audit_trail.wait") {
            Some(d) if d > MAX_WAIT => {
                v.blame(wait, "audit_trail.wait", "at most 60s: an entry that takes longer is not an audit trail an incident can use");
                MAX_WAIT
            }
            Some(d) => d,
            None => DEFAULT_WAIT,
        },
    };
    Some(AuditTrail {
        path: raw.path.get_ref().clone(),
        identity: identity.name.clone(),
        route,
        entries: raw.entries.map(|p| p.into_inner()),
        actor: raw.actor.unwrap_or_else(|| identity.name.clone()),
        wait,
    })
}

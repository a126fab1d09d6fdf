//! `[health]`: the endpoint that says whether the app and its dependencies are up.
//! The family owns its section: shape, defaults, validation.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::identity::Identity;
use crate::profile::validator::Validator;
use crate::profile::validator::list_or_none;

/// How long the health endpoint may take when `[health] budget` is absent.
pub const DEFAULT_HEALTH_BUDGET: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct Health {
    pub path: String,
    pub identity: Option<String>,
    pub budget: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealth {
    pub path: Spanned<String>,
    pub identity: Option<Spanned<String>>,
    pub budget: Option<Spanned<String>>,
}

/// `[health]`, validated: the path, an identity the app knows, the budget.
pub(crate) fn validate(
    health: RawHealth,
    identities: &BTreeMap<String, Identity>,
    v: &mut Validator<'_>,
) -> Health {
    if let Some(identity) = &health.identity
        && !identities.contains_key(identity.get_ref())
    {
        v.blame(
            identity,
            "health.identity",
            format!(
                "no identity `{}`: expected one of the [identities.*] tables ({})",
                identity.get_ref(),
                list_or_none(identities.keys())
            ),
        );
    }
    let budget = health
        .budget
        .as_ref()
        .and_then(|budget| v.duration(budget, "health.budget"))
        .unwrap_or(DEFAULT_HEALTH_BUDGET);
    if !health.path.get_ref().starts_with('/') {
        v.blame(
            &health.path,
            "health.path",
            "expected a path starting with `/`",
        );
    }
    Health {
        path: health.path.into_inner(),
        identity: health.identity.map(Spanned::into_inner),
        budget,
    }
}

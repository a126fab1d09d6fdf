//! Every check the tool knows, as the engine and the `checks` command take them: each
//! family lists its own (`checks::<family>::checks()`), `checks::registered()` lists the
//! families beside their `pub mod` lines, and this file turns those entries into checks.
//! The tests below keep the checks and `checks/*.toml` in step.

use std::sync::Arc;

use crate::check::{Check, Registered};
use crate::checks::registered;

/// The checks for `profile`: one per section entry where a family makes them
/// (`ratelimit.<name>`, `journey.<name>`), and a SKIP naming the key when there is none.
pub fn for_profile(profile: &crate::profile::Profile) -> Vec<Arc<dyn Check>> {
    registered()
        .into_iter()
        .flat_map(|entry| match entry {
            Registered::One(check) => vec![check],
            Registered::PerEntry(family) => family.for_profile(profile),
        })
        .collect()
}

/// All registered checks, a family made from section entries standing as its catalogue id.
pub fn all() -> Vec<Arc<dyn Check>> {
    registered()
        .into_iter()
        .map(|entry| match entry {
            Registered::One(check) => check,
            Registered::PerEntry(family) => family.template(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::catalogue;

    #[test]
    fn ids_are_unique() {
        let mut seen = HashSet::new();
        for check in all() {
            assert!(
                seen.insert(check.id().to_string()),
                "{} registered twice",
                check.id()
            );
        }
    }

    #[test]
    fn every_registered_check_has_a_catalogue_entry() {
        for check in all() {
            assert!(
                catalogue::lookup(check.id()).is_some(),
                "{} has no entry in checks/",
                check.id()
            );
        }
    }

    #[test]
    fn every_catalogue_entry_has_a_check() {
        let registered: HashSet<String> = all().iter().map(|c| c.id().to_string()).collect();
        for meta in catalogue::entries() {
            assert!(
                registered.contains(&meta.id),
                "checks/ lists {} but no check is registered",
                meta.id
            );
        }
    }
}

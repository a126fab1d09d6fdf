//! Every check the tool knows, in one list. `checks` and `explain` read the catalogue;
//! the tests below keep this list and `checks/*.toml` in step.

use std::sync::Arc;

use crate::check::Check;
use crate::checks;

/// The checks for `profile`: the registry, with each template (`ratelimit.<name>`,
/// `journey.<name>`) replaced by one check per entry of its section when there are any.
pub fn for_profile(profile: &crate::profile::Profile) -> Vec<Arc<dyn Check>> {
    let expansions = [
        (
            checks::ratelimit::TEMPLATE_ID,
            checks::ratelimit::Burst::for_profile(profile),
        ),
        (
            checks::journeys::TEMPLATE_ID,
            checks::journeys::JourneyCheck::for_profile(profile),
        ),
    ];
    let mut list = Vec::new();
    for check in all() {
        match expansions
            .iter()
            .find(|(id, made)| *id == check.id() && !made.is_empty())
        {
            Some((_, made)) => list.extend(made.iter().cloned()),
            None => list.push(check),
        }
    }
    list
}

/// All registered checks.
pub fn all() -> Vec<Arc<dyn Check>> {
    let probes: Vec<Arc<dyn Check>> = vec![
        Arc::new(checks::access::RoleMatrix),
        Arc::new(checks::access::TenantIsolation),
        Arc::new(checks::admin::AuditTrailCheck),
        Arc::new(checks::ai::DataExfiltration),
        Arc::new(checks::ai::PromptInjection),
        Arc::new(checks::ai::ToolAbuse),
        Arc::new(checks::auth::ExpiredToken),
        Arc::new(checks::auth::InvalidToken),
        Arc::new(checks::auth::JwtTampering),
        Arc::new(checks::auth::Login),
        Arc::new(checks::auth::SessionCookies),
        Arc::new(checks::auth::TokenInUrl),
        Arc::new(checks::auth::Unauthenticated),
        Arc::new(checks::cache::PrivateContent),
        Arc::new(checks::cors::OriginPolicy),
        Arc::new(checks::dns::Caa),
        Arc::new(checks::dns::Dangling),
        Arc::new(checks::dns::Resolution),
        Arc::new(checks::edge::Cdn),
        Arc::new(checks::email::delivered::MailDelivered),
        Arc::new(checks::email::dkim::Dkim),
        Arc::new(checks::email::dmarc::Dmarc),
        Arc::new(checks::email::mta_sts::MtaSts),
        Arc::new(checks::email::mx::Mx),
        Arc::new(checks::email::spf::Spf),
        Arc::new(checks::health::Endpoint),
        Arc::new(checks::input::ErrorLeak),
        Arc::new(checks::input::Malformed),
        Arc::new(checks::journeys::Template),
        Arc::new(checks::journeys::SingleUse),
        Arc::new(checks::journeys::Expiry),
        Arc::new(checks::journeys::AccountBinding),
        Arc::new(checks::latency::P95),
        Arc::new(checks::logs::Secrets),
        Arc::new(checks::exposure::ClientBundle),
        Arc::new(checks::exposure::Repository),
        Arc::new(checks::webhooks::Replay),
        Arc::new(checks::webhooks::Signature),
        Arc::new(checks::exposure::SensitivePaths),
        Arc::new(checks::exposure::SourceMaps),
        Arc::new(checks::headers::Security),
        Arc::new(checks::ratelimit::Template),
        Arc::new(checks::redirects::Canonical),
        Arc::new(checks::redirects::Https),
        Arc::new(checks::redirects::OpenRedirect),
        Arc::new(checks::tls::Certificate),
        Arc::new(checks::tls::Expiry),
        Arc::new(checks::tls::Hsts),
        Arc::new(checks::tls::MixedContent),
        Arc::new(checks::tls::Protocols),
    ];
    // The handover items: one per manual catalogue entry.
    probes.into_iter().chain(checks::handover::all()).collect()
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

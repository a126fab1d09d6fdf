//! The areas a founder thinks in, for the scorecard: each check sits in one, by its family
//! unless its catalogue entry names another (`area = "browser-edge"`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    AuthAndSessions,
    TenantsAndRoles,
    InputAndErrors,
    Secrets,
    RateLimits,
    BrowserEdge,
    TlsAndRedirects,
    DnsAndEmail,
    Performance,
    Journeys,
    OperationsAndHandover,
}

impl Area {
    /// Every area, in scorecard order.
    pub const ALL: [Area; 11] = [
        Area::AuthAndSessions,
        Area::TenantsAndRoles,
        Area::InputAndErrors,
        Area::Secrets,
        Area::RateLimits,
        Area::BrowserEdge,
        Area::TlsAndRedirects,
        Area::DnsAndEmail,
        Area::Performance,
        Area::Journeys,
        Area::OperationsAndHandover,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Area::AuthAndSessions => "Auth and sessions",
            Area::TenantsAndRoles => "Tenants and roles",
            Area::InputAndErrors => "Input and errors",
            Area::Secrets => "Secrets",
            Area::RateLimits => "Rate limits",
            Area::BrowserEdge => "Browser edge",
            Area::TlsAndRedirects => "TLS and redirects",
            Area::DnsAndEmail => "DNS and email",
            Area::Performance => "Performance",
            Area::Journeys => "Journeys",
            Area::OperationsAndHandover => "Operations and handover",
        }
    }

    /// The area of a family's checks, unless their catalogue entry names another (see
    /// [`crate::catalogue::area_of`]).
    pub fn of_family(family: &str) -> Area {
        match family {
            "auth" | "webhooks" => Area::AuthAndSessions,
            "access" | "baas" => Area::TenantsAndRoles,
            "graphql" => Area::InputAndErrors,
            "input" | "ai" => Area::InputAndErrors,
            "secrets" | "exposure" | "logs" => Area::Secrets,
            "ratelimit" => Area::RateLimits,
            "cors" | "headers" | "cache" | "edge" => Area::BrowserEdge,
            "tls" | "redirects" => Area::TlsAndRedirects,
            "dns" | "email" => Area::DnsAndEmail,
            "latency" | "health" => Area::Performance,
            "journey" => Area::Journeys,
            _ => Area::OperationsAndHandover,
        }
    }
}

//! The DNS inventory: the A, AAAA, CNAME, MX, TXT and CAA records of the domain and of
//! every host the profile names, with their TTLs — the hand-over's "DNS map with each
//! record documented", read through the audit's own resolver (and its cache).

use hickory_proto::rr::RecordType;
use serde::{Deserialize, Serialize};

use crate::ctx::Ctx;

/// The record types the inventory lists.
pub const KINDS: [RecordType; 6] = [
    RecordType::A,
    RecordType::AAAA,
    RecordType::CNAME,
    RecordType::MX,
    RecordType::TXT,
    RecordType::CAA,
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRecord {
    pub name: String,
    /// `A`, `MX`, …
    pub kind: String,
    /// As the resolver returned it: a cached answer counts down from the zone's TTL.
    pub ttl: u32,
    /// Presentation form (redacted like every output).
    pub value: String,
}

/// The names the inventory covers: the domain, the profile's hosts, `[dns] subdomains`.
fn names(ctx: &Ctx) -> Vec<String> {
    let profile = &ctx.profile;
    let mut names: Vec<String> = profile
        .target
        .domain
        .iter()
        .cloned()
        .chain(profile.hosts())
        .chain(profile.subdomains.iter().cloned())
        .filter(|n| n.parse::<std::net::IpAddr>().is_err())
        .collect();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// Every record of [`KINDS`] at every name; names or types that have none are left out.
pub async fn collect(ctx: &Ctx) -> Vec<InventoryRecord> {
    let lookups = names(ctx).into_iter().flat_map(|name| {
        KINDS.into_iter().map(move |kind| {
            let name = name.clone();
            async move { ctx.dns.inventory(&name, kind).await.unwrap_or_default() }
        })
    });
    let mut records: Vec<InventoryRecord> = futures_util::future::join_all(lookups)
        .await
        .into_iter()
        .flatten()
        .map(|r| InventoryRecord {
            name: r.name,
            kind: r.kind,
            ttl: r.ttl,
            value: ctx.redactor.redact(&r.value),
        })
        .collect();
    // A resolver follows a CNAME: the addresses it returns belong to the target, which has
    // its own rows. Under an alias only the alias is listed.
    let aliases: std::collections::HashSet<String> = records
        .iter()
        .filter(|r| r.kind == "CNAME")
        .map(|r| r.name.clone())
        .collect();
    records.retain(|r| r.kind == "CNAME" || !aliases.contains(&r.name));
    records.dedup();
    records
}

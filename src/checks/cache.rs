//! Cache family: `cache.private-content`. Authenticated answers must not be stored by shared
//! caches (CDNs, proxies): each is read for its Cache-Control and for signs it came out of
//! one, and routes the same for everyone are fetched by a second identity of another tenant,
//! which must never receive the first one's body.

use reqwest::header::HeaderMap;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::{Auth, Identity, Profile, Route};
use crate::result::{Finding, Observation, Status};

use super::probe;

pub struct PrivateContent;

fn eligible(route: &Route) -> bool {
    route.auth == Auth::Required && route.only_reads()
}

impl Check for PrivateContent {
    fn id(&self) -> &str {
        "cache.private-content"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if !profile.routes.iter().any(eligible) {
            return Applicability::Skip {
                key: "routes",
                reason: "no [[routes]] entry with auth = \"required\" and a safe method".into(),
            };
        }
        if profile.active_identities().next().is_none() {
            return Applicability::Skip {
                key: "identities",
                reason: "no identity to fetch authenticated answers as".into(),
            };
        }
        Applicability::Run
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let probes = ctx.profile.routes.iter().filter(|r| eligible(r)).map(|route| async move {
                let control = match probe::control(ctx, route).await {
                    Ok(control) => control,
                    Err(why) => {
                        return vec![Observation::new(Status::Error, format!("{} {}", route.method.as_str(), route.path), why)];
                    }
                };
                let subject = probe::describe(route, &control.filled);
                let mut observations = Vec::new();
                let first = &control.response;
                let (status, detail) = judge(&first.headers);
                observations.push(Observation::new(
                    status,
                    format!("{subject} as {}", control.identity.name),
                    detail,
                ));
                // A route without tenant placeholders answers everyone at the same URL: a
                // cache keyed on the URL alone would hand one caller's body to the next.
                if route.placeholders().is_empty()
                    && let Some(other) = stranger(ctx, route, control.identity)
                {
                    match probe::control_as(ctx, route, other).await {
                        Ok(Some(second)) => {
                            let (status, detail) = judge(&second.response.headers);
                            // The same answer for two tenants is fine for shared content; it
                            // is a leak when it carries the first caller's own values.
                            let markers = own_values(ctx, control.identity);
                            let body = String::from_utf8_lossy(&first.body).to_lowercase();
                            let same_body = second.response.body == first.body
                                && probe::carries_data(&first.body)
                                && markers.iter().any(|m| body.contains(m.as_str()));
                            // Nothing lets a shared cache keep either answer and none
                            // answered: the app itself serves the same body to both, which
                            // is a tenant isolation finding, not a cache's.
                            let no_cache_seen = status != Status::Fail
                                && judge(&first.headers).0 != Status::Fail;
                            if same_body && no_cache_seen {
                                observations.push(Observation::new(
                                    Status::Info,
                                    format!("{subject} as {}", other.name),
                                    format!(
                                        "received {}'s answer byte for byte, but neither answer lets a shared cache keep it and none came from one: the app itself serves it to both (access.tenant-isolation's finding)",
                                        control.identity.name
                                    ),
                                ));
                                observations.push(Observation::new(status, format!("{subject} as {}", other.name), detail));
                            } else if same_body {
                                observations.push(Observation::new(
                                    Status::Fail,
                                    format!("{subject} as {}", other.name),
                                    format!(
                                        "received {}'s answer byte for byte ({}): a shared cache keyed without the credential",
                                        control.identity.name,
                                        ctx.excerpt(&first.body)
                                    ),
                                ));
                            } else {
                                observations.push(Observation::new(
                                    status,
                                    format!("{subject} as {}", other.name),
                                    format!("{detail}; its own answer, not {}'s", control.identity.name),
                                ));
                            }
                        }
                        Ok(None) => {}
                        Err(why) => observations.push(Observation::new(Status::Error, subject, why)),
                    }
                }
                observations
            });
            let observations = futures_util::future::join_all(probes)
                .await
                .into_iter()
                .flatten()
                .collect();
            Finding::from_observations(observations)
        })
    }
}

/// Values that belong to `identity` alone: its name, its tenant's name and placeholder
/// values (lower-cased, at least 3 characters so `1` never matches everything).
fn own_values(ctx: &Ctx, identity: &Identity) -> Vec<String> {
    let mut values = vec![identity.name.to_lowercase()];
    if let Some(tenant) = &identity.tenant {
        values.push(tenant.to_lowercase());
    }
    values.extend(
        ctx.profile
            .tenant_values(identity)
            .into_values()
            .map(|v| v.to_lowercase()),
    );
    values.retain(|v| v.len() >= 3);
    values
}

/// An identity of another tenant (or, without tenants, another identity) allowed on `route`.
fn stranger<'a>(ctx: &'a Ctx, route: &Route, first: &Identity) -> Option<&'a Identity> {
    let others = || {
        ctx.profile
            .active_identities()
            .filter(|i| i.name != first.name && i.may_use(&route.roles))
    };
    match &first.tenant {
        Some(tenant) => others().find(|i| i.tenant.as_ref().is_some_and(|t| t != tenant)),
        None => others().next(),
    }
}

/// FAIL on `public`, `s-maxage` or a shared-cache hit; PASS on `private` or `no-store`;
/// WARN when nothing says (heuristic caching may apply).
pub fn judge(headers: &HeaderMap) -> (Status, String) {
    let get = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cache_control = get("cache-control");
    let directives: Vec<String> = cache_control
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    let has = |name: &str| {
        directives
            .iter()
            .any(|d| d == name || d.starts_with(&format!("{name}=")))
    };
    let mut failures = Vec::new();
    if has("public") {
        failures.push("Cache-Control: public lets shared caches store it".to_string());
    }
    if has("s-maxage") {
        failures.push("s-maxage tells shared caches to keep it".to_string());
    }
    let age = get("age");
    if age.parse::<u64>().is_ok_and(|a| a > 0) {
        failures.push(format!("Age: {age} — served from a cache"));
    }
    for name in [
        "x-cache",
        "cf-cache-status",
        "x-cache-status",
        "x-proxy-cache",
    ] {
        let value = get(name);
        if value.to_ascii_uppercase().contains("HIT") {
            failures.push(format!("{name}: {value} — a shared cache answered"));
        }
    }
    let shown = if cache_control.is_empty() {
        "no Cache-Control".to_string()
    } else {
        format!("Cache-Control: {cache_control}")
    };
    if !failures.is_empty() {
        (Status::Fail, format!("{}; {shown}", failures.join("; ")))
    } else if has("private") || has("no-store") {
        (Status::Pass, shown)
    } else {
        (
            Status::Warn,
            format!("{shown}: neither private nor no-store, so a shared cache may store it"),
        )
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(PrivateContent)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn directives_and_hits_decide() {
        assert_eq!(
            judge(&headers(&[("cache-control", "private, no-store")])).0,
            Status::Pass
        );
        assert_eq!(
            judge(&headers(&[("cache-control", "no-store")])).0,
            Status::Pass
        );
        assert_eq!(judge(&headers(&[])).0, Status::Warn);
        assert_eq!(
            judge(&headers(&[("cache-control", "max-age=60")])).0,
            Status::Warn
        );
        assert_eq!(
            judge(&headers(&[("cache-control", "public, max-age=300")])).0,
            Status::Fail
        );
        assert_eq!(
            judge(&headers(&[("cache-control", "max-age=0, s-maxage=600")])).0,
            Status::Fail
        );
        assert_eq!(
            judge(&headers(&[
                ("cache-control", "private"),
                ("cf-cache-status", "HIT")
            ]))
            .0,
            Status::Fail
        );
        assert_eq!(
            judge(&headers(&[("cache-control", "private"), ("age", "12")])).0,
            Status::Fail
        );
        assert_eq!(
            judge(&headers(&[("cache-control", "private"), ("age", "0")])).0,
            Status::Pass
        );
    }
}

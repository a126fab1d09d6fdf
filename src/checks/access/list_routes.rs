//! Collection routes compared across tenants, for `access.tenant-isolation`.
//!
//! A route that carries no tenant id (`GET /api/projects`) answers each caller with a
//! list. A common half-fix scopes the record route (`/api/projects/{id}`) and not the list,
//! which then hands every tenant's records to any signed-in user. What is a tenant's is
//! read from its own identity's answer: the objects there that carry one of the tenant's
//! own values (`[tenants.NAME]`) under some key. Those must not come back to another
//! tenant's identity on the same route. The control is that the owner's answer holds such
//! records; without them nothing is known to be the tenant's, and nothing is concluded.
//!
//! Besides the routes the profile declares, the reads the pages' scripts make that it does
//! not ([`crate::discovery`]) are compared the same way, and also asked with no login: they
//! are said to be discovered, with the script that calls them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::checks::probe::{self, Admission};
use crate::ctx::Ctx;
use crate::net::Fetched;
use crate::profile::{Auth, Identity, Route};
use crate::result::{Observation, Status};

/// A value of the tenant's own, and the key it marks a record with (`org = "101"`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Mark {
    key: String,
    value: String,
}

/// The routes compared here: safe, protected, and with no tenant id to swap.
pub fn list_routes(ctx: &Ctx) -> impl Iterator<Item = &Route> {
    ctx.profile
        .routes
        .iter()
        .filter(|r| r.only_reads() && r.auth == Auth::Required && r.placeholders().is_empty())
}

/// A leaf as the text it would be compared by: strings as they are, numbers printed.
fn leaf_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One of a tenant's values, and the name the profile gives it (`[tenants.acme] org = "101"`).
#[derive(Clone, Copy, Debug)]
struct Own<'a> {
    name: &'a str,
    value: &'a str,
}

/// Whether a value marks a record as the tenant's under any key: a short number (`1`, `12`)
/// is also a sort order, a count or another collection's id, so it marks a record only
/// under a key that names what it is ([`names_agree`]).
fn distinctive(value: &str) -> bool {
    !(value.len() <= 4 && value.chars().all(|c| c.is_ascii_digit()))
}

/// Whether `key`, in a record of the list at `path`, is what the tenant's value `name` is:
/// the same thing (`org`, `org_id`, `orgId` for `org`), or the record's own `id` in a list
/// of that thing (`id` under `/items/notes` for `notes_id`).
fn names_agree(name: &str, key: &str, path: &str) -> bool {
    use crate::discovery::stem;
    let (thing, field) = (stem(name), stem(key));
    if thing.is_empty() {
        return false;
    }
    if field.is_empty() {
        return path
            .split('/')
            .filter(|segment| !segment.starts_with('{'))
            .any(|segment| stem(segment) == thing);
    }
    field == thing
}

/// Every `key = value` in `json` (at any depth), in a list at `path`, that marks one of the
/// tenant's `own` values.
fn marks(json: &Value, own: &[Own<'_>], path: &str, found: &mut Vec<Mark>) {
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                if let Some(text) = leaf_text(value)
                    && own.iter().any(|o| {
                        o.value == text && (distinctive(&text) || names_agree(o.name, key, path))
                    })
                {
                    found.push(Mark {
                        key: key.clone(),
                        value: text,
                    });
                }
                marks(value, own, path, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| marks(v, own, path, found)),
        _ => {}
    }
}

/// How many objects of `json` carry `mark`.
fn carrying(json: &Value, mark: &Mark) -> usize {
    match json {
        Value::Object(map) => {
            let here = map
                .get(&mark.key)
                .and_then(leaf_text)
                .is_some_and(|v| v == mark.value);
            usize::from(here) + map.values().map(|v| carrying(v, mark)).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(|v| carrying(v, mark)).sum(),
        _ => 0,
    }
}

/// What an answer gives the comparison.
enum Answer {
    /// Served whole, as JSON.
    Records(Value),
    /// Served, but not JSON (a page): there are no records to tell apart.
    NotRecords(String),
    /// Not served, or not whole: why.
    Unread(String),
}

fn read(ctx: &Ctx, response: &Fetched) -> Answer {
    match probe::classify(response, &ctx.profile.auth, true) {
        Admission::Served => {}
        Admission::Refused(how) => return Answer::Unread(format!("refused: {how}")),
        Admission::Unclear(why) => return Answer::Unread(why),
    }
    if response.truncated {
        return Answer::Unread(format!(
            "{}: the body was cut at {} bytes",
            response.status,
            response.body.len()
        ));
    }
    match serde_json::from_slice(&response.body) {
        Ok(json) => Answer::Records(json),
        Err(_) => Answer::NotRecords(format!(
            "{}: not JSON, so it holds no records to compare",
            response.status
        )),
    }
}

/// The routes compared: those the profile declares, then the reads the app's scripts make
/// that it does not (said as discovered, with the script that calls them).
async fn compared(ctx: &Ctx) -> Vec<(Route, Option<String>)> {
    let surface = crate::discovery::surface(ctx).await;
    super::declared_then_discovered(
        list_routes(ctx).filter(|r| probe::may_probe(ctx, r)),
        surface.undeclared_reads(&ctx.profile).routes,
    )
}

/// How many list routes are compared, declared and discovered.
pub async fn count(ctx: &Ctx) -> usize {
    compared(ctx).await.len()
}

/// Compares every list route across tenants.
pub async fn compare(ctx: &Ctx) -> Vec<Observation> {
    let surface = crate::discovery::surface(ctx).await;
    let mut observations: Vec<Observation> = surface
        .undeclared_reads(&ctx.profile)
        .unprobed_note("list routes")
        .into_iter()
        .collect();
    for (route, found_in) in compared(ctx).await {
        let route = &route;
        let callers: Vec<&Identity> = ctx
            .profile
            .active_identities()
            .filter(|i| i.tenant.is_some() && i.may_use(&route.roles))
            .collect();
        let tenants: std::collections::BTreeSet<&str> =
            callers.iter().filter_map(|i| i.tenant.as_deref()).collect();
        if tenants.len() < 2 {
            continue;
        }
        // Each caller's answer, asked once.
        let mut answers: BTreeMap<&str, Result<Fetched, String>> = BTreeMap::new();
        for caller in &callers {
            answers.insert(caller.name.as_str(), ask(ctx, route, Some(caller)).await);
        }
        // A route the profile does not declare may serve anyone: a stranger with no login
        // at all is compared too.
        let anonymous = match found_in {
            Some(_) => Some(ask(ctx, route, None).await),
            None => None,
        };
        let on = match &found_in {
            Some(script) => format!(
                "{} {} (discovered: called by {script})",
                route.method.as_str(),
                route.path
            ),
            None => format!("{} {}", route.method.as_str(), route.path),
        };
        for owner_tenant in &tenants {
            let Some(owner) = callers
                .iter()
                .find(|i| i.tenant.as_deref() == Some(owner_tenant))
            else {
                continue;
            };
            let owner_subject = format!("{on} as {} (owner)", owner.name);
            let owner_json = match &answers[owner.name.as_str()] {
                Ok(response) => match read(ctx, response) {
                    Answer::Records(json) => json,
                    Answer::NotRecords(why) => {
                        observations.push(Observation::new(Status::Info, owner_subject, why));
                        continue;
                    }
                    // A discovered route is the scripts' word, not the profile's: one its
                    // owner is not served (a call read as GET that is a POST, a route gone)
                    // is said, not held against the app.
                    Answer::Unread(why) if found_in.is_some() => {
                        observations.push(Observation::new(
                            Status::Info,
                            owner_subject,
                            format!("{why}: the owner is not served here, so it is not compared"),
                        ));
                        continue;
                    }
                    Answer::Unread(why) => {
                        observations.push(Observation::new(Status::Error, owner_subject, why));
                        continue;
                    }
                },
                Err(why) => {
                    observations.push(Observation::new(Status::Error, owner_subject, why.clone()));
                    continue;
                }
            };
            let own_values = ctx.profile.tenant_values(owner);
            let mut own: Vec<Own<'_>> = own_values
                .iter()
                .map(|(name, value)| Own { name, value })
                .collect();
            // A value both tenants hold marks nobody's records.
            own.retain(|o| {
                !callers.iter().any(|i| {
                    i.tenant.as_deref() != Some(owner_tenant)
                        && ctx.profile.tenant_values(i).values().any(|v| v == o.value)
                })
            });
            let mut found = Vec::new();
            marks(&owner_json, &own, &route.path, &mut found);
            found.sort();
            found.dedup();
            if found.is_empty() {
                observations.push(Observation::new(
                    Status::Info,
                    owner_subject,
                    format!(
                        "no record in the answer carries one of {owner_tenant}'s values ([tenants.{owner_tenant}]), so none is known to be {owner_tenant}'s: not compared"
                    ),
                ));
                continue;
            }
            let owned: usize = found
                .iter()
                .map(|m| carrying(&owner_json, m))
                .max()
                .unwrap_or(0);
            let shown = found
                .iter()
                .map(|m| format!("{} = {}", m.key, m.value))
                .collect::<Vec<_>>()
                .join(", ");
            for stranger in callers
                .iter()
                .filter(|i| i.tenant.as_deref() != Some(owner_tenant))
            {
                let subject = format!(
                    "{on} as {} ({}), for {owner_tenant}'s records",
                    stranger.name,
                    stranger.tenant.as_deref().unwrap_or("")
                );
                let response = match &answers[stranger.name.as_str()] {
                    Ok(response) => response,
                    Err(why) => {
                        observations.push(Observation::new(Status::Error, subject, why.clone()));
                        continue;
                    }
                };
                if let Admission::Refused(how) = probe::classify(response, &ctx.profile.auth, true)
                {
                    observations.push(Observation::new(
                        Status::Pass,
                        subject,
                        format!("refused: {how}"),
                    ));
                    continue;
                }
                let json = match read(ctx, response) {
                    Answer::Records(json) => json,
                    Answer::NotRecords(why) | Answer::Unread(why) => {
                        observations.push(Observation::new(Status::Error, subject, why));
                        continue;
                    }
                };
                let leaked: usize = found.iter().map(|m| carrying(&json, m)).max().unwrap_or(0);
                observations.push(if leaked > 0 {
                    Observation::new(
                        Status::Fail,
                        subject,
                        format!(
                            "{}: {leaked} record(s) carrying {shown}, which {} is shown as {owner_tenant}'s: the list is not scoped to the caller's tenant",
                            response.status, owner.name
                        ),
                    )
                } else {
                    Observation::new(
                        Status::Pass,
                        subject,
                        format!(
                            "{}: none of the {owned} record(s) {} is shown as {owner_tenant}'s ({shown})",
                            response.status, owner.name
                        ),
                    )
                });
            }
            if let Some(answer) = &anonymous {
                observations.push(anonymous_verdict(ctx, &on, answer, &found, owner_tenant));
            }
        }
    }
    observations
}

/// The request for a route as `caller` (or anonymously), sent.
async fn ask(ctx: &Ctx, route: &Route, caller: Option<&Identity>) -> Result<Fetched, String> {
    let values = caller
        .map(|c| ctx.profile.tenant_values(c))
        .unwrap_or_default();
    let filled = route
        .fill(&values)
        .ok_or_else(|| "the route's placeholders cannot be filled".to_string())?;
    let request = probe::request(ctx, route, &filled, caller)?;
    ctx.http
        .send(&request)
        .await
        .map_err(|e| ctx.redactor.redact(&e.to_string()))
}

/// What an anonymous caller was shown of `owner_tenant`'s records (`found` marks them).
fn anonymous_verdict(
    ctx: &Ctx,
    on: &str,
    answer: &Result<Fetched, String>,
    found: &[Mark],
    owner_tenant: &str,
) -> Observation {
    let subject = format!("{on} with no login, for {owner_tenant}'s records");
    let response = match answer {
        Ok(response) => response,
        Err(why) => return Observation::new(Status::Error, subject, why.clone()),
    };
    if let Admission::Refused(how) = probe::classify(response, &ctx.profile.auth, true) {
        return Observation::new(Status::Pass, subject, format!("refused: {how}"));
    }
    let json = match read(ctx, response) {
        Answer::Records(json) => json,
        Answer::NotRecords(why) | Answer::Unread(why) => {
            return Observation::new(Status::Error, subject, why);
        }
    };
    let leaked: usize = found.iter().map(|m| carrying(&json, m)).max().unwrap_or(0);
    if leaked > 0 {
        Observation::new(
            Status::Fail,
            subject,
            format!(
                "{}: {leaked} of {owner_tenant}'s record(s) served to a caller with no credential at all",
                response.status
            ),
        )
    } else {
        Observation::new(
            Status::Pass,
            subject,
            format!(
                "{}: none of {owner_tenant}'s records in the answer",
                response.status
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenants_records_are_the_objects_carrying_its_values() {
        let acme: Value = serde_json::json!({"data": [
            {"id": "p-101", "org": "101", "name": "Acme launch plan"},
            {"id": "p-202", "org": "202", "name": "Globex secret roadmap"}
        ]});
        let mut found = Vec::new();
        let own = [
            Own {
                name: "org",
                value: "101",
            },
            Own {
                name: "project",
                value: "p-101",
            },
        ];
        marks(&acme, &own, "/api/projects", &mut found);
        found.sort();
        assert_eq!(
            found,
            [
                Mark {
                    key: "id".into(),
                    value: "p-101".into()
                },
                Mark {
                    key: "org".into(),
                    value: "101".into()
                }
            ]
        );
        let scoped: Value = serde_json::json!({"data": [{"id": "p-202", "org": 202}]});
        assert_eq!(carrying(&scoped, &found[1]), 0);
        assert_eq!(carrying(&acme, &found[1]), 1);
        // A number in the answer matches the value written as text in the profile.
        let numeric: Value = serde_json::json!([{"org": 101}]);
        assert_eq!(carrying(&numeric, &found[1]), 1);
    }

    #[test]
    fn a_short_number_marks_a_record_only_under_a_key_that_names_it() {
        let own = [Own {
            name: "notes_id",
            value: "1",
        }];
        // A catalogue of fields: `id = 1` is a field's id, `sort = 1` its place.
        let fields: Value = serde_json::json!({"data": [
            {"id": 1, "collection": "notes", "field": "body", "sort": 1}
        ]});
        let mut found = Vec::new();
        marks(&fields, &own, "/fields", &mut found);
        assert!(found.is_empty(), "{found:?}");
        // The notes list: the record's own id is the tenant's note.
        let notes: Value = serde_json::json!({"data": [{"id": 1, "body": "alice's", "sort": 1}]});
        marks(&notes, &own, "/items/notes", &mut found);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "id");
        // Under its own name, anywhere.
        let own = [Own {
            name: "org",
            value: "101",
        }];
        let mut found = Vec::new();
        marks(
            &serde_json::json!([{"orgId": 101}, {"org_id": 101}, {"sort": 101}]),
            &own,
            "/api/x",
            &mut found,
        );
        let keys: Vec<&str> = found.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["orgId", "org_id"]);
    }
}

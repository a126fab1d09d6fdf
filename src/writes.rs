//! Write probes leave the target as they found it. Before any check runs, every write route
//! the audit may use (`allow_writes = true`, unsafe method) is read with GET at the same URL
//! as its owner; after every check, it is read again, and the fields the route's body
//! writes are put back where they changed (then read once more to confirm). What could not
//! be put back is said exactly, per route, in every report. Checks whose writes undo
//! themselves (the data API's, mutations through a graph) note them in the same ledger
//! ([`record`]), so the report lists every write in one place.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::checks::probe;
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::{FilledRoute, Identity, Method, Route};

/// What became of one write route's resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteState {
    /// Read before and after: the fields the route writes are as they were.
    Unchanged,
    /// They had changed; the audit wrote the old values back and read them back.
    Restored,
    /// They had changed and are still changed: the detail says which, to what.
    LeftChanged,
    /// No before-state to restore from (the route creates, deletes, or has no readable
    /// GET): the detail says what the accepted writes may have left.
    NotRestorable,
}

/// One write route and tenant: accepted writes, and what the audit did about them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// `PATCH /api/communities/101/settings`.
    pub request: String,
    /// Writes the target accepted there (2xx), load included.
    pub accepted: usize,
    pub state: WriteState,
    pub detail: String,
}

/// The writes checks sent and accounted for themselves (the data API's, mutations through
/// a graph), for the report beside the write routes' own.
#[derive(Default)]
struct Ledger(std::sync::Mutex<Vec<WriteOutcome>>);

/// Notes a write a check sent and what became of it, for the report.
pub fn record(ctx: &Ctx, outcome: WriteOutcome) {
    let ledger = ctx.slot(|_| Ledger::default());
    ledger
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(outcome);
}

/// Every write [`record`] noted in this audit.
pub fn recorded(ctx: &Ctx) -> Vec<WriteOutcome> {
    let ledger = ctx.slot(|_| Ledger::default());
    ledger.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The resource of one write route for one tenant, as read before any check ran.
pub struct Snapshot<'a> {
    route: &'a Route,
    filled: FilledRoute,
    owner: &'a Identity,
    /// The GET answer's JSON object, or why there is none.
    before: Result<Map<String, Value>, String>,
}

/// Routes whose probes may write.
fn write_routes(ctx: &Ctx) -> impl Iterator<Item = &Route> {
    ctx.profile
        .routes
        .iter()
        .filter(move |r| !r.method.is_safe() && r.allow_writes && probe::may_probe(ctx, r))
}

/// The top-level fields the route's body template writes.
fn written_fields(route: &Route) -> Vec<String> {
    match &route.body {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

async fn read(
    ctx: &Ctx,
    filled: &FilledRoute,
    owner: &Identity,
) -> Result<Map<String, Value>, String> {
    let request =
        HttpRequest::new(Method::Get, probe::url_of(ctx, filled)?).with_identity(Some(owner));
    let response = ctx
        .http
        .send(&request)
        .await
        .map_err(|e| ctx.redactor.redact(&e.to_string()))?;
    if !response.is_success() || response.truncated {
        return Err(format!("GET of the same URL answered {}", response.status));
    }
    match serde_json::from_slice::<Value>(&response.body) {
        // Envelopes such as {"data": {…}} hold the resource one level down.
        Ok(Value::Object(mut map)) => match map.remove("data") {
            Some(Value::Object(inner)) => Ok(inner),
            Some(other) => {
                map.insert("data".into(), other);
                Ok(map)
            }
            None => Ok(map),
        },
        _ => Err("GET of the same URL is not a JSON object".into()),
    }
}

/// Reads every write route's resource, once per tenant, before the checks run.
pub async fn snapshot(ctx: &Ctx) -> Vec<Snapshot<'_>> {
    let mut snapshots = Vec::new();
    for route in write_routes(ctx) {
        let mut seen_paths = Vec::new();
        // Every tenant's resource, read by an identity of that tenant: one holding the
        // route's roles when there is one (it can also write the old values back), else
        // any (cross-tenant probes write to tenants whose identities lack the role).
        let mut identities: Vec<&Identity> = ctx.profile.active_identities().collect();
        identities.sort_by_key(|i| !i.may_use(&route.roles));
        for owner in identities {
            let Some(filled) = route.fill(&ctx.profile.tenant_values(owner)) else {
                continue;
            };
            if seen_paths.contains(&filled.path) {
                continue;
            }
            seen_paths.push(filled.path.clone());
            let before = match route.method {
                Method::Patch | Method::Put if !written_fields(route).is_empty() => {
                    read(ctx, &filled, owner).await
                }
                Method::Post => {
                    Err("POST creates records; they cannot be told from the app's own".into())
                }
                Method::Delete => Err("DELETE removes what it names".into()),
                _ => Err("the route's body names no fields to put back".into()),
            };
            snapshots.push(Snapshot {
                route,
                filled,
                owner,
                before,
            });
        }
    }
    snapshots
}

/// Shortens a value for evidence: 100,000-character names are what malformed input writes.
fn shown(value: Option<&Value>) -> String {
    let text = value.map_or_else(|| "absent".to_string(), Value::to_string);
    if text.chars().count() > 60 {
        format!(
            "{}… ({} characters)",
            text.chars().take(40).collect::<String>(),
            text.chars().count()
        )
    } else {
        text
    }
}

/// The fields of `fields` whose value differs between `before` and `now`.
fn changed<'f>(
    fields: &'f [String],
    before: &Map<String, Value>,
    now: &Map<String, Value>,
) -> Vec<&'f String> {
    fields
        .iter()
        .filter(|f| {
            before.contains_key(f.as_str()) && before.get(f.as_str()) != now.get(f.as_str())
        })
        .collect()
}

/// After every check: compares, restores, and says what became of each write route.
pub async fn restore(ctx: &Ctx, snapshots: Vec<Snapshot<'_>>) -> Vec<WriteOutcome> {
    let mut outcomes = Vec::new();
    for snapshot in snapshots {
        let request = format!(
            "{} {}",
            snapshot.route.method.as_str(),
            snapshot.filled.path
        );
        let accepted = ctx
            .http
            .accepted_writes(snapshot.route.method, &snapshot.filled.path);
        let outcome = |state, detail: String| WriteOutcome {
            request: request.clone(),
            accepted,
            state,
            detail: ctx.redactor.redact(&detail),
        };
        let before = match snapshot.before {
            Ok(before) => before,
            Err(why) if accepted > 0 => {
                outcomes.push(outcome(
                    WriteState::NotRestorable,
                    format!("{accepted} accepted write(s) not undone: {why}; check what launch-audit left there"),
                ));
                continue;
            }
            Err(_) => continue,
        };
        let fields = written_fields(snapshot.route);
        let now = match read(ctx, &snapshot.filled, snapshot.owner).await {
            Ok(now) => now,
            Err(why) => {
                outcomes.push(outcome(
                    WriteState::LeftChanged,
                    format!(
                        "could not be read after the audit ({why}): whether {} changed is unknown",
                        fields.join(", ")
                    ),
                ));
                continue;
            }
        };
        let differing = changed(&fields, &before, &now);
        if differing.is_empty() {
            if accepted > 0 {
                outcomes.push(outcome(
                    WriteState::Unchanged,
                    format!("{} as before the audit", fields.join(", ")),
                ));
            }
            continue;
        }
        let body: Map<String, Value> = differing
            .iter()
            .filter_map(|f| before.get(f.as_str()).map(|v| ((*f).clone(), v.clone())))
            .collect();
        let url = match probe::url_of(ctx, &snapshot.filled) {
            Ok(url) => url,
            Err(error) => {
                outcomes.push(outcome(WriteState::LeftChanged, error));
                continue;
            }
        };
        let put_back = HttpRequest::new(snapshot.route.method, url)
            .with_identity(Some(snapshot.owner))
            .with_json(Some(Value::Object(body)));
        let sent = ctx.http.send(&put_back).await;
        let after = read(ctx, &snapshot.filled, snapshot.owner).await;
        let still: Vec<String> = match &after {
            Ok(after) => changed(&fields, &before, after)
                .into_iter()
                .map(|f| {
                    format!(
                        "{f} is {} (was {})",
                        shown(after.get(f.as_str())),
                        shown(before.get(f.as_str()))
                    )
                })
                .collect(),
            Err(why) => vec![format!("not readable after restoring ({why})")],
        };
        let names: Vec<&str> = differing.iter().map(|f| f.as_str()).collect();
        if still.is_empty() {
            outcomes.push(outcome(
                WriteState::Restored,
                format!("{} put back as {}", names.join(", "), snapshot.owner.name),
            ));
        } else {
            let status = sent.map_or_else(|e| e.to_string(), |r| r.status.to_string());
            outcomes.push(outcome(
                WriteState::LeftChanged,
                format!(
                    "writing the old values back answered {status}; {}",
                    still.join("; ")
                ),
            ));
        }
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_shortened_for_evidence() {
        let long = Value::String("A".repeat(100_000));
        let text = shown(Some(&long));
        assert!(
            text.len() < 80 && text.contains("100002 characters"),
            "{text}"
        );
        assert_eq!(shown(None), "absent");
    }

    #[test]
    fn only_fields_present_before_and_different_now_count() {
        let fields = vec!["name".to_string(), "color".to_string()];
        let before: Map<String, Value> = serde_json::from_str(r#"{"name":"Acme","id":1}"#).unwrap();
        let now: Map<String, Value> =
            serde_json::from_str(r#"{"name":"AAAA","color":"red"}"#).unwrap();
        assert_eq!(changed(&fields, &before, &now), vec![&"name".to_string()]);
    }
}

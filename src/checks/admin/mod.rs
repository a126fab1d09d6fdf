//! Admin family: `admin.audit-trail`. An admin write the profile allows is sent as the
//! `[audit_trail]` identity, and the app's audit log must gain an entry for it, naming the
//! actor, the action and the object, within a bounded wait.
//!
//! The positive controls: the audit log answers the identity with a readable list before
//! the write (so "no entry" is about the entries, not the route), and the write itself is
//! accepted (a refused write leaves nothing to audit). The write is put back with every
//! other write probe's (`writes.rs`).

pub mod cfg;

pub use cfg::AuditTrail;

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::{Method, Profile};
use crate::result::{Finding, Observation, Status};

pub struct AuditTrailCheck;

/// How often the audit log is read again while waiting for the entry.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// Reads of the audit log while waiting, at most, whatever `wait` says.
const MAX_POLLS: usize = 240;
/// Members an answer commonly keeps its list in, tried in order without `entries`.
const LIST_MEMBERS: &[&str] = &["entries", "data", "items", "events", "logs", "results"];

/// Words an entry's action uses for a write with `method`.
fn action_words(method: Method) -> &'static [&'static str] {
    match method {
        Method::Post => &["create", "add", "new", "invite", "post"],
        Method::Delete => &["delete", "remove", "destroy", "revoke"],
        _ => &[
            "update", "edit", "change", "modify", "set", "rename", "patch", "put",
        ],
    }
}

/// The list of entries in an answer.
fn entries_of(body: &Value, pointer: Option<&str>) -> Option<Vec<Value>> {
    let list = match pointer {
        Some(pointer) if !pointer.is_empty() => body.pointer(pointer)?,
        _ => match body {
            Value::Array(_) => body,
            Value::Object(map) => LIST_MEMBERS
                .iter()
                .find_map(|m| map.get(*m).filter(|v| v.is_array()))?,
            _ => return None,
        },
    };
    list.as_array().cloned()
}

/// Entries in `now` that `before` did not hold, counting repeats: a log whose entries
/// carry no id or time can list the same entry twice (the role matrix wrote there too).
fn added(before: &[Value], now: Vec<Value>) -> Vec<Value> {
    let mut unmatched: Vec<&Value> = before.iter().collect();
    now.into_iter()
        .filter(|entry| match unmatched.iter().position(|b| *b == entry) {
            Some(i) => {
                unmatched.swap_remove(i);
                false
            }
            None => true,
        })
        .collect()
}

/// Whether `entry` records this write: it names the actor, an action word for the method,
/// and the object (the written path, or an id the path was filled with).
fn records(entry: &Value, actor: &str, method: Method, objects: &[String]) -> bool {
    let text = entry.to_string().to_ascii_lowercase();
    text.contains(&actor.to_ascii_lowercase())
        && action_words(method).iter().any(|w| text.contains(w))
        && objects
            .iter()
            .any(|o| text.contains(&o.to_ascii_lowercase()))
}

impl Check for AuditTrailCheck {
    fn id(&self) -> &str {
        "admin.audit-trail"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        match &profile.audit_trail {
            Some(trail) if !profile.routes[trail.route].allow_writes => Applicability::Skip {
                key: "routes.allow_writes",
                reason: format!(
                    "route `{}` is the admin write to look for, but it has no `allow_writes = true`: nothing is written without it",
                    profile.routes[trail.route].name
                ),
            },
            Some(_) => Applicability::Run,
            None => crate::checks::absent_or_skip(
                profile,
                crate::profile::Absent::AuditTrail,
                "audit_trail",
                "declare the route that lists admin audit entries ([audit_trail] path, identity)",
            ),
        }
    }

    fn phase(&self) -> Phase {
        // After the probes, so its write does not race theirs on the same resource.
        Phase::Review
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(trail) = &ctx.profile.audit_trail else {
                return Finding::error("no [audit_trail] section");
            };
            let (Some(identity), Some(route)) = (
                ctx.profile.identities.get(&trail.identity),
                ctx.profile.routes.get(trail.route),
            ) else {
                return Finding::error("the [audit_trail] identity or route is missing");
            };
            if !crate::checks::probe::may_probe(ctx, route) {
                return Finding::error(format!(
                    "not sent: route `{}` is a write, and environment = \"production\" needs --allow-production-writes",
                    route.name
                ));
            }
            let Ok(log_url) = ctx.profile.url_for(&trail.path) else {
                return Finding::error(format!("{} is not a path under base_url", trail.path));
            };
            let read = || async {
                let request = HttpRequest::get(log_url.clone()).with_identity(Some(identity));
                let subject = request.describe();
                let response = ctx
                    .http
                    .send(&request)
                    .await
                    .map_err(|e| (subject.clone(), ctx.redactor.redact(&e.to_string())))?;
                if !response.is_success() || response.truncated {
                    return Err((
                        subject,
                        format!(
                            "answered {} to {}{}: the audit log cannot be read, so no entry can be looked for",
                            response.status,
                            identity.name,
                            if response.truncated {
                                ", cut at the body cap"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
                let body: Value = serde_json::from_slice(&response.body).map_err(|_| {
                    (
                        subject.clone(),
                        format!("not JSON: {}", ctx.excerpt(&response.body)),
                    )
                })?;
                entries_of(&body, trail.entries.as_deref()).ok_or_else(|| {
                    (
                        subject,
                        format!(
                            "no list of entries in the answer ({}): set [audit_trail] entries to its JSON pointer",
                            ctx.excerpt(&response.body)
                        ),
                    )
                })
            };
            let before = match read().await {
                Ok(entries) => entries,
                Err((subject, why)) => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Error,
                        subject,
                        why,
                    )]);
                }
            };
            let Some(filled) = route.fill(&ctx.profile.tenant_values(identity)) else {
                return Finding::error(format!(
                    "route `{}` has placeholders {}'s tenant does not fill",
                    route.name, identity.name
                ));
            };
            let request = match crate::checks::probe::request(ctx, route, &filled, Some(identity)) {
                Ok(request) => request,
                Err(why) => return Finding::error(why),
            };
            let write = crate::checks::probe::describe(route, &filled);
            let mut evidence = vec![Observation::new(
                Status::Info,
                format!("GET {}", trail.path),
                format!(
                    "{} entries before the write, read as {}",
                    before.len(),
                    identity.name
                ),
            )];
            let written_at = Instant::now();
            match ctx.http.send(&request).await {
                Err(error) => {
                    evidence.push(crate::checks::unreachable(ctx, &request, error));
                    return Finding::from_observations(evidence);
                }
                Ok(response) if !response.is_success() => {
                    evidence.push(Observation::new(
                        Status::Error,
                        write,
                        format!(
                            "the write was refused ({}) as {}: nothing happened that an audit log should show",
                            response.status, identity.name
                        ),
                    ));
                    return Finding::from_observations(evidence);
                }
                Ok(_) => {}
            }
            // The object as a log may name it: the path, its segments, the ids it was
            // filled with.
            let mut objects = vec![filled.path.trim_start_matches('/').to_string()];
            objects.extend(
                ctx.profile
                    .tenant_values(identity)
                    .into_iter()
                    .filter(|(name, _)| route.placeholders().contains(name))
                    .map(|(_, value)| value)
                    // `7` would be found in any entry's id or time: too short to name one.
                    .filter(|value| value.len() >= 3),
            );
            let method = route.method;
            let mut polls = 0;
            let mut last_new: Vec<Value>;
            let mut waiting = None;
            loop {
                polls += 1;
                match read().await {
                    Err((subject, why)) => {
                        evidence.push(Observation::new(Status::Error, subject, why));
                        return Finding::from_observations(evidence);
                    }
                    Ok(now) => {
                        let new = added(&before, now);
                        if let Some(entry) = new
                            .iter()
                            .find(|e| records(e, &trail.actor, method, &objects))
                        {
                            evidence.push(Observation::new(
                                Status::Pass,
                                write,
                                format!(
                                    "accepted, and within {} ms the audit log gained an entry naming {}, the action and the object: {}",
                                    written_at.elapsed().as_millis(),
                                    trail.actor,
                                    ctx.excerpt(entry.to_string().as_bytes())
                                ),
                            ));
                            return Finding::from_observations(evidence);
                        }
                        last_new = new;
                    }
                }
                if written_at.elapsed() >= trail.wait || polls >= MAX_POLLS {
                    break;
                }
                waiting.get_or_insert_with(|| {
                    ctx.load_progress.waiting(
                        self.id(),
                        format!(
                            "for the audit log's entry (up to {})",
                            humantime::format_duration(trail.wait)
                        ),
                    )
                });
                // The last read falls on the deadline, not up to a poll past it.
                let left = trail.wait.saturating_sub(written_at.elapsed());
                tokio::time::sleep(POLL_EVERY.min(left)).await;
            }
            evidence.push(Observation::new(
                Status::Fail,
                write,
                format!(
                    "accepted as {}, but no entry naming {}, an action such as `{}` and the object ({}) appeared in {} within {}{}",
                    identity.name,
                    trail.actor,
                    action_words(method)[0],
                    objects.join(" or "),
                    trail.path,
                    humantime::format_duration(trail.wait),
                    match last_new.first() {
                        Some(first) => format!(
                            "; {} new entr(ies), such as {}",
                            last_new.len(),
                            ctx.excerpt(first.to_string().as_bytes())
                        ),
                        None => "; no new entry at all".into(),
                    }
                ),
            ));
            Finding::from_observations(evidence)
        })
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(AuditTrailCheck)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_must_name_actor_action_and_object() {
        let objects = vec![
            "api/communities/101/settings".to_string(),
            "101".to_string(),
        ];
        let entry = json!({"actor": "carol@acme.test", "action": "community.settings.update", "object": "communities/101/settings"});
        assert!(records(&entry, "carol@acme.test", Method::Patch, &objects));
        let login =
            json!({"actor": "carol@acme.test", "action": "user.login", "object": "users/u_1003"});
        assert!(!records(&login, "carol@acme.test", Method::Patch, &objects));
        assert!(!records(&entry, "alice@acme.test", Method::Patch, &objects));
        assert_eq!(
            entries_of(&json!({"data": [1, 2]}), None),
            Some(vec![json!(1), json!(2)])
        );
        assert_eq!(
            entries_of(&json!({"page": {"rows": [1]}}), Some("/page/rows")),
            Some(vec![json!(1)])
        );
        assert_eq!(entries_of(&json!({"total": 0}), None), None);
        let same = json!({"action": "update"});
        assert_eq!(
            added(
                std::slice::from_ref(&same),
                vec![same.clone(), same.clone()]
            ),
            vec![same]
        );
    }
}

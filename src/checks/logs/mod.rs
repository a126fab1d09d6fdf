//! Logs family: `logs.secrets`. Once every other check has finished, the app's logs (the
//! files and the command `[logs]` names) are read from where they stood when the audit
//! started, and searched for every secret the audit holds: identities' tokens and the
//! credentials their logins obtained, passwords and other secrets from the profile,
//! webhook secrets, AI canaries, and credentials the app handed out (cookies, tokens).
//!
//! The positive control is that the sources received lines during the audit: logs that
//! stayed silent while the audit sent the app requests are not the app's logs, and prove
//! nothing (one quiet error log among busy ones is only noted).

pub mod cfg;
mod needles;
mod reading;

pub use cfg::Logs;
pub use reading::Marks;

/// Marks where the app's logs stand: called when the audit starts, before any of its
/// traffic, so `logs.secrets` reads only the lines the audit caused.
pub fn mark_start(ctx: &Ctx) {
    marks(ctx);
}

/// This audit's marks (taken now if [`mark_start`] was not called).
fn marks(ctx: &Ctx) -> std::sync::Arc<Marks> {
    ctx.slot(|profile| Marks::take(profile.logs.as_ref()))
}

use aho_corasick::AhoCorasick;

use crate::check::{Applicability, Check, CheckFuture, Phase};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Coverage, Finding, Observation, Status};
use needles::{Form, Known};
use reading::Problem;

pub struct SecretsInLogs;

/// Kinds of secret seen (per source, secret and form) shown, at most: the rest are counted.
const MAX_HITS_SHOWN: usize = 20;
/// Characters of a log line kept either side of the masked secret.
const CONTEXT_CHARS: usize = 60;

/// Every secret the audit holds, labelled for evidence. The redactor's list is the union
/// (it learns what logins and responses hand out); the profile names most of them.
fn known_secrets(ctx: &Ctx) -> Vec<Known> {
    let profile = &ctx.profile;
    let mut known: Vec<Known> = Vec::new();
    let mut add = |label: String, value: String, credential: bool| {
        if !value.is_empty() && !known.iter().any(|k| k.value == value) {
            known.push(Known {
                label,
                value,
                credential,
            });
        }
    };
    for identity in profile.identities.values() {
        if let Some(token) = &identity.token {
            add(
                format!("the token of {}", identity.name),
                token.expose().to_string(),
                true,
            );
        }
        if let Some(credential) = ctx.http.credential_of(identity) {
            add(
                format!("the credential {} logged in with", identity.name),
                credential,
                true,
            );
        }
    }
    for webhook in &profile.webhooks {
        add(
            format!("the webhook secret of {}", webhook.name),
            webhook.secret.expose().to_string(),
            false,
        );
    }
    for endpoint in &profile.ai_endpoints {
        if let Some(canary) = &endpoint.system_prompt_canary {
            add(
                format!("the system-prompt canary of {}", endpoint.name),
                canary.expose().to_string(),
                false,
            );
        }
    }
    for secret in profile.secrets() {
        add(
            "a password or secret from the profile".into(),
            secret,
            false,
        );
    }
    for secret in ctx.redactor.known() {
        add(
            "a credential the app handed out during the audit".into(),
            secret,
            false,
        );
    }
    known
}

/// A query parameter `auth.token-in-url` puts the caller's token in (`?access_token=`).
fn in_query_parameter(line: &str, at: usize) -> bool {
    let before = &line[..at];
    crate::checks::auth::TOKEN_PARAMETERS.iter().any(|name| {
        before.ends_with(&format!("?{name}=")) || before.ends_with(&format!("&{name}="))
    })
}

/// What kind of secret a log line carries, once per kind, with where the first one starts.
/// Every match counts, so a token a probe put in the URL on purpose cannot hide the same
/// token logged from the Authorization header further along the line.
fn kinds_in(
    line: &str,
    matcher: &AhoCorasick,
    needles: &[needles::Needle],
    secrets: &[Known],
) -> Vec<((usize, Form, bool), usize)> {
    let mut kinds: Vec<((usize, Form, bool), usize)> = Vec::new();
    for found in matcher.find_iter(line) {
        let needle = &needles[found.pattern().as_usize()];
        let on_purpose = secrets[needle.secret].credential
            && needle.form == Form::Plain
            && in_query_parameter(line, found.start());
        let key = (needle.secret, needle.form, on_purpose);
        if !kinds.iter().any(|(k, _)| *k == key) {
            kinds.push((key, found.start()));
        }
    }
    kinds
}

/// Secrets seen in a log line, grouped: which secret, in which form, sent on purpose.
struct Hit {
    key: (usize, Form, bool),
    /// `file:line` of the first line.
    at: String,
    context: String,
    /// Further lines with the same key.
    more: usize,
}

/// The line around the secret found at `start`: every secret in it masked with what it is,
/// the text between them by the redactor (before the cut, so no half of one is left).
fn masked_context(
    ctx: &Ctx,
    line: &str,
    matcher: &AhoCorasick,
    needles: &[needles::Needle],
    secrets: &[Known],
    start: usize,
) -> String {
    let mut masked = String::with_capacity(line.len());
    let mut last = 0;
    let (mut new_start, mut new_end) = (0, 0);
    for found in matcher.find_iter(line) {
        if found.start() < last {
            continue;
        }
        let needle = &needles[found.pattern().as_usize()];
        // A base64 fragment or JWT segment sits inside a longer encoded value whose rest
        // still carries bits of the secret (or of a token built from it): mask it whole.
        let (mut from_byte, mut to_byte) = (found.start(), found.end());
        if needle.form != Form::Plain && needle.form != Form::PercentEncoded {
            let encoded = |c: char| c.is_ascii_alphanumeric() || "+/=_-.".contains(c);
            from_byte = line[last..from_byte]
                .char_indices()
                .rev()
                .take_while(|(_, c)| encoded(*c))
                .last()
                .map_or(from_byte, |(i, _)| last + i);
            to_byte += line[to_byte..]
                .find(|c: char| !encoded(c))
                .unwrap_or(line.len() - to_byte);
        }
        masked.push_str(&ctx.redactor.redact(&line[last..from_byte]));
        let from = masked.len();
        let label = &secrets[needle.secret].label;
        // The plain mask first, so the engine's own redaction pass leaves it as it is.
        masked.push_str(&format!("{} ({label})", crate::net::redact::MASK));
        if found.start() == start {
            (new_start, new_end) = (from, masked.len());
        }
        last = to_byte;
    }
    masked.push_str(&ctx.redactor.redact(&line[last..]));
    let from = masked[..new_start]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS)
        .map_or(0, |(i, _)| i);
    let to = masked[new_end..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(masked.len(), |(i, _)| new_end + i);
    format!(
        "{}{}{}",
        if from > 0 { "…" } else { "" },
        masked[from..to].trim(),
        if to < masked.len() { "…" } else { "" }
    )
}

impl Check for SecretsInLogs {
    fn id(&self) -> &str {
        "logs.secrets"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        match &profile.logs {
            Some(_) => Applicability::Run,
            None => Applicability::Skip {
                key: "logs.files",
                reason: "no [logs] section: name the app's log files (`files`) or a command that prints them (`command`)".into(),
            },
        }
    }

    fn phase(&self) -> Phase {
        Phase::Aftermath
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(logs) = &ctx.profile.logs else {
                return Finding::error("no [logs] section");
            };
            let base_dir = std::path::Path::new(&ctx.profile.source)
                .parent()
                .unwrap_or(std::path::Path::new("."));
            let sources = reading::read_all(logs, &marks(ctx), base_dir).await;
            let secrets = known_secrets(ctx);
            let needles = needles::needles(&secrets);
            // Leftmost-longest: a whole token is named as such, not as its payload segment.
            let matcher = match AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(needles.iter().map(|n| n.text.as_str()))
            {
                Ok(matcher) => matcher,
                // Without a matcher nothing was looked for: that must not read as clean.
                Err(error) => {
                    return Finding::error(format!(
                        "the secrets could not be searched for: {error}"
                    ));
                }
            };
            let mut evidence = Vec::new();
            let (mut shown, mut hidden) = (0usize, 0usize);
            // Whether a group past those shown is more than a token sent in a URL on purpose.
            let mut hidden_fail = false;
            let mut read = 0usize;
            let mut left = Vec::new();
            for source in &sources {
                match &source.problem {
                    Some(Problem::Failed(why)) => {
                        evidence.push(Observation::new(
                            Status::Error,
                            source.name.clone(),
                            ctx.redactor.redact(why),
                        ));
                        left.push(format!("{}: {why}", source.name));
                        continue;
                    }
                    Some(Problem::Capped(why)) => {
                        evidence.push(Observation::new(
                            Status::Warn,
                            source.name.clone(),
                            format!("read in part: {why}"),
                        ));
                    }
                    None => {}
                }
                let lines = source.text.lines().count();
                if lines == 0 {
                    // An error log may rightly stay quiet; all of them quiet proves nothing
                    // (below).
                    evidence.push(Observation::new(
                        Status::Info,
                        source.name.clone(),
                        "no line written here while the audit ran",
                    ));
                    left.push(format!("{}: silent during the audit", source.name));
                    continue;
                }
                read += 1;
                // One observation per source, secret, form and intent: the first line
                // quoted, the others counted.
                let mut groups: Vec<Hit> = Vec::new();
                for (i, line) in source.text.lines().enumerate() {
                    for (key, start) in kinds_in(line, &matcher, &needles, &secrets) {
                        if let Some(group) = groups.iter_mut().find(|g| g.key == key) {
                            group.more += 1;
                            continue;
                        }
                        groups.push(Hit {
                            key,
                            at: match source.first_line {
                                Some(first) => format!("{}:{}", source.name, first + i),
                                None => format!(
                                    "{} (line {} written during the audit)",
                                    source.name,
                                    i + 1
                                ),
                            },
                            context: masked_context(ctx, line, &matcher, &needles, &secrets, start),
                            more: 0,
                        });
                    }
                }
                if groups.is_empty() {
                    evidence.push(Observation::new(
                        Status::Pass,
                        source.name.clone(),
                        format!(
                            "{lines} line(s) written during the audit, none carrying any of the {} secret(s) the audit holds (plain, percent-encoded, base64, JWT segments)",
                            secrets.len()
                        ),
                    ));
                }
                for hit in groups {
                    let (secret, form, on_purpose) = hit.key;
                    let label = &secrets[secret].label;
                    let more = if hit.more > 0 {
                        format!(" (and {} more line(s) like it)", hit.more)
                    } else {
                        String::new()
                    };
                    let (status, what) = if on_purpose {
                        (
                            Status::Warn,
                            format!(
                                "{label}, which auth.token-in-url sent in a query string on purpose, recorded as logs record URLs: a reason never to accept tokens in URLs{more}"
                            ),
                        )
                    } else {
                        (Status::Fail, format!("{label} ({}){more}", form.describe()))
                    };
                    shown += 1;
                    if shown > MAX_HITS_SHOWN {
                        hidden += 1;
                        hidden_fail |= status == Status::Fail;
                        continue;
                    }
                    evidence.push(Observation::new(
                        status,
                        hit.at,
                        format!("{what}: {}", hit.context),
                    ));
                }
            }
            if read == 0 && !evidence.iter().any(|o| o.status == Status::Error) {
                evidence.push(Observation::new(
                    Status::Error,
                    "logs",
                    "no log source received a line while the audit ran: if the audit sent the app requests, these are not where the app logs them (or not yet flushed); nothing can be vouched for",
                ));
            }
            if hidden > 0 {
                evidence.push(Observation::new(
                    if hidden_fail {
                        Status::Fail
                    } else {
                        Status::Warn
                    },
                    "logs",
                    format!("and {hidden} more kind(s) of secret in the logs"),
                ));
            }
            Finding::from_observations(evidence).with_coverage(Coverage::new(
                "log sources",
                read,
                sources.len(),
                left,
            ))
        })
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(SecretsInLogs)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_in_the_url_does_not_hide_the_same_token_in_a_header() {
        let secrets = vec![Known {
            label: "the token of alice".into(),
            value: "tok-alice-0123456789".into(),
            credential: true,
        }];
        let needles = needles::needles(&secrets);
        let matcher = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(needles.iter().map(|n| n.text.as_str()))
            .unwrap();
        let line =
            r#"GET /api/me?access_token=tok-alice-0123456789 200 "Bearer tok-alice-0123456789""#;
        let kinds: Vec<bool> = kinds_in(line, &matcher, &needles, &secrets)
            .into_iter()
            .map(|((_, _, on_purpose), _)| on_purpose)
            .collect();
        assert_eq!(kinds, [true, false], "the header copy is its own finding");
        let only_url = "GET /api/me?access_token=tok-alice-0123456789 200";
        assert_eq!(kinds_in(only_url, &matcher, &needles, &secrets).len(), 1);
    }
}

//! `[mail]`, `[[journeys]]` and `[[tokens]]`: where the app's mail is read, the flows a new
//! customer walks, and the links in them whose lifecycle is checked. The family owns these
//! sections: shape, defaults, validation.
//!
//! `mail` holds `[mail]`, `tokens` holds `[[tokens]]`; this file the journeys and their steps.

mod mail;
mod tokens;

pub(crate) use mail::validate_mail;
pub use mail::{DEFAULT_MAIL_WAIT, MAX_MAIL_WAIT, Mail, MailSource, RawMail};
pub(crate) use tokens::validate_tokens;
pub use tokens::{MAX_LIFETIME_WAIT, RawToken, Token, TokenKind};

use std::collections::BTreeMap;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::profile::routes::Method;
use crate::profile::validator::Validator;

/// Steps in one journey, at most: every step is a request or a mailbox poll.
pub const MAX_STEPS: usize = 30;
/// The placeholder every run of a journey fills with a fresh value.
pub const RUN_PLACEHOLDER: &str = "run";

/// `[[journeys]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJourney {
    pub name: Spanned<String>,
    /// Steps that write (sign up, invite) are sent only with this set.
    #[serde(default)]
    pub allow_writes: bool,
    /// The whole journey's time, at most (default 30s).
    pub budget: Option<Spanned<String>>,
    pub steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Spanned<String>,
    // A request under base_url…
    pub method: Option<Method>,
    pub path: Option<Spanned<String>>,
    /// JSON body; strings may hold `{placeholders}` and `${VAR}`s.
    pub body: Option<toml::Table>,
    /// Extra headers (`Authorization = "Bearer {session}"`); values may hold placeholders
    /// and `${VAR}`s.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// …or a wait for mail (`to` may use `${VAR}`)…
    pub mail: Option<RawMailStep>,
    /// …or a link (usually extracted from mail) opened as a browser would.
    pub follow: Option<Spanned<String>>,
    pub expect: Option<RawExpect>,
    #[serde(default)]
    pub extract: BTreeMap<String, RawExtract>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMailStep {
    pub to: Spanned<String>,
    /// A regular expression the subject must match.
    pub subject: Option<Spanned<String>>,
    /// A regular expression the text (or HTML) body must match.
    pub body: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// One status, or a list of acceptable ones (default: any 2xx).
    pub status: Option<StatusSpec>,
    /// JSON pointer → the value it must hold.
    #[serde(default)]
    pub json: BTreeMap<String, toml::Value>,
    /// Header name → a regular expression its value must match.
    #[serde(default)]
    pub header: BTreeMap<String, String>,
    /// A regular expression the body must match.
    pub body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum StatusSpec {
    One(u16),
    Any(Vec<u16>),
}

/// Exactly one of the fields: where the value comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtract {
    pub json: Option<String>,
    pub header: Option<String>,
    pub cookie: Option<String>,
    /// A regular expression over the body (the text body for mail); its first group, or
    /// the whole match.
    pub regex: Option<String>,
    /// Mail only: the first link whose URL matches this regular expression.
    pub link: Option<String>,
}

/// What a step does.
#[derive(Debug)]
pub enum Action {
    Request {
        method: Method,
        path: String,
        body: Option<serde_json::Value>,
    },
    Mail {
        to: String,
        subject: Option<Regex>,
        body: Option<Regex>,
    },
    Follow {
        link: String,
    },
}

impl Action {
    pub fn writes(&self) -> bool {
        matches!(self, Action::Request { method, .. } if !method.is_safe())
    }

    /// A request to the app (not a mail wait, not a link followed).
    pub fn is_request(&self) -> bool {
        matches!(self, Action::Request { .. })
    }
}

#[derive(Debug)]
pub enum Source {
    Json(String),
    Header(String),
    Cookie(String),
    Regex(Regex),
    Link(Regex),
}

#[derive(Debug, Default)]
pub struct Expect {
    /// Empty: any 2xx.
    pub status: Vec<u16>,
    pub json: Vec<(String, serde_json::Value)>,
    pub header: Vec<(String, Regex)>,
    pub body: Option<Regex>,
}

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub action: Action,
    pub headers: Vec<(String, String)>,
    pub expect: Expect,
    pub extract: Vec<(String, Source)>,
}

#[derive(Debug)]
pub struct Journey {
    pub name: String,
    pub allow_writes: bool,
    pub budget: Duration,
    pub steps: Vec<Step>,
}

impl Journey {
    pub fn writes(&self) -> bool {
        self.steps.iter().any(|s| s.action.writes())
    }

    pub fn step(&self, name: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.name == name)
    }

    /// Whether every walk acts on the same account: nothing in it is made new per walk with
    /// `{run}` (a reset of `${RESET_ACCOUNT}`). Such walks take turns, since one walk's
    /// reset can end the links another walk is holding.
    pub fn shares_an_account(&self) -> bool {
        let run = format!("{{{RUN_PLACEHOLDER}}}");
        !self.steps.iter().any(|step| match &step.action {
            Action::Request { path, body, .. } => {
                path.contains(&run) || body.as_ref().is_some_and(|b| b.to_string().contains(&run))
            }
            Action::Mail { to, .. } => to.contains(&run),
            Action::Follow { link } => link.contains(&run),
        })
    }

    pub fn reads_mail(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.action, Action::Mail { .. }))
    }
}

fn regex(v: &mut Validator<'_>, anchor: &Spanned<String>, key: &str, text: &str) -> Option<Regex> {
    match Regex::new(text) {
        Ok(re) => Some(re),
        Err(e) => {
            v.blame(anchor, key, format!("not a regular expression: {e}"));
            None
        }
    }
}

/// `{name}` placeholders in `text` (`{{` is not one).
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(tail) = after.strip_prefix('{') {
            rest = tail;
            continue;
        }
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.push(name.to_string());
        }
        rest = &after[close + 1..];
    }
    names
}

pub(crate) fn validate_journeys(
    raw: Vec<RawJourney>,
    has_mail: bool,
    v: &mut Validator<'_>,
) -> Vec<Journey> {
    let mut names = std::collections::HashSet::new();
    let mut journeys = Vec::new();
    for (j, raw) in raw.into_iter().enumerate() {
        let key = format!("journeys[{j}]");
        let name = raw.name.get_ref().clone();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_ ".contains(c))
        {
            v.blame(
                &raw.name,
                &format!("{key}.name"),
                "letters, digits, spaces, `-` and `_`: the name makes the check id",
            );
        }
        // Names make check ids: `password reset` and `password-reset` would be one.
        if !names.insert(slug(&name)) {
            v.blame(
                &raw.name,
                &format!("{key}.name"),
                format!(
                    "two [[journeys]] are named `{name}` (as a check id: journey.{})",
                    slug(&name)
                ),
            );
        }
        if raw.steps.is_empty() || raw.steps.len() > MAX_STEPS {
            v.blame(
                &raw.name,
                &format!("{key}.steps"),
                format!("a journey has 1 to {MAX_STEPS} steps"),
            );
        }
        let budget = match &raw.budget {
            None => Duration::from_secs(30),
            Some(b) => v
                .duration(b, &format!("{key}.budget"))
                .unwrap_or(Duration::from_secs(30)),
        };
        let mut known: Vec<String> = vec![RUN_PLACEHOLDER.to_string()];
        let mut steps = Vec::new();
        for (s, step) in raw.steps.into_iter().enumerate() {
            let skey = format!("{key}.steps[{s}]");
            if let Some(step) = validate_step(step, &skey, &known, has_mail, v) {
                known.extend(step.extract.iter().map(|(n, _)| n.clone()));
                steps.push(step);
            }
        }
        journeys.push(Journey {
            name,
            allow_writes: raw.allow_writes,
            budget,
            steps,
        });
    }
    journeys
}

fn validate_step(
    raw: RawStep,
    key: &str,
    known: &[String],
    has_mail: bool,
    v: &mut Validator<'_>,
) -> Option<Step> {
    let anchor = raw.name.clone();
    let kinds = [raw.path.is_some(), raw.mail.is_some(), raw.follow.is_some()];
    if kinds.iter().filter(|k| **k).count() != 1 {
        v.blame(&anchor, key, "a step is exactly one of: a request (`path`), a wait for `mail`, or a link to `follow`");
        return None;
    }
    // `${VAR}` in header values (a token from the environment), kept secret like a body's.
    let headers: Vec<(String, String)> = raw
        .headers
        .into_iter()
        .map(|(name, value)| {
            let mut filled = serde_json::Value::String(value);
            v.interpolate_json(&mut filled, &anchor, &format!("{key}.headers.{name}"), None);
            (name, filled.as_str().unwrap_or_default().to_string())
        })
        .collect();
    let mut templated: Vec<String> = headers.iter().map(|(_, value)| value.clone()).collect();
    let action = if let Some(path) = &raw.path {
        if !path.get_ref().starts_with('/') {
            v.blame(
                path,
                &format!("{key}.path"),
                "expected a path under base_url, such as `/auth/signup`",
            );
        }
        templated.push(path.get_ref().clone());
        let body = raw.body.as_ref().map(|table| {
            let mut value = serde_json::to_value(table).unwrap_or_default();
            v.interpolate_json(&mut value, path, &format!("{key}.body"), None);
            templated.push(value.to_string());
            value
        });
        Action::Request {
            method: raw.method.unwrap_or(if body.is_some() {
                Method::Post
            } else {
                Method::Get
            }),
            path: path.get_ref().clone(),
            body,
        }
    } else if let Some(mail) = &raw.mail {
        if !has_mail {
            v.blame(
                &mail.to,
                &format!("{key}.mail"),
                "a mail step needs a [mail] section saying where the app's mail is read",
            );
        }
        let to = v.interpolated(&mail.to, &format!("{key}.mail.to"));
        templated.push(to.clone());
        let subject = mail
            .subject
            .as_ref()
            .and_then(|s| regex(v, s, &format!("{key}.mail.subject"), s.get_ref()));
        let body = mail
            .body
            .as_ref()
            .and_then(|s| regex(v, s, &format!("{key}.mail.body"), s.get_ref()));
        Action::Mail { to, subject, body }
    } else {
        let link = raw.follow.as_ref()?;
        templated.push(link.get_ref().clone());
        Action::Follow {
            link: link.get_ref().clone(),
        }
    };
    for text in &templated {
        for name in placeholders(text) {
            if !known.contains(&name) {
                v.blame(
                    &anchor,
                    key,
                    format!(
                        "`{{{name}}}` is neither `{{run}}` nor a value an earlier step extracts"
                    ),
                );
            }
        }
    }
    let mut expect = Expect::default();
    if let Some(raw_expect) = raw.expect {
        expect.status = match raw_expect.status {
            None => Vec::new(),
            Some(StatusSpec::One(s)) => vec![s],
            Some(StatusSpec::Any(list)) => list,
        };
        for (pointer, value) in raw_expect.json {
            if !pointer.starts_with('/') {
                v.blame(
                    &anchor,
                    &format!("{key}.expect.json"),
                    format!("`{pointer}` is not a JSON pointer"),
                );
            }
            expect
                .json
                .push((pointer, serde_json::to_value(value).unwrap_or_default()));
        }
        for (name, pattern) in raw_expect.header {
            if let Some(re) = regex(v, &anchor, &format!("{key}.expect.header"), &pattern) {
                expect.header.push((name.to_ascii_lowercase(), re));
            }
        }
        expect.body = raw_expect
            .body
            .and_then(|b| regex(v, &anchor, &format!("{key}.expect.body"), &b));
    }
    let is_mail = matches!(action, Action::Mail { .. });
    let mut extract = Vec::new();
    for (name, source) in raw.extract {
        let ekey = format!("{key}.extract.{name}");
        if name == RUN_PLACEHOLDER || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            v.blame(
                &anchor,
                &ekey,
                "names are letters, digits and `_`, and not `run`",
            );
            continue;
        }
        let given: Vec<&str> = [
            source.json.as_ref().map(|_| "json"),
            source.header.as_ref().map(|_| "header"),
            source.cookie.as_ref().map(|_| "cookie"),
            source.regex.as_ref().map(|_| "regex"),
            source.link.as_ref().map(|_| "link"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.len() != 1 {
            v.blame(
                &anchor,
                &ekey,
                "exactly one of `json`, `header`, `cookie`, `regex`, `link`",
            );
            continue;
        }
        let source = match given[0] {
            "json" => Source::Json(source.json.unwrap_or_default()),
            "header" => Source::Header(source.header.unwrap_or_default().to_ascii_lowercase()),
            "cookie" => Source::Cookie(source.cookie.unwrap_or_default()),
            "regex" => match regex(v, &anchor, &ekey, &source.regex.unwrap_or_default()) {
                Some(re) => Source::Regex(re),
                None => continue,
            },
            _ => {
                if !is_mail {
                    v.blame(
                        &anchor,
                        &ekey,
                        "`link` reads a message: it is for mail steps",
                    );
                    continue;
                }
                match regex(v, &anchor, &ekey, &source.link.unwrap_or_default()) {
                    Some(re) => Source::Link(re),
                    None => continue,
                }
            }
        };
        if is_mail && matches!(source, Source::Json(_) | Source::Cookie(_)) {
            v.blame(
                &anchor,
                &ekey,
                "a message has no JSON or cookies: use `link`, `regex` or `header`",
            );
            continue;
        }
        extract.push((name, source));
    }
    Some(Step {
        name: raw.name.into_inner(),
        action,
        headers,
        expect,
        extract,
    })
}
/// A journey's name as a check id segment: `password reset` → `password-reset`.
pub fn slug(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace([' ', '_'], "-")
}

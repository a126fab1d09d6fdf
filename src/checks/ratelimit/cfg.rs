//! `[[rate_limits]]`: the routes whose limits `ratelimit.<name>` bursts against.
//! The family owns its section: shape, defaults, validation.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::identity::Identity;
use crate::profile::routes::Method;
use crate::profile::validator::Validator;

/// `[[rate_limits]]`: one `ratelimit.<name>` check each.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub name: String,
    pub method: Method,
    pub path: String,
    pub json: Option<serde_json::Value>,
    pub form: Option<Vec<(String, String)>>,
    pub identity: Option<String>,
    pub max_attempts: u32,
    pub burst: u32,
    pub pace: Duration,
    /// 429 plus what the profile adds.
    pub limit_statuses: Vec<u16>,
    /// Error codes (or words of the message) in a GraphQL answer's `errors` that mean
    /// limited: a GraphQL server says so in a 200.
    pub limit_errors: Vec<String>,
}

/// Bursts send at most this many requests, whatever the profile says.
pub const BURST_CEILING: u32 = 100;

/// Default burst.
pub const DEFAULT_BURST: u32 = 30;

/// By which attempt a limit must answer when the profile does not say: ten wrong passwords
/// in a row is already more than a person types (OWASP's guidance is a handful).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// An endpoint that must be rate-limited (login, signup, password reset, invites, OTP).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    /// Names the check: `ratelimit.<name>`.
    pub name: Spanned<String>,
    #[serde(default = "crate::profile::routes::post")]
    pub method: Method,
    pub path: Spanned<String>,
    pub body: Option<toml::Table>,
    pub form: Option<BTreeMap<String, String>>,
    /// Sent as this identity (default: anonymous).
    pub identity: Option<Spanned<String>>,
    /// A limiting answer must come at or before this attempt (default
    /// [`super::DEFAULT_MAX_ATTEMPTS`], or the burst when it is smaller).
    pub max_attempts: Option<Spanned<i64>>,
    /// Requests sent at most (default 30; never above the code's ceiling).
    pub burst: Option<Spanned<i64>>,
    /// Time between two attempts (default 0: back to back).
    pub pace: Option<Spanned<String>>,
    /// Statuses that mean "limited" besides 429 (423, 503 with Retry-After…).
    #[serde(default)]
    pub limit_statuses: Vec<Spanned<i64>>,
    /// A GraphQL mutation's limiter answers 200 with an error: its `extensions.code`
    /// (`RATE_LIMITED`) or words of its message (`too many attempts`).
    #[serde(default)]
    pub limit_errors: Vec<Spanned<String>>,
}

impl Validator<'_> {
    pub(crate) fn rate_limit(
        &mut self,
        raw: RawRateLimit,
        key: &str,
        identities: &BTreeMap<String, Identity>,
    ) -> Option<RateLimit> {
        let name = raw.name.get_ref().clone();
        let mut ok = true;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            self.blame(
                &raw.name,
                &format!("{key}.name"),
                "expected lower-case letters, digits and `-` (it becomes ratelimit.<name>)",
            );
            ok = false;
        }
        if !raw.path.get_ref().starts_with('/') {
            self.blame(
                &raw.path,
                &format!("{key}.path"),
                "expected a path under base_url, starting with `/`",
            );
            ok = false;
        }
        if let Some(identity) = &raw.identity
            && !identities.contains_key(identity.get_ref())
        {
            self.blame(
                identity,
                &format!("{key}.identity"),
                format!("no identity `{}`", identity.get_ref()),
            );
            ok = false;
        }
        let burst = match &raw.burst {
            Some(b) if !(1..=i64::from(BURST_CEILING)).contains(b.get_ref()) => {
                self.blame(
                    b,
                    &format!("{key}.burst"),
                    format!("expected 1 to {BURST_CEILING} (the hard cap)"),
                );
                ok = false;
                DEFAULT_BURST
            }
            Some(b) => *b.get_ref() as u32,
            None => DEFAULT_BURST,
        };
        let max_attempts = match &raw.max_attempts {
            None => i64::from(DEFAULT_MAX_ATTEMPTS.min(burst)),
            Some(given) => {
                let max_attempts = *given.get_ref();
                if max_attempts < 1 || max_attempts > i64::from(burst) {
                    self.blame(
                        given,
                        &format!("{key}.max_attempts"),
                        format!(
                            "expected 1 to burst ({burst}): the burst must be able to reach it"
                        ),
                    );
                    ok = false;
                }
                max_attempts
            }
        };
        let pace = match &raw.pace {
            Some(p) => match humantime::parse_duration(p.get_ref()) {
                Ok(d) if d <= Duration::from_secs(10) => d,
                _ => {
                    self.blame(
                        p,
                        &format!("{key}.pace"),
                        "expected a duration up to 10s, such as `100ms`",
                    );
                    ok = false;
                    Duration::ZERO
                }
            },
            None => Duration::ZERO,
        };
        let mut limit_statuses = vec![429];
        for (i, status) in raw.limit_statuses.iter().enumerate() {
            match u16::try_from(*status.get_ref()) {
                Ok(code) if (400..600).contains(&code) => limit_statuses.push(code),
                _ => {
                    self.blame(
                        status,
                        &format!("{key}.limit_statuses[{i}]"),
                        "expected a 4xx or 5xx status",
                    );
                    ok = false;
                }
            }
        }
        for (i, said) in raw.limit_errors.iter().enumerate() {
            if said.get_ref().trim().is_empty() {
                self.blame(
                    said,
                    &format!("{key}.limit_errors[{i}]"),
                    "expected an error code such as `RATE_LIMITED`, or words of the message",
                );
                ok = false;
            }
        }
        if raw.body.is_some() && raw.form.is_some() {
            self.blame(&raw.path, key, "give `body` (JSON) or `form`, not both");
            ok = false;
        }
        ok.then(|| RateLimit {
            name,
            method: raw.method,
            path: raw.path.into_inner(),
            json: raw
                .body
                .map(|t| serde_json::to_value(t).unwrap_or_default()),
            form: raw.form.map(|f| f.into_iter().collect()),
            identity: raw.identity.map(Spanned::into_inner),
            max_attempts: max_attempts as u32,
            burst,
            pace,
            limit_statuses,
            limit_errors: raw
                .limit_errors
                .into_iter()
                .map(|e| e.into_inner().trim().to_string())
                .collect(),
        })
    }
}

/// `[[rate_limits]]`, validated; their names make the check ids, so they are unique.
pub(crate) fn validate(
    raw: Vec<RawRateLimit>,
    identities: &BTreeMap<String, Identity>,
    v: &mut Validator<'_>,
) -> Vec<RateLimit> {
    let rate_limits = raw
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| v.rate_limit(r, &format!("rate_limits[{i}]"), identities))
        .collect::<Vec<RateLimit>>();
    let mut seen_names = std::collections::HashSet::new();
    for limit in &rate_limits {
        if !seen_names.insert(limit.name.clone()) {
            v.errors.push(v.locator.error(
                None,
                "rate_limits",
                format!(
                    "two [[rate_limits]] are named `{}`: names make the check ids",
                    limit.name
                ),
            ));
        }
    }
    rate_limits
}

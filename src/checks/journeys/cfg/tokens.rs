//! `[[tokens]]`: the links in a journey's mail whose lifecycle (single use, expiry, binding)
//! the `tokens.*` checks test.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::secret::Secret;
use crate::profile::validator::Validator;

use super::Journey;

/// The longest link lifetime the expiry check waits out; a longer one needs `expired`.
pub const MAX_LIFETIME_WAIT: Duration = Duration::from_secs(120);

/// The kinds of link whose lifecycle `tokens.*` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A password-reset link: single use, short-lived.
    Reset,
    /// An invitation link: single use, expiring.
    Invite,
    /// An email verification link: bound to the account it was sent to.
    Verification,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Reset => "reset",
            TokenKind::Invite => "invite",
            TokenKind::Verification => "verification",
        }
    }
}

/// `[[tokens]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawToken {
    pub kind: TokenKind,
    pub journey: Spanned<String>,
    /// The step that extracts the link or code from the mail.
    pub issued_by: Spanned<String>,
    /// The step that spends it.
    pub used_by: Spanned<String>,
    /// How long the app says the link works (staging set short, e.g. "3s"): the expiry check
    /// waits this long plus a second, at most 120s.
    pub lifetime: Option<Spanned<String>>,
    /// A link issued longer ago than its lifetime and never used (`${OLD_RESET_LINK}`):
    /// the expiry check tries it instead of waiting.
    pub expired: Option<Spanned<String>>,
    /// Reset links: the steps before `used_by` that act with a session or refresh token
    /// obtained before the reset (one name or a list). `tokens.session-revocation` takes
    /// each again after the reset: each must be refused.
    pub signed_in_by: Option<Spanned<StepNames>>,
}

/// One step name, or several (spans are the field's: serde's untagged enums keep none).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum StepNames {
    One(String),
    Many(Vec<String>),
}

impl StepNames {
    fn names(&self) -> Vec<&str> {
        match self {
            StepNames::One(name) => vec![name.as_str()],
            StepNames::Many(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug)]
pub struct Token {
    pub kind: TokenKind,
    /// Index into `profile.journeys`.
    pub journey: usize,
    pub issued_by: usize,
    pub used_by: usize,
    pub lifetime: Option<Duration>,
    pub expired: Option<Secret>,
    /// Steps before `used_by` acting with a session or refresh token from before the reset
    /// (reset links), in walk order.
    pub signed_in_by: Vec<usize>,
}

pub(crate) fn validate_tokens(
    raw: Vec<RawToken>,
    journeys: &[Journey],
    v: &mut Validator<'_>,
) -> Vec<Token> {
    let mut tokens = Vec::new();
    for (i, raw) in raw.into_iter().enumerate() {
        let key = format!("tokens[{i}]");
        let Some(j) = journeys
            .iter()
            .position(|j| &j.name == raw.journey.get_ref())
        else {
            v.blame(
                &raw.journey,
                &format!("{key}.journey"),
                format!("no [[journeys]] entry is named `{}`", raw.journey.get_ref()),
            );
            continue;
        };
        let journey = &journeys[j];
        let step = |v: &mut Validator<'_>, name: &Spanned<String>, field: &str| {
            let found = journey.step(name.get_ref());
            if found.is_none() {
                v.blame(
                    name,
                    &format!("{key}.{field}"),
                    format!(
                        "journey `{}` has no step named `{}`",
                        journey.name,
                        name.get_ref()
                    ),
                );
            }
            found
        };
        let (Some(issued_by), Some(used_by)) = (
            step(v, &raw.issued_by, "issued_by"),
            step(v, &raw.used_by, "used_by"),
        ) else {
            continue;
        };
        if used_by <= issued_by || journey.steps[issued_by].extract.is_empty() {
            v.blame(
                &raw.used_by,
                &format!("{key}.used_by"),
                "the step that spends the token comes after the step that extracts it",
            );
            continue;
        }
        let lifetime = raw.lifetime.as_ref().and_then(|l| {
            let d = v.duration(l, &format!("{key}.lifetime"))?;
            if d > MAX_LIFETIME_WAIT && raw.expired.is_none() {
                v.blame(l, &format!("{key}.lifetime"), "longer than the 120s the check waits: set the staging app's lifetime shorter, or give `expired`, an old unused link");
            }
            Some(d)
        });
        let expired = raw
            .expired
            .as_ref()
            .map(|e| v.secret(e, &format!("{key}.expired")));
        let mut signed_in_by = Vec::new();
        if let Some(field) = &raw.signed_in_by {
            for name in field.get_ref().names() {
                let Some(at) = journey.step(name) else {
                    v.blame(
                        field,
                        &format!("{key}.signed_in_by"),
                        format!("journey `{}` has no step named `{name}`", journey.name),
                    );
                    continue;
                };
                if at < used_by
                    && journey.steps[at].action.is_request()
                    && raw.kind == TokenKind::Reset
                {
                    signed_in_by.push(at);
                } else {
                    v.blame(
                        field,
                        &format!("{key}.signed_in_by"),
                        format!("`{name}`: a request step before `used_by`, on a reset link: what it uses is tried again after the reset"),
                    );
                }
            }
        }
        signed_in_by.sort_unstable();
        signed_in_by.dedup();
        tokens.push(Token {
            kind: raw.kind,
            journey: j,
            issued_by,
            used_by,
            lifetime,
            expired,
            signed_in_by,
        });
    }
    tokens
}

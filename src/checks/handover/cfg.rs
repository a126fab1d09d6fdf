//! `[attest.<item>]`: who answered for each handover item no probe can see.
//! The family owns its section: shape, defaults, validation.

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::profile::validator::Validator;

/// `[attest.<item>]`: who says a handover item is in place, when, and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attestation {
    pub by: String,
    /// `YYYY-MM-DD`.
    pub on: String,
    pub link: Option<String>,
    pub note: Option<String>,
}

/// A person's word that a handover item no probe can see is in place.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttestation {
    /// Who answers for it.
    pub by: Spanned<String>,
    /// When they checked, a date.
    pub on: Spanned<toml::value::Datetime>,
    /// Where it is written down (runbook, dashboard).
    pub link: Option<Spanned<String>>,
    pub note: Option<String>,
}

impl Validator<'_> {
    /// An `[attest.<item>]` table: the item must be a manual entry of the catalogue.
    pub(crate) fn attestation(&mut self, item: &str, raw: RawAttestation) -> Option<Attestation> {
        let key = format!("attest.{item}");
        let known = crate::catalogue::manual_items();
        if !known.contains(&item) {
            self.blame(
                &raw.by,
                &key,
                format!(
                    "no handover item `{item}`; the items are: {}",
                    known.join(", ")
                ),
            );
            return None;
        }
        if raw.by.get_ref().trim().is_empty() {
            self.blame(&raw.by, &format!("{key}.by"), "say who answers for it");
        }
        let on = match (raw.on.get_ref().date, raw.on.get_ref().time) {
            (Some(d), None) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
            _ => {
                self.blame(
                    &raw.on,
                    &format!("{key}.on"),
                    "expected a date such as 2026-11-20",
                );
                String::new()
            }
        };
        if raw.link.is_none() && raw.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            self.blame(
                &raw.by,
                &key,
                "give a `link` (runbook, dashboard) or a `note` saying where it is written down",
            );
        }
        let link = raw.link.and_then(|link| {
            if Url::parse(link.get_ref()).is_err() {
                self.blame(&link, &format!("{key}.link"), "expected a URL");
                return None;
            }
            Some(link.into_inner())
        });
        Some(Attestation {
            by: raw.by.into_inner(),
            on,
            link,
            note: raw.note,
        })
    }
}

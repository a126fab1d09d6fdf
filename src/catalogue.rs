//! The check catalogue: `checks/<family>.toml` compiled into the binary, parsed once.
//! The one place a check's title, severity, criteria and fix path live.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::area::Area;
use crate::result::{Severity, family_of};

/// Every family file (`checks/*.toml`), by file name: listed by `build.rs`.
const SOURCES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalogue_sources.rs"));

/// What decides an entry: a probe of the target, or a person's word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The tool looks for itself.
    #[default]
    Probe,
    /// No probe can see it (rollback plan, backups): the profile's `[attest]` answers,
    /// and the report shows ATTESTED or OPEN, never PASS.
    Manual,
}

/// One catalogue entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub kind: Kind,
    /// The positive control: what shows the probe reached the code path it judges. A
    /// probe check PASSes only when it held (empty for manual items).
    #[serde(default)]
    pub control: String,
    /// The pass criterion.
    pub pass: String,
    /// Why it matters.
    pub why: String,
    /// What breaks if it fails.
    pub breaks: String,
    /// The fix path.
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// The scorecard area, when it is not the family's (see [`area_of`]).
    #[serde(default)]
    pub area: Option<Area>,
}

impl CheckMeta {
    pub fn family(&self) -> &str {
        family_of(&self.id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyFile {
    check: Vec<CheckMeta>,
}

/// The scorecard area of check `id`: its catalogue entry's, else its family's.
pub fn area_of(id: &str) -> Area {
    lookup(id)
        .and_then(|meta| meta.area)
        .unwrap_or_else(|| Area::of_family(family_of(id)))
}

/// All entries, in file order.
pub fn entries() -> &'static [CheckMeta] {
    static ENTRIES: OnceLock<Vec<CheckMeta>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        SOURCES
            .iter()
            .flat_map(|(path, text)| match toml::from_str::<FamilyFile>(text) {
                Ok(file) => file.check,
                // Compiled-in data: the catalogue tests parse every file, so this cannot ship.
                Err(error) => panic!("{path} does not parse: {error}"),
            })
            .collect()
    })
}

/// The item names (`rollback-plan`) of the manual entries, for `[attest.<item>]`.
pub fn manual_items() -> Vec<&'static str> {
    entries()
        .iter()
        .filter(|meta| meta.kind == Kind::Manual)
        .map(|meta| {
            meta.id
                .split_once('.')
                .map_or(meta.id.as_str(), |(_, item)| item)
        })
        .collect()
}

/// The entry for `id` with its texts speaking of the target: `{domain}` becomes `domain`
/// (the profile's domain, else base_url's host; `example.com` where there is no target).
pub fn lookup_for(id: &str, domain: &str) -> Option<CheckMeta> {
    let mut meta = lookup(id)?.clone();
    for text in [
        &mut meta.control,
        &mut meta.pass,
        &mut meta.why,
        &mut meta.breaks,
        &mut meta.fix,
    ] {
        if text.contains("{domain}") {
            *text = text.replace("{domain}", domain);
        }
    }
    Some(meta)
}

/// The entry for `id`, its texts as written (with `{domain}` placeholders).
pub fn lookup(id: &str) -> Option<&'static CheckMeta> {
    entries().iter().find(|meta| meta.id == id).or_else(|| {
        // `ratelimit.login` and its siblings share the `ratelimit.<name>` entry, and
        // every `journey.<name>` the `journey.<name>` one; so does the family's own id
        // (`ratelimit`), which stands for it when the profile declares no entry.
        ["ratelimit", "journey"].iter().find_map(|family| {
            let template = format!("{family}.<name>");
            (id == *family || id.starts_with(&format!("{family}.")))
                .then(|| entries().iter().find(|meta| meta.id == template))
                .flatten()
        })
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_catalogue_entry_has_an_area_and_cookies_sit_at_the_edge() {
        assert_eq!(area_of("auth.session-cookies"), Area::BrowserEdge);
        assert_eq!(area_of("auth.login"), Area::AuthAndSessions);
        assert_eq!(area_of("ratelimit.login"), Area::RateLimits);
        assert_eq!(area_of("handover.backups"), Area::OperationsAndHandover);
        assert_eq!(area_of("audit.waivers"), Area::OperationsAndHandover);
    }

    #[test]
    fn every_file_parses_and_ids_are_unique() {
        let mut seen = HashSet::new();
        for meta in entries() {
            assert!(seen.insert(meta.id.clone()), "duplicate id {}", meta.id);
        }
        assert!(!entries().is_empty());
    }

    #[test]
    fn every_entry_sits_in_its_family_file() {
        for (path, text) in SOURCES {
            let file: FamilyFile = toml::from_str(text).expect("parses");
            for meta in file.check {
                assert_eq!(
                    *path,
                    format!("checks/{}.toml", meta.family()),
                    "{}",
                    meta.id
                );
            }
        }
    }

    #[test]
    fn no_text_names_the_example_company() {
        for meta in entries() {
            for text in [
                &meta.control,
                &meta.pass,
                &meta.why,
                &meta.breaks,
                &meta.fix,
            ] {
                assert!(
                    !text.to_ascii_lowercase().contains("acme.test"),
                    "{}: say {{domain}}, not the example's: {text}",
                    meta.id
                );
            }
        }
        let caa = lookup_for("dns.caa", "shop.example").expect("dns.caa");
        assert!(caa.fix.contains("shop.example. CAA"), "{}", caa.fix);
    }

    #[test]
    fn every_field_is_filled() {
        for meta in entries() {
            for (field, value) in [
                ("title", &meta.title),
                ("pass", &meta.pass),
                ("why", &meta.why),
                ("breaks", &meta.breaks),
                ("fix", &meta.fix),
            ] {
                assert!(!value.trim().is_empty(), "{}: empty {field}", meta.id);
            }
            // Every probe states what shows it reached what it judges.
            assert_eq!(
                meta.kind == Kind::Probe,
                !meta.control.trim().is_empty(),
                "{}: a probe check names its control; a manual item has none",
                meta.id
            );
        }
    }
}

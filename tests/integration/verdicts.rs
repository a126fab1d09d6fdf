//! `tests/verdicts.toml`, read once: the status every check must reach against the fixture
//! in each mode, against the hostile target, and against each real stack's variants. The
//! tests that run those audits compare the report with what this module hands them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use fixtures::Mode;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Verdicts {
    /// Check id → its row of fixture verdicts.
    fixture: BTreeMap<String, FixtureRow>,
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureRow {
    vulnerable: Option<String>,
    hardened: Option<String>,
    hostile: Option<Allowed>,
}

/// One status, or the fail-closed statuses a check may end in when its probe can time out.
#[derive(Deserialize)]
#[serde(untagged)]
enum Allowed {
    One(String),
    Any(Vec<String>),
}

/// A real stack's variant, a check, and the status it must reach there.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub stack: String,
    pub variant: String,
    pub check: String,
    pub expect: String,
    pub why: String,
    pub curl: String,
}

fn verdicts() -> &'static Verdicts {
    static VERDICTS: OnceLock<Verdicts> = OnceLock::new();
    VERDICTS.get_or_init(|| {
        toml::from_str(include_str!("../verdicts.toml")).expect("tests/verdicts.toml parses")
    })
}

/// `(check id, status)` for every check the audit of the fixture in `mode` reports, sorted
/// by id as the report is.
pub fn fixture(mode: Mode) -> Vec<(String, String)> {
    verdicts()
        .fixture
        .iter()
        .filter_map(|(id, row)| {
            let status = match mode {
                Mode::Vulnerable => row.vulnerable.as_ref(),
                Mode::Hardened => row.hardened.as_ref(),
            };
            status.map(|s| (id.clone(), s.clone()))
        })
        .collect()
}

/// `(check id, statuses it may end in)` for every check the audit of the hostile target
/// reports, sorted by id.
pub fn hostile() -> Vec<(String, Vec<String>)> {
    verdicts()
        .fixture
        .iter()
        .filter_map(|(id, row)| {
            let allowed = match row.hostile.as_ref()? {
                Allowed::One(status) => vec![status.clone()],
                Allowed::Any(statuses) => statuses.clone(),
            };
            Some((id.clone(), allowed))
        })
        .collect()
}

/// Every real-stack case, in the file's order.
pub fn cases() -> &'static [Case] {
    &verdicts().case
}

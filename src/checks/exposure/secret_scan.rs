//! The secret scanner: `checks/rules/secrets.toml` applied to text. Shared by the checks
//! that read what the public can read (client bundles, source maps). A hit carries a masked
//! excerpt only — first and last four characters — never the value.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    what: String,
    pattern: String,
    #[serde(default)]
    public: bool,
    min_entropy: Option<f64>,
}

struct Rule {
    raw: RawRule,
    regex: Regex,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let rules: Rules = match toml::from_str(include_str!("../../../checks/rules/secrets.toml"))
        {
            Ok(rules) => rules,
            // Compiled-in data: a unit test parses it, so this cannot ship.
            Err(error) => panic!("checks/rules/secrets.toml: {error}"),
        };
        rules
            .rule
            .into_iter()
            .map(|raw| match Regex::new(&raw.pattern) {
                Ok(regex) => Rule { raw, regex },
                Err(error) => panic!("checks/rules/secrets.toml {}: {error}", raw.id),
            })
            .collect()
    })
}

/// One secret-shaped string found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub rule: String,
    pub what: String,
    /// Meant to be public (publishable keys): information, not a finding.
    pub public: bool,
    /// 1-based.
    pub line: usize,
    pub col: usize,
    /// First and last four characters.
    pub masked: String,
    /// `rule@` and 16 hex digits of the value's SHA-256: names one secret wherever it
    /// appears (every commit, every file) without revealing it; `.launch-audit-ignore`
    /// lists these.
    pub fingerprint: String,
}

/// The fingerprint of `value` found by `rule`.
pub fn fingerprint(rule: &str, value: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, value.as_bytes());
    let hex: String = digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{rule}@{hex}")
}

/// `sk_l…9xQz`: enough to find it, not enough to use it.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 10 {
        return "…".into();
    }
    format!(
        "{}…{}",
        chars[..4].iter().collect::<String>(),
        chars[chars.len() - 4..].iter().collect::<String>()
    )
}

/// Shannon entropy in bits per character.
pub fn entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let total = text.chars().count() as f64;
    counts
        .values()
        .map(|&n| n as f64 / total)
        .map(|p| -p * p.log2())
        .sum()
}

/// [`scan`] on tokio's blocking pool. The audit runs on one runtime thread: scanning a
/// 10 MiB script there would stall every other check's I/O and timers long enough to turn
/// honest answers into timeouts.
pub async fn scan_off_thread(text: std::sync::Arc<String>) -> Result<Vec<Hit>, String> {
    tokio::task::spawn_blocking(move || scan(&text))
        .await
        .map_err(|error| format!("the secret scan stopped: {error}"))
}

/// Every hit in `text`; a value found by a specific rule is not reported again by the
/// generic one.
pub fn scan(text: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
    for rule in rules() {
        for caps in rule.regex.captures_iter(text) {
            let Some(value) = caps.get(1).or_else(|| caps.get(0)) else {
                continue;
            };
            if rule
                .raw
                .min_entropy
                .is_some_and(|min| entropy(value.as_str()) < min)
            {
                continue;
            }
            if taken
                .iter()
                .any(|r| r.start < value.end() && value.start() < r.end)
            {
                continue;
            }
            taken.push(value.range());
            let before = &text[..value.start()];
            let line = before.matches('\n').count() + 1;
            let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                .chars()
                .count()
                + 1;
            hits.push(Hit {
                rule: rule.raw.id.clone(),
                what: rule.raw.what.clone(),
                public: rule.raw.public,
                line,
                col,
                masked: mask(value.as_str()),
                fingerprint: fingerprint(&rule.raw.id, value.as_str()),
            });
        }
    }
    hits.sort_by_key(|h| (h.line, h.col));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_with_position_and_masks() {
        let text = "const a = 1;\nconst stripe = \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\";";
        let hits = scan(text);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            (hits[0].rule.as_str(), hits[0].line, hits[0].col),
            ("stripe-secret-key", 2, 17)
        );
        assert_eq!(hits[0].masked, "sk_l…p7dc");
        assert_eq!(
            hits[0].fingerprint,
            fingerprint("stripe-secret-key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc")
        );
        assert!(!hits[0].fingerprint.contains("4eC39"));
        assert!(!hits[0].public);
    }

    #[test]
    fn low_entropy_and_public_keys_are_not_findings() {
        assert!(scan("password = \"aaaaaaaaaaaaaaaaaaaa\"").is_empty());
        let public = scan("Stripe('pk_live_51H8abcdefghijklmnopqrstuv')");
        assert!(public.iter().all(|h| h.public), "{public:?}");
        assert!(entropy("aaaa") < 0.1 && entropy("a8F!k2Zq") > 2.9);
    }
}

//! Scans every response body the audit receives — whichever check asked — once, for stack
//! traces, debug pages and database errors (`checks/rules/error-signatures.toml`). The
//! `input.error-leak` review check reads what was found.

use std::sync::{Mutex, OnceLock};

use regex::RegexSet;

use crate::net::http::BodyWatcher;
use serde::Deserialize;

/// Hits kept per audit; more would repeat the same lesson.
const MAX_HITS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    signature: Vec<Signature>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Signature {
    id: String,
    what: String,
    pattern: String,
}

struct Compiled {
    set: RegexSet,
    signatures: Vec<Signature>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let rules: Rules =
            match toml::from_str(include_str!("../../../checks/rules/error-signatures.toml")) {
                Ok(rules) => rules,
                // Compiled-in data: a unit test parses it, so this cannot ship.
                Err(error) => panic!("checks/rules/error-signatures.toml: {error}"),
            };
        let set = match RegexSet::new(rules.signature.iter().map(|s| s.pattern.as_str())) {
            Ok(set) => set,
            Err(error) => panic!("checks/rules/error-signatures.toml: {error}"),
        };
        Compiled {
            set,
            signatures: rules.signature,
        }
    })
}

/// A response that carried an error signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakHit {
    /// The request (`GET https://…`).
    pub request: String,
    pub status: u16,
    pub signature: String,
    pub what: String,
}

#[derive(Default)]
pub struct SignatureScan {
    state: Mutex<(usize, Vec<LeakHit>)>,
}

impl SignatureScan {
    fn scan(&self, request: &str, status: u16, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        let mut matched: Vec<usize> = compiled().set.matches(&text).into_iter().collect();
        // Frameworks print traces escaped: HTML pages (Express's development handler writes
        // `<br> &nbsp; &nbsp;at`) and JSON strings (`"stack":"Error: x\n    at …"`).
        if let Some(unescaped) = unescaped(&text) {
            matched.extend(compiled().set.matches(&unescaped));
            matched.sort_unstable();
            matched.dedup();
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 += 1;
        for index in matched {
            if state.1.len() >= MAX_HITS {
                break;
            }
            let signature = &compiled().signatures[index];
            state.1.push(LeakHit {
                request: request.to_string(),
                status,
                signature: signature.id.clone(),
                what: signature.what.clone(),
            });
        }
    }

    /// How many responses were scanned, and what they carried.
    pub fn report(&self) -> (usize, Vec<LeakHit>) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (state.0, state.1.clone())
    }
}

impl BodyWatcher for SignatureScan {
    fn received(&self, request: &str, status: u16, body: &[u8]) {
        self.scan(request, status, body);
    }
}

/// `text` with HTML and JSON-string escapes undone, as a reader of the page would see it;
/// `None` when there is nothing to undo.
fn unescaped(text: &str) -> Option<String> {
    if !text.contains('&') && !text.contains('\\') && !text.contains("<br") {
        return None;
    }
    let mut out = text
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("&nbsp;", " ")
        .replace("&#160;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/");
    out = out.replace("&amp;", "&");
    out = out
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\\"", "\"")
        .replace("\\/", "/")
        .replace("\\\\", "\\");
    (out != text).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_compile_and_match_what_they_name() {
        let leaks = SignatureScan::default();
        leaks.scan(
            "a",
            500,
            b"Traceback (most recent call last):\n  File \"app.py\", line 3",
        );
        leaks.scan(
            "b",
            500,
            b"You have an error in your SQL syntax; check the manual",
        );
        leaks.scan("c", 200, b"{\"ok\":true}");
        leaks.scan(
            "d",
            500,
            b"Error: boom\n    at handler (/srv/app/index.js:10:5)",
        );
        let (scanned, hits) = leaks.report();
        assert_eq!(scanned, 4);
        let leaks_escaped = SignatureScan::default();
        // Express's development error page, and a JSON error body carrying the stack.
        leaks_escaped.scan(
            "e",
            500,
            b"<pre>Error: boom<br> &nbsp; &nbsp;at handler (/srv/app/index.js:10:5)<br></pre>",
        );
        leaks_escaped.scan(
            "f",
            500,
            br#"{"stack":"Error: boom\n    at handler (/srv/app/index.js:10:5)"}"#,
        );
        let (_, escaped) = leaks_escaped.report();
        assert_eq!(escaped.len(), 2, "{escaped:?}");
        let ids: Vec<&str> = hits.iter().map(|h| h.signature.as_str()).collect();
        assert_eq!(ids, ["python-traceback", "mysql-error", "node-stack"]);
    }
}

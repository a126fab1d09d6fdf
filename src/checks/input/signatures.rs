//! Scans every response body the audit receives — whichever check asked — once, for stack
//! traces, debug pages and database errors (`checks/rules/error-signatures.toml`). The
//! `input.error-leak` review check reads what was found.

use std::sync::{Mutex, OnceLock};

use regex::RegexSet;

use crate::net::http::{BodyWatcher, Received};
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

/// The signatures a body carries, by index, read as sent and unescaped.
fn matches(body: &[u8]) -> Vec<usize> {
    // Error pages are read up to the usual body cap; only a client script is longer,
    // and undoing escapes over all of one would copy it several times over.
    let body = &body[..body.len().min(crate::net::MAX_BODY)];
    let text = String::from_utf8_lossy(body);
    let mut matched: Vec<usize> = compiled().set.matches(&text).into_iter().collect();
    // Frameworks print traces escaped: HTML pages (Express's development handler writes
    // `<br> &nbsp; &nbsp;at`) and JSON strings (`"stack":"Error: x\n    at …"`).
    if let Some(unescaped) = unescaped(&text) {
        matched.extend(compiled().set.matches(&unescaped));
        matched.sort_unstable();
        matched.dedup();
    }
    matched
}

/// What stack traces, debug pages or database errors `body` carries: each signature's
/// description (`Node.js stack trace`), once. Other families' answers are read with it.
pub fn leaks_in(body: &[u8]) -> Vec<&'static str> {
    matches(body)
        .into_iter()
        .map(|i| compiled().signatures[i].what.as_str())
        .collect()
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

/// What the scan read: the control of `input.error-leak` is that the app's own answers were
/// among them, read whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    /// Answers of the app itself read whole: not a redirect, not a gate in front of it.
    pub app_whole: usize,
    /// Redirects: scanned, but no page of the app's own.
    pub redirects: usize,
    /// Answers of a gate in front of the app (a limiter's 429, a password prompt).
    pub gates: usize,
    /// Answers whose body was cut at the cap or never ended: only their start was scanned.
    pub partial: Vec<String>,
}

/// How many partly scanned answers are named; the rest are counted.
const MAX_PARTIAL_NAMED: usize = 5;

#[derive(Default)]
pub struct SignatureScan {
    state: Mutex<(Scanned, usize, Vec<LeakHit>)>,
}

impl SignatureScan {
    fn note(&self, received: &Received<'_>) {
        let redirect = (300..400).contains(&received.status);
        let gate = crate::net::reached::gate_of(received.status, received.headers, None).is_some();
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let scanned = &mut state.0;
            if !received.whole {
                if scanned.partial.len() < MAX_PARTIAL_NAMED {
                    scanned.partial.push(received.request.to_string());
                }
                state.1 += 1;
            } else if gate {
                scanned.gates += 1;
            } else if redirect {
                scanned.redirects += 1;
            } else {
                scanned.app_whole += 1;
            }
        }
        self.scan(received.request, received.status, received.body);
    }

    fn scan(&self, request: &str, status: u16, body: &[u8]) {
        let matched = matches(body);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for index in matched {
            if state.2.len() >= MAX_HITS {
                break;
            }
            let signature = &compiled().signatures[index];
            state.2.push(LeakHit {
                request: request.to_string(),
                status,
                signature: signature.id.clone(),
                what: signature.what.clone(),
            });
        }
    }

    /// What was scanned, how many answers were only partly read, and what they carried.
    pub fn report(&self) -> (Scanned, usize, Vec<LeakHit>) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (state.0.clone(), state.1, state.2.clone())
    }
}

impl BodyWatcher for SignatureScan {
    fn received(&self, received: &Received<'_>) {
        self.note(received);
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
        let (_, _, hits) = leaks.report();
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
        let (_, _, escaped) = leaks_escaped.report();
        assert_eq!(escaped.len(), 2, "{escaped:?}");
        let ids: Vec<&str> = hits.iter().map(|h| h.signature.as_str()).collect();
        assert_eq!(ids, ["python-traceback", "mysql-error", "node-stack"]);
    }
}

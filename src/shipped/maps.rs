//! The source maps the scripts' hosts serve: named by a script's last
//! `//# sourceMappingURL=`, or next to it (`app.js.map`, which `build.sourcemap: "hidden"`
//! leaves). A served map carries the original sources; they are read as JavaScript (or
//! TypeScript, JSX) too, so discovery sees what the minifier folded away. Fetched once,
//! for `exposure.source-maps` and discovery alike.

use std::sync::Arc;

use url::Url;

use super::js::{self, ScriptFacts};
use crate::ctx::Ctx;
use crate::net::{Fetched, HttpRequest};

/// Bytes of source map fetched per audit, at most (beside the scripts' own budget).
pub const MAX_MAP_BYTES: usize = 10 * 1024 * 1024;
/// Bytes kept of an answer that is not a map.
const KEPT_BYTES: usize = 64 * 1024;
/// Original sources read per map, at most.
const MAX_SOURCES: usize = 200;

/// One original source a served map carries.
pub struct Source {
    /// Its name in the map (`src/api/projects.ts`).
    pub name: String,
    pub facts: Arc<ScriptFacts>,
}

/// What the map's URL answered.
pub enum MapAnswer {
    /// No answer at all (the error, redacted).
    Unanswered(String),
    /// Not read whole: cut at the map budget, or not asked once it was spent (why). What
    /// was not read cannot be vouched for.
    Unread(String),
    /// An answer that is not a source map (a refusal, a page, a 5xx): the response, whose
    /// body the check may read for what reached it.
    NotAMap(Fetched),
    /// A source map: every original source's text, as the JSON of `sourcesContent` (what
    /// the secret scan reads), and the sources read as code.
    Served {
        status: u16,
        sources_content: Arc<String>,
        sources: Vec<Source>,
    },
}

/// A script's source map, as asked for.
pub struct SourceMap {
    pub script: Url,
    pub url: Url,
    pub answer: MapAnswer,
}

/// The map a script names in its last `//# sourceMappingURL=` comment.
pub fn named_map(text: &str) -> Option<&str> {
    text.rfind("sourceMappingURL=").map(|at| {
        text[at + "sourceMappingURL=".len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
    })
}

/// Where a script's map would be: the URL its comment names (an inline `data:` map is no
/// file to serve), else `<script>.map` beside it.
pub fn map_url(script: &Url, text: &str) -> Option<Url> {
    match named_map(text) {
        Some(name) if name.starts_with("data:") => None,
        Some(name) => script.join(name).ok(),
        None => script
            .join(&format!(
                "{}.map",
                script.path().rsplit('/').next().unwrap_or("")
            ))
            .ok(),
    }
}

/// Reads a served map's original sources (off the runtime thread: they may be large).
async fn read_sources(json: serde_json::Value) -> (Arc<String>, Vec<Source>) {
    let work = tokio::task::spawn_blocking(move || {
        let content = json.get("sourcesContent");
        let names = json.get("sources").and_then(|s| s.as_array());
        let mut sources = Vec::new();
        if let (Some(serde_json::Value::Array(texts)), Some(names)) = (content, names) {
            for (name, text) in names.iter().zip(texts).take(MAX_SOURCES) {
                let (Some(name), Some(text)) = (name.as_str(), text.as_str()) else {
                    continue;
                };
                if let Some(facts) = js::read_named(text, name) {
                    sources.push(Source {
                        name: name.to_string(),
                        facts: Arc::new(facts),
                    });
                }
            }
        }
        let content = content.map(|c| c.to_string()).unwrap_or_default();
        (Arc::new(content), sources)
    });
    work.await
        .unwrap_or_else(|_| (Arc::new(String::new()), Vec::new()))
}

/// Asks for the map of each script, within [`MAX_MAP_BYTES`] in all.
pub async fn fetch(ctx: &Ctx, scripts: &[(Url, Arc<String>)]) -> Vec<SourceMap> {
    let mut maps = Vec::new();
    let mut total = 0usize;
    for (script, text) in scripts {
        let Some(url) = map_url(script, text) else {
            continue;
        };
        let budget = MAX_MAP_BYTES.saturating_sub(total);
        if budget == 0 {
            maps.push(SourceMap {
                script: script.clone(),
                url,
                answer: MapAnswer::Unread(format!(
                    "not asked: the {} MiB of source maps per audit were spent",
                    MAX_MAP_BYTES / 1024 / 1024
                )),
            });
            continue;
        }
        // Where the script was read, its map is read too, as devtools would.
        let mut request = HttpRequest::page_asset(url.clone());
        request.body_limit = Some(budget);
        let answer = match ctx.http.send(&request).await {
            Err(error) => MapAnswer::Unanswered(ctx.redactor.redact(&error.to_string())),
            Ok(response) if response.truncated => {
                total += response.body.len();
                MapAnswer::Unread(format!(
                    "{}: cut at {} KiB, what is left of the {} MiB of source maps per audit",
                    response.status,
                    response.body.len() / 1024,
                    MAX_MAP_BYTES / 1024 / 1024
                ))
            }
            Ok(mut response) if !response.is_success() => {
                total += response.body.len();
                // What reached it is told by the status, the headers and the body's start.
                response.body.truncate(KEPT_BYTES);
                MapAnswer::NotAMap(response)
            }
            Ok(mut response) => {
                total += response.body.len();
                match serde_json::from_slice::<serde_json::Value>(&response.body) {
                    Ok(json) if json.get("mappings").is_some() => {
                        let status = response.status;
                        let (sources_content, sources) = read_sources(json).await;
                        MapAnswer::Served {
                            status,
                            sources_content,
                            sources,
                        }
                    }
                    _ => {
                        response.body.truncate(KEPT_BYTES);
                        MapAnswer::NotAMap(response)
                    }
                }
            }
        };
        maps.push(SourceMap {
            script: script.clone(),
            url,
            answer,
        });
    }
    maps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_is_named_by_the_last_comment_or_sits_beside_the_script() {
        let script = Url::parse("https://app.acme.test/assets/app-3f.js").unwrap();
        assert_eq!(
            named_map("a();\n//# sourceMappingURL=app.js.map\n"),
            Some("app.js.map")
        );
        assert_eq!(
            map_url(&script, "a();").unwrap().as_str(),
            "https://app.acme.test/assets/app-3f.js.map"
        );
        assert_eq!(
            map_url(&script, "a();\n//# sourceMappingURL=../maps/app.map")
                .unwrap()
                .as_str(),
            "https://app.acme.test/maps/app.map"
        );
        assert!(
            map_url(
                &script,
                "//# sourceMappingURL=data:application/json;base64,e30="
            )
            .is_none()
        );
    }
}

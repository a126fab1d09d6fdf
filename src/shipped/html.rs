//! A page read as a browser parses it (html5ever, through scraper): where its scripts are,
//! what its inline scripts say, and how its import map names modules.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use scraper::{Html, Selector};
use url::Url;

/// The URL a document's relative references resolve against: its first `<base href>`
/// (HTML §4.2.3), resolved against the page, or the page itself.
pub fn document_base(html: &Html, page: &Url) -> Url {
    static BASE: OnceLock<Selector> = OnceLock::new();
    let base = BASE.get_or_init(|| Selector::parse("base[href]").expect("static selector"));
    html.select(base)
        .next()
        .and_then(|element| element.value().attr("href"))
        .and_then(|href| page.join(href.trim()).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .unwrap_or_else(|| page.clone())
}

/// What a page loads.
#[derive(Debug, Default)]
pub struct PageScripts {
    /// `<script src>` and `<link rel=modulepreload>`, resolved against the base.
    pub urls: Vec<Url>,
    /// Inline scripts' text (classic and module; not JSON or templates).
    pub inline: Vec<String>,
    /// The import map: bare specifier (or prefix ending in `/`) → URL.
    pub import_map: BTreeMap<String, Url>,
    /// The document's base (`<base href>`, or the page).
    pub base: Option<Url>,
}

/// Inline `<script type>` values that hold JavaScript (HTML §4.12.1.1): none, a
/// JavaScript MIME type, or `module`.
fn is_javascript(kind: Option<&str>) -> bool {
    match kind.map(|k| k.trim().to_ascii_lowercase()) {
        None => true,
        Some(k) => {
            k.is_empty()
                || k == "module"
                || k.contains("javascript")
                || k.contains("ecmascript")
                || k == "text/jsx"
        }
    }
}

/// Script URLs, inline script bodies and the import map of one HTML page, relative URLs
/// resolved against the document's `<base href>`.
pub fn scripts_of(html: &str, page: &Url) -> PageScripts {
    static SELECTORS: OnceLock<(Selector, Selector)> = OnceLock::new();
    let (script, preload) = SELECTORS.get_or_init(|| {
        (
            Selector::parse("script").expect("static selector"),
            Selector::parse("link[rel~=modulepreload][href]").expect("static selector"),
        )
    });
    let document = Html::parse_document(html);
    let base = document_base(&document, page);
    let mut found = PageScripts::default();
    for element in document.select(script) {
        let kind = element.value().attr("type");
        if kind.is_some_and(|k| k.trim().eq_ignore_ascii_case("importmap")) {
            let text: String = element.text().collect();
            read_import_map(&text, &base, &mut found.import_map);
            continue;
        }
        match element.value().attr("src") {
            Some(src) => found.urls.extend(base.join(src.trim()).ok()),
            None if is_javascript(kind) => {
                let text: String = element.text().collect();
                if !text.trim().is_empty() {
                    found.inline.push(text);
                }
            }
            None => {}
        }
    }
    for element in document.select(preload) {
        if let Some(href) = element.value().attr("href") {
            found.urls.extend(base.join(href.trim()).ok());
        }
    }
    found.base = Some(base);
    found
}

/// `{"imports": {"app": "/assets/app-3f.js", "lib/": "/vendor/lib/"}}` (HTML §8.1.5.3).
fn read_import_map(text: &str, base: &Url, into: &mut BTreeMap<String, Url>) {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    if let Some(imports) = json.get("imports").and_then(|v| v.as_object()) {
        for (specifier, target) in imports {
            if let Some(url) = target.as_str().and_then(|t| base.join(t).ok()) {
                into.insert(specifier.clone(), url);
            }
        }
    }
}

/// Where a module specifier points, as a browser resolves it: relative and absolute URLs
/// against the importing script, bare names through the import map (exact, then the
/// longest `prefix/`); `None` for a bare name the map does not know.
pub fn resolve_specifier(
    specifier: &str,
    importer: &Url,
    import_map: &BTreeMap<String, Url>,
) -> Option<Url> {
    if let Some(url) = import_map.get(specifier) {
        return Some(url.clone());
    }
    if specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier.starts_with('/')
        || specifier.starts_with("http://")
        || specifier.starts_with("https://")
    {
        return importer.join(specifier).ok();
    }
    import_map
        .iter()
        .filter(|(prefix, _)| prefix.ends_with('/') && specifier.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .and_then(|(prefix, target)| target.join(&specifier[prefix.len()..]).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_external_preloaded_and_inline_scripts() {
        let page = Url::parse("https://app.acme.test/dashboard").unwrap();
        let html = r#"<html><script src="/assets/app.js"></script><link rel="modulepreload" href="chunk.js">
            <script>window.cfg = {a: 1}</script><script type="module" src='https://cdn.test/x.js'></script>
            <script type="application/ld+json">{"@context": "https://schema.org"}</script></html>"#;
        let found = scripts_of(html, &page);
        let urls: Vec<String> = found.urls.iter().map(ToString::to_string).collect();
        assert_eq!(
            urls,
            [
                "https://app.acme.test/assets/app.js",
                "https://cdn.test/x.js",
                "https://app.acme.test/chunk.js"
            ]
        );
        assert_eq!(found.inline, ["window.cfg = {a: 1}"]);
    }

    #[test]
    fn scripts_resolve_against_the_base_href() {
        // An admin SPA served at /admin/ whose scripts are relative to its base.
        let page = Url::parse("https://app.acme.test/admin/login").unwrap();
        let html = r#"<html><head><base href="/admin/"><script type="module" src="./assets/index-3f2a.js"></script></head></html>"#;
        let found = scripts_of(html, &page);
        assert_eq!(
            found.urls[0].as_str(),
            "https://app.acme.test/admin/assets/index-3f2a.js"
        );
    }

    #[test]
    fn bare_imports_resolve_through_the_import_map() {
        let page = Url::parse("https://app.acme.test/").unwrap();
        let html = r#"<script type="importmap">{"imports": {"app": "/assets/app-9c.js", "lib/": "/vendor/lib/"}}</script>"#;
        let found = scripts_of(html, &page);
        let importer = Url::parse("https://app.acme.test/assets/main.js").unwrap();
        let resolve = |s| resolve_specifier(s, &importer, &found.import_map).map(|u| u.to_string());
        assert_eq!(
            resolve("app").as_deref(),
            Some("https://app.acme.test/assets/app-9c.js")
        );
        assert_eq!(
            resolve("lib/x.js").as_deref(),
            Some("https://app.acme.test/vendor/lib/x.js")
        );
        assert_eq!(
            resolve("./chunk.js").as_deref(),
            Some("https://app.acme.test/assets/chunk.js")
        );
        assert_eq!(resolve("react"), None);
    }
}

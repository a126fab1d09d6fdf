//! What the browser downloads: the scripts the entry pages load (`<script src>`, module
//! preloads, inline scripts, and chunks a Vite or CRA manifest names), fetched within caps.

use std::sync::OnceLock;

use scraper::{Html, Selector};
use url::Url;

use crate::ctx::Ctx;
use crate::net::HttpRequest;

/// Scripts fetched per audit, at most.
const MAX_SCRIPTS: usize = 50;
/// Bytes of script fetched per audit, at most (each body is capped by the HTTP layer too).
const MAX_TOTAL_BYTES: usize = 10 * 1024 * 1024;
/// An entry page is read up to this many (decoded) bytes: its scripts may come late.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Same-origin redirects followed from an entry page (`/` → `/admin/` → `/admin/login`).
const MAX_PAGE_HOPS: usize = 5;

/// An entry page as a browser reaches it: same-origin redirects followed, the page read
/// whole within [`MAX_PAGE_BYTES`]. Returns the page's final URL and its answer, or why it
/// could not be read (each caller says what that left unseen).
pub(crate) async fn read_page(
    ctx: &Ctx,
    page: &Url,
) -> Result<(Url, crate::net::Fetched), PageError> {
    let mut url = page.clone();
    for _ in 0..=MAX_PAGE_HOPS {
        let mut request = HttpRequest::get(url.clone());
        request.body_limit = Some(MAX_PAGE_BYTES);
        let response = ctx
            .http
            .send(&request)
            .await
            .map_err(|error| PageError::Unread(ctx.redactor.redact(&error.to_string())))?;
        if (300..400).contains(&response.status)
            && let Some(next) = response.header("location").and_then(|l| url.join(&l).ok())
        {
            if next.origin() != page.origin() {
                return Err(PageError::OffSite(format!(
                    "redirects off the site to {next}"
                )));
            }
            url = next;
            continue;
        }
        if !response.is_success() {
            return Err(PageError::Unread(format!(
                "answered {}{}",
                response.status,
                match crate::net::reached(&response, None) {
                    crate::net::Reached::App => String::new(),
                    other => format!(" ({})", other.explain()),
                }
            )));
        }
        return Ok((url, response));
    }
    Err(PageError::Unread(format!(
        "more than {MAX_PAGE_HOPS} redirects"
    )))
}

/// Why an entry page was not read.
pub enum PageError {
    /// It sends the browser to another site: not a page of this one.
    OffSite(String),
    /// No answer, an error status, or a redirect loop.
    Unread(String),
}

impl PageError {
    pub fn text(&self) -> &str {
        match self {
            PageError::OffSite(why) | PageError::Unread(why) => why,
        }
    }
}

/// A script the pages load: fetched (external) or inline.
pub struct Script {
    /// Its URL, or `inline script N of PAGE`.
    pub name: String,
    pub url: Option<Url>,
    /// Shared, not copied, with the scans that read it off the runtime thread.
    pub text: std::sync::Arc<String>,
}

/// Why a script the pages load was not scanned.
pub enum Unscanned {
    /// Over the per-audit caps: coverage is partial.
    OverCaps(String),
    /// Fetched, but no script came back (an error status, a timeout).
    Failed(String),
}

/// An entry page as read: what `tls.mixed-content` parses, so the pages are fetched once.
pub struct Page {
    /// The page as the profile lists it.
    pub requested: Url,
    /// Where it was read, after same-origin redirects.
    pub url: Url,
    pub response: crate::net::Fetched,
}

pub struct Bundle {
    pub scripts: Vec<Script>,
    /// The entry pages that answered 2xx, in profile order.
    pub pages_read: Vec<Page>,
    /// Scripts the pages load that were not scanned, and why.
    pub unscanned: Vec<Unscanned>,
    /// Scripts cut short by the byte budget: the rest of each was not scanned.
    pub partial: Vec<String>,
    pub pages: usize,
    /// Entry pages that could not be read, and why (`PageError::text`): what was not seen
    /// cannot be vouched for.
    pub page_errors: Vec<(String, String)>,
}

impl Bundle {
    /// Observations for scripts the pages load that were not scanned: never a PASS, since
    /// what was not read cannot be vouched for.
    pub fn unscanned_observations(&self) -> Vec<crate::result::Observation> {
        use crate::result::{Observation, Status};
        self.unscanned
            .iter()
            .map(|why| match why {
                Unscanned::OverCaps(url) => Observation::new(
                    Status::Warn,
                    format!("GET {url}"),
                    format!(
                        "not scanned: over the caps ({MAX_SCRIPTS} scripts, {} MiB per audit)",
                        MAX_TOTAL_BYTES / 1024 / 1024
                    ),
                ),
                Unscanned::Failed(why) => {
                    Observation::new(Status::Error, "script not fetched", why.clone())
                }
            })
            .collect()
    }

    /// Scripts scanned of those the pages load, and why the rest were not.
    pub fn script_coverage(&self) -> crate::result::Coverage {
        let left = self
            .unscanned
            .iter()
            .map(|why| match why {
                Unscanned::OverCaps(url) => format!("{url}: over the caps"),
                Unscanned::Failed(why) => why.clone(),
            })
            .collect();
        crate::result::Coverage::new(
            "scripts",
            self.scripts.len(),
            self.scripts.len() + self.unscanned.len(),
            left,
        )
    }

    /// Scripts read, external and inline.
    pub fn coverage(&self) -> String {
        let external = self.scripts.iter().filter(|s| s.url.is_some()).count();
        let mut hosts: Vec<&str> = self
            .scripts
            .iter()
            .filter_map(|s| s.url.as_ref()?.host_str())
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        format!(
            "{} of {} script(s) scanned ({external} external{}, {} inline) on {} page(s)",
            self.scripts.len(),
            self.scripts.len() + self.unscanned.len(),
            if hosts.is_empty() {
                String::new()
            } else {
                format!(" from {}", hosts.join(", "))
            },
            self.scripts.len() - external,
            self.pages
        )
    }

    /// ERROR observations for the pages that could not be read.
    pub fn page_error_observations(&self) -> Vec<crate::result::Observation> {
        self.page_errors
            .iter()
            .map(|(page, why)| {
                crate::result::Observation::new(
                    crate::result::Status::Error,
                    format!("GET {page}"),
                    format!("{why}: the page's scripts were not seen"),
                )
            })
            .collect()
    }
}

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

/// Script URLs and inline script bodies of one HTML page, parsed as a browser parses it
/// (html5ever), relative URLs resolved against the document's `<base href>`.
pub fn scripts_of(html: &str, page: &Url) -> (Vec<Url>, Vec<String>) {
    static SELECTORS: OnceLock<(Selector, Selector)> = OnceLock::new();
    let (script, preload) = SELECTORS.get_or_init(|| {
        (
            Selector::parse("script").expect("static selector"),
            Selector::parse("link[rel~=modulepreload][href]").expect("static selector"),
        )
    });
    let document = Html::parse_document(html);
    let base = document_base(&document, page);
    let mut urls = Vec::new();
    let mut inline = Vec::new();
    for element in document.select(script) {
        match element.value().attr("src") {
            Some(src) => urls.extend(base.join(src.trim()).ok()),
            None => {
                let text: String = element.text().collect();
                if !text.trim().is_empty() {
                    inline.push(text);
                }
            }
        }
    }
    for element in document.select(preload) {
        if let Some(href) = element.value().attr("href") {
            urls.extend(base.join(href.trim()).ok());
        }
    }
    (urls, inline)
}

/// `.js` files a build manifest names.
fn manifest_chunks(json: &serde_json::Value, base: &Url, out: &mut Vec<Url>) {
    match json {
        serde_json::Value::String(s) if s.ends_with(".js") => out.extend(base.join(s).ok()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| manifest_chunks(v, base, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| manifest_chunks(v, base, out)),
        _ => {}
    }
}

/// The bundle, fetched once per audit however many checks read it.
pub async fn collect(ctx: &Ctx) -> std::sync::Arc<Bundle> {
    let collected = ctx.slot(|_| tokio::sync::OnceCell::<std::sync::Arc<Bundle>>::new());
    collected
        .get_or_init(|| async { std::sync::Arc::new(fetch(ctx).await) })
        .await
        .clone()
}

/// Fetches the entry pages (base_url, canonical, `[target] pages`) and every script they load.
async fn fetch(ctx: &Ctx) -> Bundle {
    let mut pages: Vec<Url> = vec![ctx.profile.target.base_url.clone()];
    for page in ctx
        .profile
        .target
        .canonical
        .iter()
        .chain(&ctx.profile.target.pages)
    {
        if !pages.contains(page) {
            pages.push(page.clone());
        }
    }
    let mut bundle = Bundle {
        scripts: Vec::new(),
        pages_read: Vec::new(),
        unscanned: Vec::new(),
        partial: Vec::new(),
        pages: pages.len(),
        page_errors: Vec::new(),
    };
    let mut urls: Vec<Url> = Vec::new();
    for requested in &pages {
        let (page, response) = match read_page(ctx, requested).await {
            Ok(read) => read,
            Err(why) => {
                bundle
                    .page_errors
                    .push((requested.to_string(), why.text().to_string()));
                continue;
            }
        };
        let page = &page;
        if response.truncated {
            bundle.partial.push(format!(
                "{page}: larger than {} MiB; scripts past the cut were not seen",
                MAX_PAGE_BYTES / 1024 / 1024
            ));
        }
        let html = String::from_utf8_lossy(&response.body);
        let (external, inline) = scripts_of(&html, page);
        for url in external {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
        for (i, text) in inline.into_iter().enumerate() {
            bundle.scripts.push(Script {
                name: format!("inline script {} of {page}", i + 1),
                url: None,
                text: std::sync::Arc::new(text),
            });
        }
        for manifest in ["/.vite/manifest.json", "/asset-manifest.json"] {
            let Ok(url) = page.join(manifest) else {
                continue;
            };
            if let Ok(response) = ctx.http.send(&HttpRequest::get(url.clone())).await
                && response.is_success()
                && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&response.body)
            {
                let mut chunks = Vec::new();
                manifest_chunks(&json, &url, &mut chunks);
                for chunk in chunks {
                    if !urls.contains(&chunk) {
                        urls.push(chunk);
                    }
                }
            }
        }
        bundle.pages_read.push(Page {
            requested: requested.clone(),
            url: page.clone(),
            response,
        });
    }
    let mut total = 0usize;
    for url in urls {
        if !matches!(url.scheme(), "http" | "https") {
            bundle
                .unscanned
                .push(Unscanned::Failed(format!("{url}: not an http(s) URL")));
            continue;
        }
        if bundle.scripts.iter().filter(|s| s.url.is_some()).count() >= MAX_SCRIPTS
            || total >= MAX_TOTAL_BYTES
        {
            bundle.unscanned.push(Unscanned::OverCaps(url.to_string()));
            continue;
        }
        // Read as the browser reads it: anonymously, on whichever host serves it (a CDN
        // the profile does not name included; nothing but this GET goes there).
        let mut request = HttpRequest::page_asset(url.clone());
        // A script is read whole within what is left of the budget, not cut at the
        // usual body cap: a secret past the cut would go unseen.
        request.body_limit = Some(MAX_TOTAL_BYTES - total);
        match ctx.http.send(&request).await {
            Ok(response) if response.is_success() => {
                total += response.body.len();
                if response.truncated {
                    bundle.partial.push(format!(
                        "{url}: larger than what is left of the {} MiB budget; only the first {} KiB were scanned",
                        MAX_TOTAL_BYTES / 1024 / 1024,
                        response.body.len() / 1024
                    ));
                }
                // The body becomes the text without a copy when it is UTF-8 (scripts are):
                // a 10 MiB script is held once, not twice.
                let text = String::from_utf8(response.body).unwrap_or_else(|invalid| {
                    String::from_utf8_lossy(invalid.as_bytes()).into_owned()
                });
                bundle.scripts.push(Script {
                    name: url.to_string(),
                    url: Some(url),
                    text: std::sync::Arc::new(text),
                });
            }
            Ok(response) => bundle.unscanned.push(Unscanned::Failed(format!(
                "{url}: answered {}",
                response.status
            ))),
            Err(error) => bundle.unscanned.push(Unscanned::Failed(format!(
                "{url}: {}",
                ctx.redactor.redact(&error.to_string())
            ))),
        }
    }
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_external_preloaded_and_inline_scripts() {
        let page = Url::parse("https://app.acme.test/dashboard").unwrap();
        let html = r#"<html><script src="/assets/app.js"></script><link rel="modulepreload" href="chunk.js">
            <script>window.cfg = {a: 1}</script><script type="module" src='https://cdn.test/x.js'></script></html>"#;
        let (urls, inline) = scripts_of(html, &page);
        let urls: Vec<String> = urls.iter().map(ToString::to_string).collect();
        assert_eq!(
            urls,
            [
                "https://app.acme.test/assets/app.js",
                "https://cdn.test/x.js",
                "https://app.acme.test/chunk.js"
            ]
        );
        assert_eq!(inline, ["window.cfg = {a: 1}"]);
    }

    #[test]
    fn scripts_resolve_against_the_base_href() {
        // An admin SPA served at /admin/ whose scripts are relative to its base.
        let page = Url::parse("https://app.acme.test/admin/login").unwrap();
        let html = r#"<html><head><base href="/admin/"><script type="module" src="./assets/index-3f2a.js"></script></head></html>"#;
        let (urls, _) = scripts_of(html, &page);
        assert_eq!(
            urls[0].as_str(),
            "https://app.acme.test/admin/assets/index-3f2a.js"
        );
    }
}

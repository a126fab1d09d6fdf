//! What the app ships to the browser, fetched and read in one place for the checks, `init`
//! and discovery: the entry pages (same-origin redirects followed) and every script they
//! load, as a browser would, within caps: `<script src>` (classic and module), module
//! preloads, inline scripts, the import map, and then, read out of the scripts themselves
//! ([`js`]), the modules they import (`import()` chunks too) and the chunk files a
//! bundler's runtime or manifest names; then each script's source map ([`maps`]), whose
//! original sources are read too. Read anonymously: a page's scripts are what anyone can
//! download.

mod chunks;
mod depth;
pub mod html;
pub mod js;
mod literal;
pub mod maps;

use crate::net::contact::Shared;
use std::collections::BTreeMap;
use std::sync::Arc;

use url::Url;

pub use html::{document_base, resolve_specifier, scripts_of};
pub use js::ScriptFacts;

use crate::ctx::Ctx;
use crate::net::HttpRequest;

/// Scripts fetched per audit, at most.
const MAX_SCRIPTS: usize = 50;
/// Bytes of script fetched per audit, at most (each body is capped by the HTTP layer too).
const MAX_TOTAL_BYTES: usize = 10 * 1024 * 1024;
/// An entry page is read up to this many (decoded) bytes: its scripts may come late.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Scripts over the caps named one by one; the rest are counted (a hostile bundle may name
/// tens of thousands of chunks).
const NAMED_OVER_CAPS: usize = 10;
/// Same-origin redirects followed from an entry page (`/` → `/admin/` → `/admin/login`).
const MAX_PAGE_HOPS: usize = 5;

/// An entry page as a browser reaches it: same-origin redirects followed, the page read
/// whole within [`MAX_PAGE_BYTES`]. Returns the page's final URL and its answer, or why it
/// could not be read (each caller says what that left unseen).
pub async fn read_page(ctx: &Ctx, page: &Url) -> Result<(Url, crate::net::Fetched), PageError> {
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
    pub text: Arc<String>,
    /// How the audit came to it: `loaded by PAGE`, `imported by SCRIPT`, `named by the chunk
    /// map of SCRIPT`, `named by MANIFEST`.
    pub found: String,
    /// What the script says, read as JavaScript once for every reader.
    pub facts: Arc<ScriptFacts>,
}

/// Why a script the pages load was not scanned.
pub enum Unscanned {
    /// Over the per-audit caps: coverage is partial.
    OverCaps(String),
    /// More scripts over the caps than are named one by one ([`NAMED_OVER_CAPS`]): how many.
    MoreOverCaps(usize),
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
    /// Each external script's source map, as asked for.
    pub maps: Vec<maps::SourceMap>,
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
                Unscanned::MoreOverCaps(more) => Observation::new(
                    Status::Warn,
                    format!("{more} more script(s)"),
                    "not scanned: over the caps",
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
                Unscanned::MoreOverCaps(more) => format!("{more} more: over the caps"),
                Unscanned::Failed(why) => why.clone(),
            })
            .collect();
        let unscanned: usize = self
            .unscanned
            .iter()
            .map(|why| match why {
                Unscanned::MoreOverCaps(more) => *more,
                _ => 1,
            })
            .sum();
        crate::result::Coverage::new(
            "scripts",
            self.scripts.len(),
            self.scripts.len() + unscanned,
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

/// `.js` files a build manifest names.
fn manifest_chunks(json: &serde_json::Value, base: &Url, out: &mut Vec<Url>) {
    match json {
        serde_json::Value::String(s) if s.ends_with(".js") => out.extend(base.join(s).ok()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| manifest_chunks(v, base, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| manifest_chunks(v, base, out)),
        _ => {}
    }
}

/// Reads a script as JavaScript off the runtime thread (a large bundle takes a while).
async fn read_facts(text: Arc<String>) -> Arc<ScriptFacts> {
    let reading = text.clone();
    match tokio::task::spawn_blocking(move || js::read(&reading)).await {
        Ok(facts) => Arc::new(facts),
        Err(error) => Arc::new(ScriptFacts {
            partial: Some(format!("the JavaScript reader stopped: {error}")),
            ..ScriptFacts::default()
        }),
    }
}

/// The bundle, fetched once per audit however many checks read it.
pub async fn collect(ctx: &Ctx) -> Arc<Bundle> {
    let collected = ctx.slot(|_| tokio::sync::OnceCell::<Shared<Arc<Bundle>>>::new());
    collected
        .get_or_init(|| Shared::compute(async { Arc::new(fetch(ctx).await) }))
        .await
        .read()
        .clone()
}

/// A script still to fetch, and how it was found.
struct Queued {
    url: Url,
    found: String,
}

/// Scripts to fetch, each once, in the order they were found.
#[derive(Default)]
struct Queue {
    items: std::collections::VecDeque<Queued>,
    seen: std::collections::HashSet<Url>,
}

impl Queue {
    fn push(&mut self, url: Url, found: impl FnOnce() -> String) {
        let mut key = url.clone();
        key.set_fragment(None);
        if self.seen.insert(key.clone()) {
            self.items.push_back(Queued {
                url: key,
                found: found(),
            });
        }
    }
}

/// The entry pages the profile names: base_url, canonical, `[target] pages`.
/// The pages a browser opens first; none where the profile states the app serves no front
/// end (an API-only deploy): there is nothing to read, and its `/` is no page that failed.
fn entry_pages(ctx: &Ctx) -> Vec<Url> {
    if crate::checks::front_end_absent(&ctx.profile).is_some() {
        return Vec::new();
    }
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
    pages
}

/// Fetches the entry pages and every script they load, then what those scripts load.
async fn fetch(ctx: &Ctx) -> Bundle {
    let pages = entry_pages(ctx);
    let mut bundle = Bundle {
        scripts: Vec::new(),
        pages_read: Vec::new(),
        unscanned: Vec::new(),
        partial: Vec::new(),
        pages: pages.len(),
        page_errors: Vec::new(),
        maps: Vec::new(),
    };
    let mut queue = Queue::default();
    let mut import_map: BTreeMap<String, Url> = BTreeMap::new();
    // Where chunk files a runtime names are served from: the first page's document base.
    let mut app_base: Option<Url> = None;
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
        let found = scripts_of(&html, page);
        let base = found.base.clone().unwrap_or_else(|| page.clone());
        app_base.get_or_insert_with(|| base.clone());
        import_map.extend(found.import_map);
        for url in found.urls {
            queue.push(url, || format!("loaded by {page}"));
        }
        for (i, text) in found.inline.into_iter().enumerate() {
            let text = Arc::new(text);
            bundle.scripts.push(Script {
                name: format!("inline script {} of {page}", i + 1),
                url: None,
                facts: read_facts(text.clone()).await,
                text,
                found: format!("in {page}"),
            });
        }
        // Build manifests sit at the app's base; the files they name are relative to it.
        for manifest in [".vite/manifest.json", "asset-manifest.json"] {
            let Ok(url) = base.join(manifest) else {
                continue;
            };
            if let Ok(response) = ctx.http.send(&HttpRequest::get(url.clone())).await
                && response.is_success()
                && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&response.body)
            {
                let mut chunks = Vec::new();
                manifest_chunks(&json, &base, &mut chunks);
                for chunk in chunks {
                    queue.push(chunk, || format!("named by {url}"));
                }
            }
        }
        bundle.pages_read.push(Page {
            requested: requested.clone(),
            url: page.clone(),
            response,
        });
    }
    // The inline scripts' imports, against their page.
    for script in &bundle.scripts {
        if let Some(page) = bundle.pages_read.first() {
            for specifier in &script.facts.imports {
                if let Some(url) = resolve_specifier(specifier, &page.url, &import_map) {
                    queue.push(url, || format!("imported by {}", script.name));
                }
            }
        }
    }
    let mut total = 0usize;
    let mut over_caps = 0usize;
    while let Some(Queued { url, found }) = queue.items.pop_front() {
        if !matches!(url.scheme(), "http" | "https") {
            bundle
                .unscanned
                .push(Unscanned::Failed(format!("{url}: not an http(s) URL")));
            continue;
        }
        if bundle.scripts.iter().filter(|s| s.url.is_some()).count() >= MAX_SCRIPTS
            || total >= MAX_TOTAL_BYTES
        {
            over_caps += 1;
            if over_caps <= NAMED_OVER_CAPS {
                bundle.unscanned.push(Unscanned::OverCaps(url.to_string()));
            }
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
                let text = Arc::new(String::from_utf8(response.body).unwrap_or_else(|invalid| {
                    String::from_utf8_lossy(invalid.as_bytes()).into_owned()
                }));
                let facts = read_facts(text.clone()).await;
                for specifier in &facts.imports {
                    if let Some(next) = resolve_specifier(specifier, &url, &import_map) {
                        queue.push(next, || format!("imported by {url}"));
                    }
                }
                // A runtime's chunk files are relative to its public path, else to the
                // app's base.
                let chunk_base = match &facts.public_path {
                    Some(path) => app_base.as_ref().unwrap_or(&url).join(path).ok(),
                    None => app_base.clone(),
                };
                if let Some(chunk_base) = chunk_base {
                    for file in &facts.chunk_files {
                        if let Ok(next) = chunk_base.join(file) {
                            queue.push(next, || format!("named by the chunk map of {url}"));
                        }
                    }
                }
                bundle.scripts.push(Script {
                    name: url.to_string(),
                    url: Some(url),
                    text,
                    found,
                    facts,
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
    if over_caps > NAMED_OVER_CAPS {
        bundle
            .unscanned
            .push(Unscanned::MoreOverCaps(over_caps - NAMED_OVER_CAPS));
    }
    let external: Vec<(Url, Arc<String>)> = bundle
        .scripts
        .iter()
        .filter_map(|s| Some((s.url.clone()?, s.text.clone())))
        .collect();
    bundle.maps = maps::fetch(ctx, &external).await;
    bundle
}

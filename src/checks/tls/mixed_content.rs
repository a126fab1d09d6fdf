//! `tls.mixed-content`: the https pages the audit reads load nothing over plain http.
//!
//! Each page is parsed with html5ever (through `scraper`), the parser browsers' own
//! algorithm is written after, so what counts as a `<script src>` here is what a browser
//! loads. Subresources are classed as the Mixed Content spec does: *blockable* (scripts,
//! stylesheets, frames, plugins, form targets, and fetch/XHR/WebSocket URLs an inline
//! script names) FAIL; *upgradeable* (images, audio, video) WARN. A page whose
//! Content-Security-Policy says `upgrade-insecure-requests` has its browser fetch them
//! over https instead, so it PASSes, with that said.

use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Coverage, Finding, Observation, Status};

pub struct MixedContent;

/// How a browser treats an `http://` subresource of an https page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Blocked outright by current browsers; on an old one, a network attacker runs code in
    /// the page.
    Blockable,
    /// Loaded (or auto-upgraded) with a warning: a network attacker can swap the image.
    Upgradeable,
}

/// One `http://` reference a page makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insecure {
    pub class: Class,
    /// Where on the page: `<script src>`, `fetch() in an inline script`.
    pub element: String,
    pub url: String,
}

/// What one page loads over plain http, and whether its policy upgrades it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    pub insecure: Vec<Insecure>,
    /// Subresource references seen in all (any scheme): the positive control that the page
    /// was parsed as HTML and had something to judge.
    pub references: usize,
    /// `upgrade-insecure-requests` in a `<meta http-equiv>` policy.
    pub meta_upgrade: bool,
}

/// Elements and the attribute that names a subresource, with the class an http:// URL there
/// gets. `<link>` and `<source>` depend on more than the tag and are handled apart.
const SUBRESOURCES: &[(&str, &str, Class)] = &[
    ("script[src]", "src", Class::Blockable),
    ("iframe[src]", "src", Class::Blockable),
    ("frame[src]", "src", Class::Blockable),
    ("object[data]", "data", Class::Blockable),
    ("embed[src]", "src", Class::Blockable),
    ("form[action]", "action", Class::Blockable),
    ("track[src]", "src", Class::Blockable),
    // An http:// base makes every relative URL of the page http://.
    ("base[href]", "href", Class::Blockable),
    ("img[src]", "src", Class::Upgradeable),
    ("img[srcset]", "srcset", Class::Upgradeable),
    ("audio[src]", "src", Class::Upgradeable),
    ("video[src]", "src", Class::Upgradeable),
    ("video[poster]", "poster", Class::Upgradeable),
    ("input[type=image][src]", "src", Class::Upgradeable),
];

/// Calls in inline scripts that fetch a URL, by the name evidence gives them. Only literal
/// URLs are seen; a URL built at run time is the browser's business.
fn script_fetches() -> &'static [(regex::Regex, &'static str)] {
    static PATTERNS: std::sync::OnceLock<Vec<(regex::Regex, &'static str)>> =
        std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        let url = r#"\s*["'`]((?:http|ws)://[^"'`\s]+)"#;
        [
            (format!(r"\bfetch\({url}"), "fetch() in an inline script"),
            (
                format!(r#"\.open\(\s*["'`][A-Za-z]+["'`]\s*,{url}"#),
                "XMLHttpRequest in an inline script",
            ),
            (
                format!(r"\bnew\s+WebSocket\({url}"),
                "WebSocket in an inline script",
            ),
            (
                format!(r"\bnew\s+EventSource\({url}"),
                "EventSource in an inline script",
            ),
            (
                format!(r"\bsendBeacon\({url}"),
                "sendBeacon() in an inline script",
            ),
            (format!(r"\bimport\({url}"), "import() in an inline script"),
            (
                format!(r"@import\s+(?:url\()?{url}"),
                "@import in an inline style",
            ),
        ]
        .into_iter()
        .map(|(pattern, name)| (regex::Regex::new(&pattern).expect("static pattern"), name))
        .collect()
    })
}

fn selector(text: &str) -> Selector {
    Selector::parse(text).expect("static selector")
}

/// `http://` (or `ws://`) to a host that is not the machine itself: the Mixed Content spec
/// treats loopback as potentially trustworthy, so it is not mixed.
fn is_insecure(raw: &str, page: &Url) -> Option<Url> {
    let url = page.join(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "ws") {
        return None;
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => true,
    };
    (!loopback).then_some(url)
}

/// The URLs of a `srcset` (`a.png 1x, b.png 2x`).
fn srcset_urls(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
}

/// A `<link>`'s class by its `rel` (and `as` for preloads); `None` for links that load
/// nothing into the page (canonical, alternate, navigation hints).
fn link_class(link: &ElementRef<'_>) -> Option<(Class, String)> {
    let rel = link.value().attr("rel")?.to_ascii_lowercase();
    let rels: Vec<&str> = rel.split_whitespace().collect();
    if rels.contains(&"stylesheet") {
        return Some((Class::Blockable, "<link rel=stylesheet>".into()));
    }
    if rels.contains(&"modulepreload") {
        return Some((Class::Blockable, "<link rel=modulepreload>".into()));
    }
    if rels.contains(&"preload") {
        let what = link.value().attr("as").unwrap_or("").to_ascii_lowercase();
        let class = match what.as_str() {
            "image" | "audio" | "video" => Class::Upgradeable,
            _ => Class::Blockable,
        };
        return Some((class, format!("<link rel=preload as={what}>")));
    }
    if rels.contains(&"icon") {
        return Some((Class::Upgradeable, "<link rel=icon>".into()));
    }
    None
}

/// Every subresource reference of `html`, read as a page at `page`.
pub fn scan(html: &str, page: &Url) -> Scan {
    let document = Html::parse_document(html);
    let mut out = Scan::default();
    let note = |out: &mut Scan, class: Class, element: String, raw: &str| {
        out.references += 1;
        if let Some(url) = is_insecure(raw, page) {
            out.insecure.push(Insecure {
                class,
                element,
                url: url.to_string(),
            });
        }
    };
    for (css, attribute, class) in SUBRESOURCES {
        for element in document.select(&selector(css)) {
            let Some(value) = element.value().attr(attribute) else {
                continue;
            };
            let name = format!("<{} {attribute}>", element.value().name());
            if *attribute == "srcset" {
                for url in srcset_urls(value) {
                    note(&mut out, *class, name.clone(), url);
                }
            } else {
                note(&mut out, *class, name, value);
            }
        }
    }
    for link in document.select(&selector("link[href]")) {
        if let (Some((class, name)), Some(href)) = (link_class(&link), link.value().attr("href")) {
            note(&mut out, class, name, href);
        }
    }
    // `<source>` takes its parent's class: media inside audio/video, images in <picture>.
    for source in document.select(&selector("source")) {
        for attribute in ["src", "srcset"] {
            if let Some(value) = source.value().attr(attribute) {
                for url in srcset_urls(value) {
                    note(
                        &mut out,
                        Class::Upgradeable,
                        format!("<source {attribute}>"),
                        url,
                    );
                }
            }
        }
    }
    for block in document.select(&selector("script:not([src]), style")) {
        let text: String = block.text().collect();
        for (pattern, name) in script_fetches() {
            for found in pattern.captures_iter(&text) {
                note(&mut out, Class::Blockable, (*name).to_string(), &found[1]);
            }
        }
    }
    for meta in document.select(&selector("meta[http-equiv][content]")) {
        let is_csp = meta
            .value()
            .attr("http-equiv")
            .is_some_and(|v| v.eq_ignore_ascii_case("content-security-policy"));
        if is_csp && upgrades(meta.value().attr("content").unwrap_or_default()) {
            out.meta_upgrade = true;
        }
    }
    out
}

/// Whether a policy carries the `upgrade-insecure-requests` directive.
fn upgrades(policy: &str) -> bool {
    policy
        .split(',')
        .flat_map(|p| p.split(';'))
        .any(|directive| {
            directive
                .trim()
                .eq_ignore_ascii_case("upgrade-insecure-requests")
        })
}

/// The https pages this check judges, in profile order: base_url, canonical, `pages`,
/// then the entry points.
fn pages_of(profile: &Profile) -> Vec<Url> {
    let target = &profile.target;
    let mut pages: Vec<Url> = Vec::new();
    for url in std::iter::once(&target.base_url)
        .chain(&target.canonical)
        .chain(&target.pages)
        .chain(&target.entry_points)
    {
        if url.scheme() == "https" && !pages.contains(url) {
            pages.push(url.clone());
        }
    }
    pages
}

/// The verdict on one page read whole (or cut at the page cap).
fn judge(ctx: &Ctx, page: &Url, response: &crate::net::Fetched) -> Observation {
    let subject = format!("GET {page}");
    let content_type = response.header("content-type").unwrap_or_default();
    if !content_type.to_ascii_lowercase().contains("html") {
        return Observation::new(
            Status::NotApplicable,
            subject,
            format!(
                "not an HTML page ({}): it loads no subresources",
                if content_type.is_empty() {
                    "no Content-Type"
                } else {
                    &content_type
                }
            ),
        );
    }
    let html = String::from_utf8_lossy(&response.body);
    let scan = scan(&html, page);
    let header_upgrade = response
        .headers
        .get_all("content-security-policy")
        .iter()
        .any(|v| upgrades(&String::from_utf8_lossy(v.as_bytes())));
    let cut = if response.truncated {
        format!(
            "; only the first {} KiB were read (page cap)",
            response.body.len() / 1024
        )
    } else {
        String::new()
    };
    let listed = |class: Class| -> (usize, String) {
        let of: Vec<&Insecure> = scan.insecure.iter().filter(|i| i.class == class).collect();
        let mut text = of
            .iter()
            .take(3)
            .map(|i| format!("{} {}", i.element, i.url))
            .collect::<Vec<_>>()
            .join(", ");
        if of.len() > 3 {
            text.push_str(&format!(" and {} more", of.len() - 3));
        }
        (of.len(), ctx.redactor.redact(&text))
    };
    let (blockable, blockable_list) = listed(Class::Blockable);
    let (upgradeable, upgradeable_list) = listed(Class::Upgradeable);
    if !scan.insecure.is_empty() && (header_upgrade || scan.meta_upgrade) {
        return Observation::new(
            Status::Pass,
            subject,
            format!(
                "{} http:// subresource(s) ({}) upgraded to https by the Content-Security-Policy{} upgrade-insecure-requests{cut}",
                scan.insecure.len(),
                listed_all(&blockable_list, &upgradeable_list),
                if header_upgrade { "" } else { " <meta>" },
            ),
        );
    }
    if blockable > 0 {
        return Observation::new(
            Status::Fail,
            subject,
            format!(
                "loads active content over http: {blockable_list}{}{cut}",
                if upgradeable > 0 {
                    format!("; and {upgradeable} image/media URL(s)")
                } else {
                    String::new()
                }
            ),
        );
    }
    if upgradeable > 0 {
        return Observation::new(
            Status::Warn,
            subject,
            format!("loads images or media over http: {upgradeable_list}{cut}"),
        );
    }
    if response.truncated {
        return Observation::new(
            Status::Error,
            subject,
            format!("no http:// subresource in what was read{cut}: the rest cannot be vouched for"),
        );
    }
    Observation::new(
        Status::Pass,
        subject,
        format!(
            "{} subresource reference(s), none over http{}",
            scan.references,
            if header_upgrade || scan.meta_upgrade {
                "; upgrade-insecure-requests is set as well"
            } else {
                ""
            }
        ),
    )
}

/// An ERROR for a page that could not be read.
fn unread(page: &Url, why: &str) -> Observation {
    Observation::new(
        Status::Error,
        format!("GET {page}"),
        format!("{why}: its subresources were not seen"),
    )
}

fn listed_all(blockable: &str, upgradeable: &str) -> String {
    [blockable, upgradeable]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Check for MixedContent {
    fn id(&self) -> &str {
        "tls.mixed-content"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if let Some(absent) = crate::checks::front_end_absent(profile) {
            return absent;
        }
        if pages_of(profile).is_empty() {
            Applicability::Skip {
                key: "target.pages",
                reason: "the profile names no https:// page (base_url, canonical, pages or entry_points)".into(),
            }
        } else {
            Applicability::Run
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let bundle = crate::shipped::collect(ctx).await;
            let pages = pages_of(&ctx.profile);
            let mut evidence = Vec::new();
            let mut left = Vec::new();
            let mut judged = 0;
            for page in &pages {
                // The bundle read base_url, canonical and `pages` already: judge those
                // answers, and read only the entry points it did not.
                if let Some(read) = bundle
                    .pages_read
                    .iter()
                    .find(|read| &read.requested == page)
                {
                    evidence.push(judge(ctx, &read.url, &read.response));
                    judged += 1;
                    continue;
                }
                if let Some((_, why)) = bundle.page_errors.iter().find(|(p, _)| p == page.as_str())
                {
                    evidence.push(unread(page, why));
                    continue;
                }
                match crate::shipped::read_page(ctx, page).await {
                    Ok((url, response)) => {
                        evidence.push(judge(ctx, &url, &response));
                        judged += 1;
                    }
                    // An entry point that sends the browser elsewhere is not a page of
                    // its own: where it lands is judged where the profile lists it.
                    Err(crate::shipped::PageError::OffSite(_)) => {
                        left.push(format!("{page} redirects to another site"));
                    }
                    Err(why) => evidence.push(unread(page, why.text())),
                }
            }
            let total = pages.len();
            Finding::from_observations(evidence)
                .with_coverage(Coverage::new("pages", judged, total, left))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://app.acme.test/").unwrap()
    }

    #[test]
    fn classes_follow_the_mixed_content_spec() {
        let html = r#"<!doctype html><html><head>
            <base href="https://app.acme.test/">
            <script src="http://cdn.acme.test/a.js"></script>
            <link rel="stylesheet" href="http://cdn.acme.test/a.css">
            <link rel="canonical" href="http://acme.test/">
            <link rel="icon" href="http://cdn.acme.test/favicon.ico">
            <script>fetch("http://api.acme.test/x"); var ns = "http://www.w3.org/2000/svg";</script>
            </head><body>
            <a href="http://elsewhere.test/">a link is a navigation, not a subresource</a>
            <img src="/logo.png" srcset="http://cdn.acme.test/l.png 1x, /l2.png 2x">
            <video poster="http://cdn.acme.test/p.jpg"><source src="http://cdn.acme.test/v.mp4"></video>
            <form action="http://app.acme.test/login"></form>
            <script src="http://127.0.0.1:8080/dev.js"></script>
            <!-- <script src="http://cdn.acme.test/commented.js"></script> -->
            </body></html>"#;
        let scan = scan(html, &page());
        let blockable: Vec<&str> = scan
            .insecure
            .iter()
            .filter(|i| i.class == Class::Blockable)
            .map(|i| i.url.as_str())
            .collect();
        let upgradeable: Vec<&str> = scan
            .insecure
            .iter()
            .filter(|i| i.class == Class::Upgradeable)
            .map(|i| i.url.as_str())
            .collect();
        assert_eq!(
            blockable,
            [
                "http://cdn.acme.test/a.js",
                "http://app.acme.test/login",
                "http://cdn.acme.test/a.css",
                "http://api.acme.test/x",
            ]
        );
        assert_eq!(
            upgradeable,
            [
                "http://cdn.acme.test/l.png",
                "http://cdn.acme.test/p.jpg",
                "http://cdn.acme.test/favicon.ico",
                "http://cdn.acme.test/v.mp4",
            ]
        );
        assert!(!scan.meta_upgrade);
    }

    #[test]
    fn a_meta_policy_can_upgrade() {
        let html = r#"<meta http-equiv="Content-Security-Policy" content="default-src https:; upgrade-insecure-requests"><img src="http://cdn.acme.test/a.png">"#;
        let scan = scan(html, &page());
        assert!(scan.meta_upgrade);
        assert_eq!(scan.insecure.len(), 1);
        assert!(upgrades("default-src 'self'; Upgrade-Insecure-Requests"));
        assert!(!upgrades("default-src 'self'; block-all-mixed-content"));
    }
}

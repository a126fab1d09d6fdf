//! `exposure.directory-listing`: the directories the app serves its own files from do not
//! answer with a listing of their contents (nginx `autoindex`, Apache `Indexes`, Python's
//! `http.server`, serve-index, IIS, an open S3 bucket).
//!
//! The directories are not guessed: they are the folders of the scripts the entry pages
//! load, each of which was served, so asking for one reaches a directory that exists on
//! the server that serves it. An entry page whose path is a directory (`/`) is judged as
//! read.

use std::sync::OnceLock;

use regex::Regex;
use url::Url;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::{HttpRequest, Reached};
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

/// Directories asked for per audit, at most.
const MAX_DIRECTORIES: usize = 10;

pub struct DirectoryListing;

/// The server software whose listing `body` is, if it is one. Matched on the page title
/// (or the XML root), never on page text, so a page that merely mentions "Index of" is not
/// a listing.
fn listing_of(body: &str) -> Option<&'static str> {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (
                r"(?i)<title>\s*Index of /",
                "an autoindex page (nginx, Apache, lighttpd)",
            ),
            (
                r"(?i)<title>\s*Directory listing for /",
                "Python's http.server listing",
            ),
            (
                r"(?i)<title>\s*listing directory /",
                "a serve-index listing (Express)",
            ),
            (
                r"(?i)<title>\s*Directory Listing For \[/",
                "a Tomcat listing",
            ),
            (r"(?i)<title>\s*Directory: /", "a Jetty listing"),
            (r"(?i)\[To Parent Directory\]", "an IIS listing"),
            (r"<ListBucketResult\b", "an S3 bucket listing"),
        ]
        .into_iter()
        .map(|(pattern, what)| (Regex::new(pattern).expect("static pattern"), what))
        .collect()
    });
    patterns
        .iter()
        .find(|(pattern, _)| pattern.is_match(body))
        .map(|(_, what)| *what)
}

/// The folders holding `file`, innermost first, the root excluded (it is an entry page):
/// `/static/js/main.js` → `/static/js/`, `/static/`.
fn folders_of(file: &Url) -> Vec<Url> {
    let mut folders = Vec::new();
    let mut path = file.path().to_string();
    while let Some(cut) = path[..path.len().saturating_sub(1)].rfind('/') {
        path.truncate(cut + 1);
        if path == "/" {
            break;
        }
        let mut folder = file.clone();
        folder.set_path(&path);
        folder.set_query(None);
        folder.set_fragment(None);
        folders.push(folder);
    }
    folders
}

/// How many entries a listing names: its links less the one to the parent folder, or an S3
/// listing's keys.
fn entries(body: &str) -> usize {
    let links = body.matches("<a href=").count();
    let parents = body.matches("<a href=\"../\"").count();
    links - parents.min(links) + body.matches("<Key>").count()
}

/// The verdict on one directory's answer.
fn judge(ctx: &Ctx, request: &HttpRequest<'_>, response: &crate::net::Fetched) -> Observation {
    let subject = request.describe();
    let body = String::from_utf8_lossy(&response.body);
    // A listing is a listing even when it was cut short: the part read shows it.
    if response.is_success()
        && let Some(what) = listing_of(&body)
    {
        return Observation::new(
            Status::Fail,
            subject,
            format!(
                "{}: {what}, naming {} entr{}",
                response.status,
                entries(&body),
                if entries(&body) == 1 { "y" } else { "ies" }
            ),
        );
    }
    match crate::net::reached(response, None) {
        Reached::App if response.is_success() => Observation::new(
            Status::Pass,
            subject,
            format!("{}: a page, not a listing", response.status),
        ),
        Reached::App if (300..400).contains(&response.status) => Observation::new(
            Status::Pass,
            subject,
            format!(
                "{}: redirects to {}, not a listing",
                response.status,
                ctx.redactor
                    .redact(&response.header("location").unwrap_or_default())
            ),
        ),
        Reached::App if (400..500).contains(&response.status) => Observation::new(
            Status::Pass,
            subject,
            format!("{}: refused", response.status),
        ),
        Reached::App => Observation::new(
            Status::Error,
            subject,
            format!("{}: neither a page nor a refusal", response.status),
        ),
        other => Observation::new(Status::Error, subject, other.explain()),
    }
}

impl Check for DirectoryListing {
    fn id(&self) -> &str {
        "exposure.directory-listing"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let bundle = crate::shipped::collect(ctx).await;
            let mut observations = bundle.page_error_observations();
            for page in bundle
                .pages_read
                .iter()
                .filter(|p| p.url.path().ends_with('/'))
            {
                let body = String::from_utf8_lossy(&page.response.body);
                observations.push(match listing_of(&body) {
                    Some(what) => Observation::new(
                        Status::Fail,
                        format!("GET {}", page.url),
                        format!("the entry page is {what}"),
                    ),
                    // What was not read cannot be vouched for.
                    None if page.response.truncated => Observation::new(
                        Status::Warn,
                        format!("GET {}", page.url),
                        format!(
                            "partly read: cut at {} bytes, and no listing in that part",
                            page.response.body.len()
                        ),
                    ),
                    None => Observation::new(
                        Status::Pass,
                        format!("GET {}", page.url),
                        "the entry page, not a listing",
                    ),
                });
            }
            let mut folders: Vec<Url> = Vec::new();
            // An API-only deploy ships no pages (`has_no = ["frontend"]`): its root directory
            // is asked for a listing like any other.
            let api_only = crate::checks::front_end_absent(&ctx.profile).is_some();
            if api_only && ctx.profile.target.base_url.path().ends_with('/') {
                folders.push(ctx.profile.target.base_url.clone());
            }
            for url in bundle.scripts.iter().filter_map(|s| s.url.as_ref()) {
                for folder in folders_of(url) {
                    if ctx.http.in_scope(folder.host_str().unwrap_or_default())
                        && !folders.contains(&folder)
                    {
                        folders.push(folder);
                    }
                }
            }
            let left = folders.len().saturating_sub(MAX_DIRECTORIES);
            for folder in folders.into_iter().take(MAX_DIRECTORIES) {
                let request = HttpRequest::get(folder);
                observations.push(match ctx.http.send(&request).await {
                    Ok(response) => judge(ctx, &request, &response),
                    Err(error) => Observation::new(
                        Status::Error,
                        request.describe(),
                        ctx.redactor.redact(&error.to_string()),
                    ),
                });
            }
            if left > 0 {
                observations.push(Observation::new(
                    Status::Warn,
                    "directories",
                    format!("{left} more not asked for: over the cap of {MAX_DIRECTORIES}"),
                ));
            }
            if observations.is_empty() {
                // No directory known to exist was asked for: nothing is vouched for.
                observations.push(Observation::new(
                    Status::Info,
                    format!("{} entry page(s)", bundle.pages),
                    format!(
                        "{}: no script of this site's own and no entry page at a directory, so no directory known to exist to ask for a listing",
                        bundle.coverage()
                    ),
                ));
            }
            Finding::from_observations(observations)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folders_of_a_script_stop_short_of_the_root() {
        let url = Url::parse("https://acme.test/static/js/main.js?v=3").unwrap();
        let folders: Vec<String> = folders_of(&url).iter().map(Url::to_string).collect();
        assert_eq!(
            folders,
            ["https://acme.test/static/js/", "https://acme.test/static/"]
        );
        assert!(folders_of(&Url::parse("https://acme.test/app.js").unwrap()).is_empty());
    }

    #[test]
    fn a_listing_is_known_by_its_title_not_by_its_text() {
        let nginx = "<html>\r\n<head><title>Index of /assets/</title></head>\r\n<body>\r\n<h1>Index of /assets/</h1><hr><pre><a href=\"../\">../</a>\r\n<a href=\"app.js\">app.js</a>";
        assert_eq!(
            listing_of(nginx),
            Some("an autoindex page (nginx, Apache, lighttpd)")
        );
        assert_eq!(entries(nginx), 1);
        let python = "<title>Directory listing for /assets/</title><ul><li><a href=\"app.js\">app.js</a></li></ul>";
        assert_eq!(entries(python), 1);
        assert_eq!(
            listing_of("<p>See the Index of /api in the docs.</p>"),
            None
        );
    }
}

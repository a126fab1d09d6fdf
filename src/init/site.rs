//! `init --url`: what a URL shows about the site, through the same HTTP client, DNS and
//! scope guard as an audit. The hosts probed are the URL's host, the apex it implies and
//! its `www.`; nothing is sent with a credential.

use url::Url;

use super::Starter;
use crate::checks::redirects::{End, follow};

use crate::net::{HttpRequest, Lookup};

/// Where health endpoints usually live, tried in order.
const HEALTH_PATHS: &[&str] = &[
    "/healthz",
    "/health",
    "/api/health",
    "/status",
    "/_health",
    "/livez",
];

/// A foreign origin sent once to see whether CORS reflects it (only ever a header).
const FOREIGN_ORIGIN: &str = "https://evil.test";

/// A catch-all app shell answers every path with its HTML page: that is no health endpoint.
fn is_html_page(body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(64)])
        .trim_start()
        .to_ascii_lowercase();
    start.starts_with("<!doctype") || start.starts_with("<html")
}

/// An IP address or `localhost`: no apex, no `www.`, nothing DNS would say about it.
fn is_local(host: &str) -> bool {
    crate::profile::is_ip_literal(host) || host == "localhost" || host.ends_with(".localhost")
}

/// Probes `url` and fills `starter`. `nameservers` and `ca_file` are the `[network]` the
/// probe (and the written profile) use.
pub async fn apply(
    url: &Url,
    nameservers: &[String],
    ca_file: Option<&str>,
    starter: &mut Starter,
) -> Result<(), String> {
    let host = url
        .host_str()
        .ok_or("the URL has no host")?
        .to_ascii_lowercase();
    let base = url.origin().ascii_serialization();
    // An address or localhost has no apex, no www and no DNS: the URL is the one entry.
    let local = is_local(&host);
    let domain = (!local).then(|| super::apex(&host));
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    // The fixture and pre-cutover setups serve http and https on other ports than 80/443;
    // only the URL's own port is known, so the http:// candidates use the default port.
    let candidates: Vec<String> = match &domain {
        None => vec![base.clone()],
        Some(domain) => vec![
            format!("http://{domain}"),
            format!("http://www.{domain}"),
            format!("https://{domain}{port}"),
            format!("https://www.{domain}{port}"),
        ],
    };
    let quoted = |items: &[String]| {
        items
            .iter()
            .map(|i| toml::Value::String(i.clone()).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "[target]\nname = \"init\"\nbase_url = {}\nentry_points = [{}]\n",
        quoted(std::slice::from_ref(&base)),
        quoted(&candidates)
    );
    if let Some(domain) = &domain {
        text.push_str(&format!(
            "domain = {}\n",
            quoted(std::slice::from_ref(domain))
        ));
    }
    let ctx = super::scratch_ctx(&text, nameservers, ca_file, &format!("--url {url}"))?;

    // A spec read first may have set base_url on this origin with its server's path
    // (`…/v1`): its routes are relative to that path, so it stays.
    let same_origin = starter
        .base_url
        .as_deref()
        .and_then(|b| Url::parse(b).ok())
        .zip(Url::parse(&base).ok())
        .is_some_and(|(spec, given)| spec.origin() == given.origin());
    if !same_origin {
        starter.base_url = Some(base.clone());
    }
    starter.domain = domain.clone();
    starter.nameservers = nameservers.to_vec();
    starter.ca_file = ca_file.map(str::to_string);
    if starter.name.is_empty() {
        starter.name = domain.clone().unwrap_or_else(|| host.clone());
    }

    // Entry points: the candidates that answered (any HTTP answer; a redirect is what an
    // entry point usually gives), not merely those whose name resolves.
    for candidate in &candidates {
        let Ok(parsed) = Url::parse(candidate) else {
            continue;
        };
        let name = parsed.host_str().unwrap_or_default();
        if !local && !matches!(ctx.dns.lookup_ip(name).await, Ok(Lookup::Found(_))) {
            starter
                .notes
                .push(format!("{name} does not resolve: left out of entry_points"));
            continue;
        }
        match ctx.http.send(&HttpRequest::get(parsed.clone())).await {
            Ok(_) => starter.entry_points.push(candidate.clone()),
            Err(error) => starter.notes.push(format!(
                "{candidate} did not answer ({}): left out of entry_points",
                ctx.redactor.redact(&error.to_string())
            )),
        }
    }

    // Canonical: where the https apex (or, for an address, the URL itself) ends up.
    let start = match &domain {
        Some(domain) => {
            Url::parse(&format!("https://{domain}{port}/")).unwrap_or_else(|_| url.clone())
        }
        None => url.clone(),
    };
    match follow(&ctx, &start).await {
        (hops, End::Landed) => {
            if let Some(last) = hops.last() {
                starter.canonical = Some(last.url.origin().ascii_serialization());
            }
        }
        (_, End::OffScope(next)) => {
            starter.canonical = next.host_str().map(|_| next.origin().ascii_serialization())
        }
        (_, other) => starter.notes.push(format!(
            "following {start} did not settle ({other:?}): FILL IN canonical"
        )),
    }

    // https at all, and whether CORS reflects a stranger.
    let request = HttpRequest::get(url.clone()).with_header("origin", FOREIGN_ORIGIN.into());
    match ctx.http.send(&request).await {
        Ok(response) => {
            if response.header("access-control-allow-origin").as_deref() == Some(FOREIGN_ORIGIN) {
                starter.notes.push(format!("{url} reflected a foreign Origin in Access-Control-Allow-Origin: cors.origin-policy will fail; list your real front-end origins in allowed_origins"));
            }
        }
        Err(error) => starter
            .notes
            .push(format!("{url} did not answer ({error}): check base_url")),
    }
    if url.scheme() != "https" {
        starter.notes.push(
            "the URL is not https: the TLS checks need an https:// base_url or [tls] hosts".into(),
        );
    }

    // Health: the first usual path that exists and is not the app's HTML shell (a failing
    // health endpoint is still the one to watch).
    for path in HEALTH_PATHS {
        let Ok(candidate) = url.join(path) else {
            continue;
        };
        if let Ok(response) = ctx.http.send(&HttpRequest::get(candidate)).await
            && !matches!(response.status, 404 | 405)
            && !is_html_page(&response.body)
        {
            starter.health_path = Some((*path).to_string());
            break;
        }
    }

    // What the pages' scripts call: routes, the login, the bursts (read anonymously).
    let bundle = crate::shipped::collect(&ctx).await;
    for (page, why) in &bundle.page_errors {
        starter.notes.push(format!(
            "{page} was not read ({why}): its scripts' routes are not here"
        ));
    }
    let surface = crate::discovery::Surface::of(&bundle);
    super::discovered::apply(&surface, &base, starter);
    super::baas::apply(&surface, &base, starter);
    super::graphql::apply(&surface, &base, starter);
    super::graphql::find_endpoint(&ctx, url, starter).await;
    super::graphql::read_schemas(&ctx, starter).await;
    super::graphql::sign_in(starter);
    Ok(())
}

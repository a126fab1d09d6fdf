//! Redirects family: `redirects.https`, `redirects.canonical`, `redirects.open-redirect`.
//! Redirects are never followed by the HTTP client; [`follow`] walks them hop by hop, so
//! every hop is seen, scoped and bounded.

pub mod cfg;

mod canonical;
mod https;
mod open_redirect;

pub use canonical::Canonical;
pub use https::Https;
pub use open_redirect::OpenRedirect;

use url::Url;

use crate::checks::redirects::cfg::MAX_REDIRECT_HOPS;
use crate::ctx::Ctx;
use crate::net::{Fetched, HttpRequest};

/// Where a `Location` points, resolved as a browser resolves it against the request URL.
pub fn location(response: &Fetched, from: &Url) -> Option<Result<Url, String>> {
    if !(300..400).contains(&response.status) {
        return None;
    }
    let value = response.header("location")?;
    Some(
        from.join(value.trim())
            .map_err(|e| format!("unusable Location `{value}`: {e}")),
    )
}

/// One hop of a chain.
#[derive(Clone, Debug)]
pub struct Hop {
    pub url: Url,
    pub status: u16,
}

/// How a chain ended.
#[derive(Clone, Debug)]
pub enum End {
    /// A response that is not a redirect.
    Landed,
    /// The next hop was already visited.
    Loop(Url),
    /// The next hop leaves the hosts the profile names; not followed.
    OffScope(Url),
    /// More than the hard cap of hops.
    TooLong,
    /// A request failed or a Location was unusable.
    Broken(String),
}

/// The hops from `start`, without credentials, at most [`MAX_REDIRECT_HOPS`] redirects.
pub async fn follow(ctx: &Ctx, start: &Url) -> (Vec<Hop>, End) {
    let mut hops: Vec<Hop> = Vec::new();
    let mut url = start.clone();
    loop {
        let request = HttpRequest::get(url.clone());
        let response = match ctx.http.send(&request).await {
            Ok(response) => response,
            Err(error) => {
                return (hops, End::Broken(ctx.redactor.redact(&error.to_string())));
            }
        };
        hops.push(Hop {
            url: url.clone(),
            status: response.status,
        });
        let next = match location(&response, &url) {
            None => return (hops, End::Landed),
            Some(Err(why)) => return (hops, End::Broken(why)),
            Some(Ok(next)) => next,
        };
        if hops.iter().any(|hop| hop.url == next) {
            return (hops, End::Loop(next));
        }
        if !next.host_str().is_some_and(|h| ctx.http.in_scope(h)) {
            return (hops, End::OffScope(next));
        }
        if hops.len() > MAX_REDIRECT_HOPS {
            return (hops, End::TooLong);
        }
        url = next;
    }
}

/// `http://a/ (301) → https://a/ (200)`.
pub fn describe(hops: &[Hop], end: &End) -> String {
    let mut text = hops
        .iter()
        .map(|hop| format!("{} ({})", hop.url, hop.status))
        .collect::<Vec<_>>()
        .join(" → ");
    match end {
        End::Landed => {}
        End::Loop(url) => text.push_str(&format!(" → {url} (loop)")),
        End::OffScope(url) => text.push_str(&format!(" → {url} (off-scope, not followed)")),
        End::TooLong => text.push_str(&format!(" → … (over {MAX_REDIRECT_HOPS} hops)")),
        End::Broken(why) => text.push_str(&format!(" → ✗ {why}")),
    }
    text
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(Canonical),
        Registered::one(Https),
        Registered::one(OpenRedirect),
    ]
}

//! `[redirects]`: the canonical host and the redirect parameters to probe.
//! The family owns its section: shape, defaults, validation.

use serde::Deserialize;
use toml::Spanned;

use crate::profile::target::{Absent, Target};
use crate::profile::validator::Validator;

/// Redirect chains are followed at most this far, whatever the profile says.
pub const MAX_REDIRECT_HOPS: usize = 10;

/// `[redirects]`: the hop budget to canonical and the paths probed for open redirects.
#[derive(Debug)]
pub struct Redirects {
    pub max_hops: usize,
    /// Paths under base_url; defaults to `[auth] login_path` when empty.
    pub paths: Vec<String>,
}

/// Redirect limits and where return URLs are taken.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedirects {
    /// Hops an entry point may take to reach `canonical`.
    pub max_hops: Option<Spanned<i64>>,
    /// Paths that take a return URL (login, logout, OAuth callbacks).
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
}

impl Validator<'_> {
    pub(crate) fn redirects(&mut self, raw: RawRedirects, target: &Target) -> Redirects {
        if target.has_no.contains(&Absent::ReturnUrls)
            && let Some(first) = raw.paths.first()
        {
            self.blame(
                first,
                "redirects.paths[0]",
                "[target] has_no says no page takes a return URL, yet this names one: remove one of the two",
            );
        }
        let max_hops = match &raw.max_hops {
            Some(hops) if !(1..=MAX_REDIRECT_HOPS as i64).contains(hops.get_ref()) => {
                self.blame(
                    hops,
                    "redirects.max_hops",
                    format!("expected 1 to {MAX_REDIRECT_HOPS}"),
                );
                2
            }
            Some(hops) => *hops.get_ref() as usize,
            None => 2,
        };
        let paths = raw
            .paths
            .iter()
            .enumerate()
            .filter_map(|(i, path)| {
                if !path.get_ref().starts_with('/') {
                    self.blame(
                        path,
                        &format!("redirects.paths[{i}]"),
                        "expected a path under base_url, starting with `/`",
                    );
                    return None;
                }
                Some(path.get_ref().clone())
            })
            .collect();
        Redirects { max_hops, paths }
    }
}

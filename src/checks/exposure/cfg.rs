//! `[source]`: the application's repository, for `secrets.repository`.
//! The family owns its section: shape, defaults, validation.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::validator::Validator;

/// `[source]`: the application's repository.
#[derive(Clone, Debug)]
pub struct SourceRepository {
    /// Resolved against the profile's directory.
    pub path: PathBuf,
    /// Walk every commit of every ref, not only the working tree.
    pub history: bool,
}

/// The application's own repository, for `secrets.repository`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// A git repository (its top level or a directory in it), relative to the profile.
    pub path: Spanned<String>,
    /// Scan every commit of every ref too (default true).
    pub history: Option<bool>,
}

impl Validator<'_> {
    pub(crate) fn source(&mut self, raw: RawSource) -> SourceRepository {
        let path = self.base_dir.join(raw.path.get_ref());
        if !path.is_dir() {
            self.blame(
                &raw.path,
                "source.path",
                format!("{} is not a directory", path.display()),
            );
        }
        SourceRepository {
            path,
            history: raw.history.unwrap_or(true),
        }
    }
}

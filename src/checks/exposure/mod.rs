//! Exposure family: `exposure.sensitive-paths`, `exposure.source-maps`,
//! `exposure.directory-listing`, and the secrets
//! family (`secrets.client-bundle`, `secrets.repository`: their ids are the catalogue's,
//! their code lives with what it shares).

pub mod cfg;

mod client_bundle;
mod directory_listing;
pub mod repo_scan;
mod repository;
pub mod secret_scan;
mod sensitive_paths;
mod source_maps;

pub use client_bundle::ClientBundle;
pub use directory_listing::DirectoryListing;
pub use repository::Repository;
pub use sensitive_paths::SensitivePaths;
pub use source_maps::SourceMaps;

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(ClientBundle),
        Registered::one(DirectoryListing),
        Registered::one(Repository),
        Registered::one(SensitivePaths),
        Registered::one(SourceMaps),
    ]
}

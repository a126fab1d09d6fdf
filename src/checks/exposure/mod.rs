//! Exposure family: `exposure.sensitive-paths`, `secrets.client-bundle` (its id is the
//! catalogue's, its code lives with what it shares), `exposure.source-maps`.

mod bundle;
mod client_bundle;
mod sensitive_paths;
mod source_maps;

pub use bundle::Bundle;
pub use client_bundle::ClientBundle;
pub use sensitive_paths::SensitivePaths;
pub use source_maps::SourceMaps;

//! Reporters: pure functions of an [`AuditRun`], each writing to any `Write`.
//! Adding a format touches no check: add a variant, a file, and a match arm.

mod json;
mod table;

use std::io::{self, Write};

use crate::result::AuditRun;

pub use table::TableStyle;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The scorecard as a terminal table, with the decision and its blockers.
    Table,
    /// The whole run, versioned (`schema_version`): see docs/json-report.md.
    Json,
}

/// Renders `run` as `format`.
pub fn render(
    format: Format,
    run: &AuditRun,
    style: &TableStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(run, style, out),
        Format::Json => json::render(run, out),
    }
}

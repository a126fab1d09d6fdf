//! The JSON report: the run model as it is, pretty-printed.

use std::io::{self, Write};

use crate::run::AuditRun;

pub(super) fn render(run: &AuditRun, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, run)?;
    writeln!(out)
}

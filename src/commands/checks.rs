//! `checks` and `explain`: the catalogue, listed and read.

use super::*;

/// `checks`: the catalogue, one line per check.
pub fn list_checks(stdout: &mut dyn Write) -> io::Result<Exit> {
    for meta in catalogue::entries() {
        writeln!(
            stdout,
            "{:<22} {:<9} {}",
            meta.id,
            meta.severity.as_str(),
            meta.title
        )?;
    }
    Ok(Exit::Ready)
}

/// `explain ID`: one catalogue entry in full.
pub fn explain(id: &str, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<Exit> {
    // No profile here: the texts speak of example.com (RFC 2606).
    let Some(meta) = catalogue::lookup_for(id, "example.com") else {
        let ids: Vec<&str> = catalogue::entries().iter().map(|m| m.id.as_str()).collect();
        writeln!(
            stderr,
            "error: no check `{id}`. Known checks: {}",
            ids.join(", ")
        )?;
        return Ok(Exit::Usage);
    };
    writeln!(
        stdout,
        "{} — {} [{}]",
        meta.id,
        meta.title,
        meta.severity.as_str()
    )?;
    // A manual item is never PASS: a person attests it in [attest.<item>].
    let criterion = match meta.kind {
        catalogue::Kind::Probe => "Passes when",
        catalogue::Kind::Manual => "Attested (never PASS: no probe can see it) when",
    };
    if !meta.control.is_empty() {
        writeln!(
            stdout,
            "\nPositive control (no PASS without it):\n  {}",
            meta.control
        )?;
    }
    for (label, text) in [
        (criterion, &meta.pass),
        ("Why it matters", &meta.why),
        ("What breaks if it fails", &meta.breaks),
        ("Fix", &meta.fix),
    ] {
        writeln!(stdout, "\n{label}:\n  {text}")?;
    }
    if !meta.references.is_empty() {
        writeln!(stdout, "\nReferences:")?;
        for reference in &meta.references {
            writeln!(stdout, "  - {reference}")?;
        }
    }
    Ok(Exit::Ready)
}

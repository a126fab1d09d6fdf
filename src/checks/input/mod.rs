//! Input family: `input.malformed`, `input.error-leak`.

mod error_leak;
mod malformed;
pub mod signatures;

use std::sync::Arc;

use crate::ctx::Ctx;
use signatures::SignatureScan;

pub use error_leak::ErrorLeak;
pub use malformed::Malformed;

/// From now on every response body the audit receives is scanned for stack traces, debug
/// pages and database errors, for `input.error-leak` to report. Called when the audit
/// starts, before any traffic.
pub fn scan_every_response(ctx: &Ctx) {
    ctx.http.watch(scan(ctx));
}

/// This audit's scan (empty, and fed by nothing, if [`scan_every_response`] was not called).
fn scan(ctx: &Ctx) -> Arc<SignatureScan> {
    ctx.slot(|_| SignatureScan::default())
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![Registered::one(ErrorLeak), Registered::one(Malformed)]
}

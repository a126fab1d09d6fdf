//! Input family: `input.malformed`, `input.error-leak`.

mod error_leak;
mod malformed;

pub use error_leak::ErrorLeak;
pub use malformed::Malformed;

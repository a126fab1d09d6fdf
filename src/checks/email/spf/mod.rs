//! SPF: the record grammar, macros and `check_host()`, and the `email.spf` check.

pub mod eval;
pub mod macros;
pub mod syntax;

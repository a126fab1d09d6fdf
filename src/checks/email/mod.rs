//! Email family: `email.spf`, `email.dkim`, `email.dmarc`, `email.mx`, `email.mta-sts`.

pub mod spf;

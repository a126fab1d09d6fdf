//! The TLS 1.0/1.1 probe's reply parser (ServerHello or alert), fed whatever bytes a
//! server sends back to the hand-built ClientHello.
#![no_main]

use launch_audit::net::legacy_tls::{Legacy, parse_reply};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = parse_reply(bytes, Legacy::Tls10);
    let _ = parse_reply(bytes, Legacy::Tls11);
});

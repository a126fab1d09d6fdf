//! The profile loader: any text must give a profile or errors naming file:line:col, never
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let dir = std::env::temp_dir();
    let _ = launch_audit::profile::parse("fuzz.toml", text, &dir, &|_| None);
});

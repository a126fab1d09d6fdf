//! The HTML script extractor behind the client-bundle scan: external, preloaded and
//! inline scripts of whatever page a target serves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    let page = url::Url::parse("https://app.acme.test/dashboard").expect("static URL");
    let _ = launch_audit::checks::exposure::scripts_of(html, &page);
});

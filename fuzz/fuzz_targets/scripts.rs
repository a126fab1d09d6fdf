//! What the app ships, read as the audit reads it: the HTML page parser (external,
//! preloaded, inline scripts, import maps) and the JavaScript reader behind discovery
//! (imports, chunk maps, calls, GraphQL documents), on whatever a target serves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let page = url::Url::parse("https://app.acme.test/dashboard").expect("static URL");
    let _ = launch_audit::shipped::scripts_of(text, &page);
    let facts = launch_audit::shipped::js::read(text);
    for call in &facts.calls {
        let _ = launch_audit::discovery::calls::request_of(call);
        let _ = launch_audit::discovery::services::client_of(call, "fuzz");
    }
});

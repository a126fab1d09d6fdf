//! The secret scanner, on any text (bundles, source maps, repository blobs): hits must
//! point inside the text and never carry the value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for hit in launch_audit::checks::exposure::secret_scan::scan(text) {
        assert!(hit.line >= 1 && hit.line <= text.lines().count().max(1) + 1);
        assert!(hit.masked.chars().count() <= 9);
    }
});

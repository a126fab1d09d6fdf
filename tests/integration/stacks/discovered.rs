//! What the app ships, read as the browser gets it: a front end Vite built (npm, pinned;
//! `scripts/test` builds it) served by the Express stack. Its entry chunk loads the projects
//! screen with a dynamic `import()` (no preload link, no manifest in the page), and that
//! chunk calls `/api/projects`, the list route the profile here leaves out.

use super::express::{profile, start_with_front_end};
use crate::support::{result, status_of};

/// The Express profile without its project list: the route nobody declared.
fn without_the_list(variant: &str, server: &super::Child) -> String {
    let full = profile(variant, server);
    let list =
        "[[routes]]\nname = \"projects (list)\"\npath = \"/api/projects\"\nauth = \"required\"\n";
    assert!(full.contains(list), "the Express profile declares the list");
    full.replace(list, "")
}

/// half-fixed scopes the record route but not the list: the list, found in the lazy chunk,
/// hands Acme's project to Globex's identity. right scopes both: the same discovered route
/// is compared and passes, and an anonymous caller is refused.
#[test]
fn a_list_route_only_the_bundle_calls_is_found_and_compared_across_tenants() {
    for (variant, expected) in [("half-fixed", "FAIL"), ("right", "PASS")] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start_with_front_end(variant, "right", scratch.path());
        let report = super::audit(
            &format!("discovered-{variant}"),
            &without_the_list(variant, &server),
            &["access.tenant-isolation"],
            scratch.path(),
        );
        let isolation = result(&report, "access.tenant-isolation");
        assert_eq!(isolation["status"], expected, "{variant}: {isolation:#}");
        let evidence = isolation["evidence"].to_string();
        let discovered = "GET /api/projects (discovered: called by https://127.0.0.1:";
        assert!(evidence.contains(discovered), "{variant}: {evidence}");
        assert!(
            evidence.contains("/assets/projects-"),
            "{variant}: {evidence}"
        );
        if variant == "half-fixed" {
            assert!(
                evidence.contains("as mallory (globex), for acme's records")
                    && evidence.contains("the list is not scoped"),
                "{evidence}"
            );
        } else {
            let anonymous = isolation["evidence"]
                .as_array()
                .expect("evidence")
                .iter()
                .find(|o| {
                    o["subject"]
                        .as_str()
                        .is_some_and(|s| s.contains("with no login, for acme's records"))
                })
                .unwrap_or_else(|| panic!("no anonymous comparison: {evidence}"));
            assert_eq!(anonymous["status"], "PASS", "{anonymous}");
            assert!(
                anonymous["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("refused")),
                "{anonymous}"
            );
        }
    }
}

/// The wrong build ships a live key in the lazily imported chunk and serves hidden source
/// maps next to each chunk (staging: WARN; the key came from the build's `define`, so the
/// original sources do not carry it). Both are found only by reading the chunk the entry
/// imports; the right build passes both checks.
#[test]
fn a_lazily_imported_chunk_is_read_for_secrets_and_source_maps() {
    for (build, secrets, maps) in [("wrong", "FAIL", "WARN"), ("right", "PASS", "PASS")] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start_with_front_end("right", build, scratch.path());
        let report = super::audit(
            &format!("lazy-chunk-{build}"),
            &profile("right", &server),
            &["secrets.client-bundle", "exposure.source-maps"],
            scratch.path(),
        );
        assert_eq!(
            status_of(&report, "secrets.client-bundle"),
            secrets,
            "{build}: {:#}",
            result(&report, "secrets.client-bundle")
        );
        assert_eq!(
            status_of(&report, "exposure.source-maps"),
            maps,
            "{build}: {:#}",
            result(&report, "exposure.source-maps")
        );
        let text = report.to_string();
        assert!(text.contains("/assets/projects-"), "{build}: {text}");
        if build == "wrong" {
            let maps = result(&report, "exposure.source-maps")["evidence"].to_string();
            assert!(
                maps.contains("/assets/projects-") && maps.contains(".js.map"),
                "the lazy chunk's map is found: {maps}"
            );
        }
        assert!(
            !text.contains("sk_live_LaunchAuditLazyChunk000000000000"),
            "the key is redacted"
        );
    }
}

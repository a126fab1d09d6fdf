//! Write probes leave the target as they found them: after an audit whose probes wrote to
//! the fixture's settings route (an owner's baseline, cross-tenant writes the vulnerable
//! app accepts, malformed input such as a 100,000-character name), the stored names are
//! the ones the app started with, and the report says what it put back.

use fixtures::{COMMUNITY_NAMES, Mode};

use crate::support::{Setup, read_json};

fn audit_and_check_restored(mode: Mode) -> serde_json::Value {
    let setup = Setup::start(mode);
    let json = setup.path("run.json");
    setup.run(&[
        "--only",
        "input.malformed",
        "--only",
        "access",
        "--only",
        "auth.unauthenticated",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    for (community, name) in COMMUNITY_NAMES {
        assert_eq!(
            setup.target.community_name(community).as_deref(),
            Some(*name),
            "{mode:?}: community {community} is as the audit found it"
        );
    }
    read_json(&json)
}

#[test]
fn accepted_writes_are_put_back_and_listed() {
    let report = audit_and_check_restored(Mode::Vulnerable);
    let writes = report["writes"].as_array().expect("writes listed");
    for community in ["101", "202"] {
        let path = format!("PATCH /api/communities/{community}/settings");
        let write = writes
            .iter()
            .find(|w| w["request"] == path.as_str())
            .unwrap_or_else(|| panic!("{path} listed: {writes:#?}"));
        assert_eq!(write["state"], "restored", "{write}");
        assert!(write["accepted"].as_u64().unwrap_or(0) > 0, "{write}");
        assert!(
            write["detail"]
                .as_str()
                .unwrap_or("")
                .contains("name put back"),
            "{write}"
        );
    }
}

#[test]
fn a_hardened_app_is_also_left_as_found() {
    let report = audit_and_check_restored(Mode::Hardened);
    let writes = report["writes"].as_array().expect("writes listed");
    // carol (acme's admin) is served the route, so its baseline write is accepted there.
    let acme = writes
        .iter()
        .find(|w| w["request"] == "PATCH /api/communities/101/settings")
        .unwrap_or_else(|| panic!("the admin's accepted write is listed: {writes:#?}"));
    assert_eq!(acme["state"], "restored", "{acme}");
    assert!(
        writes
            .iter()
            .all(|w| matches!(w["state"].as_str(), Some("restored" | "unchanged"))),
        "{writes:#?}"
    );
}

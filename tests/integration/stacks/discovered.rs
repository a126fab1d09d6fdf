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
/// is compared and passes, and an anonymous caller is refused. Built by Vite (the chunk is
/// a literal `import()`) and by webpack (the chunk is named only by the runtime's
/// chunk-URL function and the id the entry loads).
#[test]
fn a_list_route_only_the_bundle_calls_is_found_and_compared_across_tenants() {
    for (variant, build, expected) in [
        ("half-fixed", "right", "FAIL"),
        ("right", "right", "PASS"),
        ("half-fixed", "webpack", "FAIL"),
    ] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start_with_front_end(variant, build, scratch.path());
        let report = super::audit(
            &format!("discovered-{variant}-{build}"),
            &without_the_list(variant, &server),
            &["access.tenant-isolation", "auth.unauthenticated"],
            scratch.path(),
        );
        // Asked with no credential too: refused, while an identity is served.
        let unauthenticated = result(&report, "auth.unauthenticated")["evidence"].clone();
        assert!(
            unauthenticated
                .as_array()
                .is_some_and(|all| all.iter().any(|o| {
                    o["status"] == "PASS"
                        && o["subject"].as_str().is_some_and(|s| {
                            s.starts_with(
                                "GET /api/projects (discovered: called by https://127.0.0.1:",
                            )
                        })
                        && o["detail"]
                            .as_str()
                            .is_some_and(|d| d.starts_with("refused without credentials (401)"))
                })),
            "{unauthenticated:#}"
        );
        let isolation = result(&report, "access.tenant-isolation");
        assert_eq!(isolation["status"], expected, "{variant}: {isolation:#}");
        let evidence = isolation["evidence"].as_array().expect("evidence");
        let discovered: Vec<&serde_json::Value> = evidence
            .iter()
            .filter(|o| {
                o["subject"].as_str().is_some_and(|s| {
                    s.starts_with("GET /api/projects (discovered: called by https://127.0.0.1:")
                })
            })
            .collect();
        assert!(!discovered.is_empty(), "{variant} {build}: {evidence:#?}");
        // Called by the lazily loaded chunk, not the entry.
        let chunk = discovered[0]["subject"].as_str().unwrap_or("");
        assert!(
            chunk.contains(if build == "webpack" {
                "/assets/"
            } else {
                "/assets/projects-"
            }) && !chunk.contains("/assets/main.")
                && !chunk.contains("/assets/index-"),
            "{chunk}"
        );
        if variant == "half-fixed" {
            assert!(
                discovered.iter().any(|o| {
                    o["status"] == "FAIL"
                        && o["subject"]
                            .as_str()
                            .is_some_and(|s| s.ends_with("as mallory (globex), for acme's records"))
                        && o["detail"]
                            .as_str()
                            .is_some_and(|d| d.contains("the list is not scoped"))
                }),
                "{discovered:#?}"
            );
        } else {
            let anonymous = discovered
                .iter()
                .find(|o| {
                    o["subject"]
                        .as_str()
                        .is_some_and(|s| s.contains("with no login, for acme's records"))
                })
                .unwrap_or_else(|| panic!("no anonymous comparison: {discovered:#?}"));
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

/// A record route the profile leaves out but the lazy chunk calls with a hole named like a
/// tenant value (`/api/orgs/${org}/members`, `{orgs_id}` is the tenants' `org`) is asked
/// for each tenant's object as the other tenant: the wrong variant never checks the org,
/// the right one refuses.
#[test]
fn a_record_route_only_the_bundle_calls_is_swapped_across_tenants() {
    let members = "[[routes]]\nname = \"org members (nested)\"\npath = \"/api/orgs/{org}/members\"\nauth = \"required\"\nroles = [\"member\", \"admin\"]\n";
    for (variant, expected) in [("wrong", "FAIL"), ("right", "PASS")] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start_with_front_end(variant, "right", scratch.path());
        let full = profile(variant, &server);
        assert!(
            full.contains(members),
            "the Express profile declares the members route"
        );
        let report = super::audit(
            &format!("discovered-record-{variant}"),
            &full.replace(members, ""),
            &["access.tenant-isolation"],
            scratch.path(),
        );
        let evidence = result(&report, "access.tenant-isolation")["evidence"].clone();
        let swapped: Vec<&serde_json::Value> = evidence
            .as_array()
            .expect("evidence")
            .iter()
            .filter(|o| {
                o["subject"].as_str().is_some_and(|s| {
                    s.starts_with(
                        "GET /api/orgs/101/members (discovered: called by https://127.0.0.1:",
                    ) && s.ends_with("(acme's) as mallory (globex)")
                })
            })
            .collect();
        assert_eq!(swapped.len(), 1, "{variant}: {evidence:#}");
        assert_eq!(
            swapped[0]["status"], expected,
            "{variant}: {:#}",
            swapped[0]
        );
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

/// webpack with two lazy chunks (the projects and settings screens): its runtime names
/// them through an id → hash map (`{43: "…", 768: "…"}[id]`), not one inlined hash, and the
/// entry loads each by id only. Both are fetched and read: `exposure.source-maps` asks for
/// the map of every script the build serves, each chunk among them.
#[test]
fn every_chunk_a_webpack_runtime_maps_by_id_is_read() {
    let assets = super::stacks_dir().join("frontend/dist-webpack/assets");
    let scripts: Vec<String> = std::fs::read_dir(&assets)
        .expect("dist-webpack is built by scripts/test")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".js"))
        .collect();
    let entry = scripts
        .iter()
        .find(|name| name.starts_with("main."))
        .expect("the entry");
    let runtime = std::fs::read_to_string(assets.join(entry)).expect("entry script");
    let chunks: Vec<&String> = scripts.iter().filter(|name| *name != entry).collect();
    assert_eq!(chunks.len(), 2, "two lazy chunks: {scripts:?}");
    // The build really uses the map form: each chunk's hash is a value in one object.
    let map = regex::Regex::new(r#"\{\d+:"[0-9a-f]{8}",\d+:"[0-9a-f]{8}"\}\[\w+\]"#).unwrap();
    assert!(map.is_match(&runtime), "no id → hash map in {entry}");

    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start_with_front_end("right", "webpack", scratch.path());
    let report = super::audit(
        "webpack-chunks",
        &profile("right", &server),
        &["exposure.source-maps", "secrets.client-bundle"],
        scratch.path(),
    );
    let maps = result(&report, "exposure.source-maps");
    assert_eq!(maps["status"], "PASS", "{maps:#}");
    let evidence = maps["evidence"].to_string();
    for chunk in &chunks {
        assert!(
            evidence.contains(&format!("/assets/{chunk}")),
            "{chunk} was fetched and read: {maps:#}"
        );
    }
    assert_eq!(status_of(&report, "secrets.client-bundle"), "PASS");
}

/// Source maps are read within 10 MiB per audit. The wrong build with its entry's map
/// grown to 11 MiB (original sources pasted in whole, as some builds do): that map is cut
/// at the budget and the lazy chunk's is not asked for, and both are WARN with why: a map
/// not read whole is never a PASS.
#[test]
fn a_map_cut_at_the_budget_is_said_never_passed() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let built = super::stacks_dir().join("frontend/dist-wrong");
    let dist = scratch.path().join("dist-bigmap");
    std::fs::create_dir_all(dist.join("assets")).expect("dist");
    for entry in std::fs::read_dir(built.join("assets")).expect("dist-wrong is built") {
        let path = entry.expect("entry").path();
        let target = dist.join("assets").join(path.file_name().expect("name"));
        std::fs::copy(&path, target).expect("copy");
    }
    std::fs::copy(built.join("index.html"), dist.join("index.html")).expect("index");
    let entry_map = std::fs::read_dir(dist.join("assets"))
        .expect("assets")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("index-") && n.ends_with(".js.map"))
        })
        .expect("the entry's map");
    let mut map: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&entry_map).expect("map")).expect("json");
    map["sourcesContent"][0] = serde_json::Value::String("// padding\n".repeat(1_000_000));
    std::fs::write(&entry_map, map.to_string()).expect("grown map");

    let server = super::express::start_with_dist("right", &dist, scratch.path());
    let report = super::audit(
        "map-budget",
        &profile("right", &server),
        &["exposure.source-maps"],
        scratch.path(),
    );
    let maps = result(&report, "exposure.source-maps");
    assert_eq!(maps["status"], "WARN", "{maps:#}");
    let lines = maps["evidence"].as_array().expect("evidence");
    let line = |script: &str| {
        lines
            .iter()
            .find(|o| o["subject"].as_str().is_some_and(|s| s.contains(script)))
            .unwrap_or_else(|| panic!("a line for {script}: {maps:#}"))
    };
    let cut = line("/assets/index-");
    assert!(
        cut["status"] == "WARN"
            && cut["detail"]
                .as_str()
                .is_some_and(|d| d.contains("cut at") && d.contains("10 MiB")),
        "{cut:#}"
    );
    let left = line("/assets/projects-");
    assert!(
        left["status"] == "WARN"
            && left["detail"]
                .as_str()
                .is_some_and(|d| d.contains("not asked") && d.contains("were spent")),
        "{left:#}"
    );
}

/// A call the build dropped (`if (import.meta.env.DEV)`) is not in any chunk, but the wrong
/// build serves source maps, whose original code still names it; the wrong variant left
/// that debugging route on, with every tenant's projects. Discovery reads the map's
/// sources, so the route is compared and fails, said to come from the source map.
#[test]
fn a_route_only_the_source_map_names_is_compared() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start_with_front_end("wrong", "wrong", scratch.path());
    let report = super::audit(
        "source-map-route",
        &profile("wrong", &server),
        &["access.tenant-isolation"],
        scratch.path(),
    );
    let evidence = result(&report, "access.tenant-isolation")["evidence"]
        .as_array()
        .expect("evidence")
        .clone();
    let debug: Vec<&serde_json::Value> = evidence
        .iter()
        .filter(|o| {
            o["subject"].as_str().is_some_and(|s| {
                s.starts_with("GET /api/debug/state (discovered: called by ")
                    && s.contains("(in the source map of https://127.0.0.1:")
            })
        })
        .collect();
    assert!(debug.iter().any(|o| o["status"] == "FAIL"), "{evidence:#?}");
    // Not in the built chunks themselves.
    let dist = super::stacks_dir().join("frontend/dist-wrong/assets");
    for entry in std::fs::read_dir(&dist).expect("dist") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "js") {
            let text = std::fs::read_to_string(&path).expect("chunk");
            assert!(!text.contains("/api/debug/state"), "{}", path.display());
        }
    }
}

/// The checks `init` must get right from a URL and two logins alone.
const FROM_THE_URL: &[&str] = &[
    "cors.origin-policy",
    "access.tenant-isolation",
    "auth.unauthenticated",
    "auth.invalid-token",
    "secrets.client-bundle",
    "exposure.source-maps",
    "ratelimit.login",
];

/// The new user's path: two logins in the environment, `init --url URL --probe`, `run`. The
/// profile init writes validates as written, and its run reaches the hand-written
/// profile's verdicts for the auth, access, CORS, bundle and rate-limit checks, on the app
/// done right, done wrong, and half-fixed (whose list leak init finds in the lazily loaded
/// chunk).
#[test]
fn init_from_the_url_and_two_logins_reaches_the_hand_written_verdicts() {
    for variant in ["right", "wrong", "half-fixed"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let server = start_with_front_end(variant, "right", scratch.path());
        let (text, _) = init_and_compare(
            &express(variant, &server, scratch.path()),
            scratch.path(),
            &[],
        );
        assert!(
            text.contains("# discovered: called by https://127.0.0.1:")
                && text.contains("path = \"/api/projects\""),
            "{text}"
        );
    }
}

/// The app also serves its spec, role-filtered (a stranger sees 2 paths, a signed-in user
/// 7) under a relative server "/api" its paths lack: init reads it anonymously and as each
/// identity, keeps the prefix, says which view each route came from (three of the five
/// signed-in paths the front end's scripts already call), and says that the path every
/// probe answers 404 is a wrong path, never a role it lacks.
#[test]
fn init_reads_the_served_spec_as_each_identity() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let server = start_with_front_end("right", "right", scratch.path());
    let spec = format!("https://127.0.0.1:{}/openapi.json", server.port("port"));
    let (text, said) = init_and_compare(
        &express("right", &server, scratch.path()),
        scratch.path(),
        &["--openapi", &spec],
    );
    assert!(
        said.contains("openapi.json as alice: 2 route(s) the anonymous view does not show"),
        "{said}"
    );
    assert!(
        text.contains("# only in alice's view of the spec\n[[routes]]\nname = \"orgSummary\"\nmethod = \"GET\"\npath = \"/api/orgs/{org}/summary\""),
        "{text}"
    );
    assert!(
        said.contains("GET /api/archive: answers 404 to both identities (401 without a login): the path looks wrong")
            && !text.contains("path = \"/api/archive\""),
        "{said}"
    );
    assert!(!said.contains("holding the role"), "{said}");
}

/// A stack's app as `init` meets it: where it is, and the hand-written profile to match.
pub(super) struct Target<'a> {
    pub name: String,
    /// What `init --url` is given.
    pub url: String,
    /// The CA the app's certificate chains to, for an https app.
    pub ca: Option<std::path::PathBuf>,
    /// The password both logins share.
    pub password: String,
    /// More of the environment init and the run are given (whole credentials, for an app
    /// that takes HTTP Basic).
    pub env: Vec<(&'static str, String)>,
    pub hand_profile: String,
    pub checks: &'a [&'a str],
}

/// What `check` came to in the run of the profile init wrote for `name`
/// ([`init_and_compare`] keeps that run's report in `dir`).
pub(super) fn status_from_init(dir: &std::path::Path, name: &str, check: &str) -> String {
    let report = crate::support::read_json(&dir.join(format!("{name}-from-url.json")));
    status_of(&report, check)
}

/// `init --url URL --probe` (and `extra` arguments) with the two logins in the environment;
/// the profile must validate as written and its run reach the hand-written profile's
/// verdicts for the target's checks. Returns the profile and what init printed.
#[allow(clippy::print_stderr)] // STACKS_VERBOSE: the profile init wrote, for whoever debugs it
pub(super) fn init_and_compare(
    target: &Target,
    dir: &std::path::Path,
    extra: &[&str],
) -> (String, String) {
    use crate::support::{launch_audit, stderr, stdout};
    let name = &target.name;
    let mut logins = vec![
        ("ALICE_USER", "alice@acme.test"),
        ("ALICE_PASSWORD", target.password.as_str()),
        ("MALLORY_USER", "mallory@globex.test"),
        ("MALLORY_PASSWORD", target.password.as_str()),
    ];
    logins.extend(
        target
            .env
            .iter()
            .map(|(name, value)| (*name, value.as_str())),
    );
    let out = dir.join(format!("{name}-from-url.toml"));
    let mut args = vec!["init", "--url", &target.url, "--probe"];
    if let Some(ca) = &target.ca {
        args.extend(["--ca-file", ca.to_str().unwrap()]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    let init = launch_audit(&args, &logins);
    assert_eq!(init.status.code(), Some(0), "{name}: {}", stderr(&init));
    let text = std::fs::read_to_string(&out).expect("profile written");
    if std::env::var_os("STACKS_VERBOSE").is_some() {
        eprintln!("{name}: init wrote\n{text}");
    }
    let validate = launch_audit(&["validate", "-c", out.to_str().unwrap()], &logins);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{name}: validates as written\n{text}\n{}{}",
        stdout(&validate),
        stderr(&validate)
    );
    let from_init = crate::support::run_checks(
        &out,
        target.checks,
        &logins,
        &dir.join(format!("{name}-from-url.json")),
    );
    let hand = super::audit(
        &format!("{name}-by-hand"),
        &target.hand_profile,
        target.checks,
        dir,
    );
    for check in target.checks {
        assert_eq!(
            status_of(&from_init, check),
            status_of(&hand, check),
            "{name} {check}: from init {:#}\nby hand {:#}\n{text}",
            result(&from_init, check),
            result(&hand, check)
        );
    }
    (text, stdout(&init))
}

/// The Express app with its front end, as init meets it.
fn express<'a>(variant: &str, server: &super::Child, dir: &std::path::Path) -> Target<'a> {
    Target {
        name: format!("express-{variant}"),
        url: format!("https://127.0.0.1:{}/", server.port("port")),
        ca: Some(dir.join("ca.pem")),
        password: server.text("/password").to_string(),
        env: Vec::new(),
        hand_profile: profile(variant, server),
        checks: FROM_THE_URL,
    }
}

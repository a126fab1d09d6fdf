//! `init`: a starter profile from an OpenAPI spec (no network) and from a URL (the fixture
//! target), each one that `validate` accepts once its ${VARIABLES} are set.

use fixtures::Mode;

use crate::support::{Setup, launch_audit, stderr, stdout};

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/openapi/acme-api.yaml"
);

fn routes(profile: &toml::Table) -> Vec<&toml::Table> {
    profile["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_table().unwrap())
        .collect()
}

/// The `[[routes]]` init wrote as suggestions (commented out), as they read uncommented.
fn suggested_routes(text: &str) -> Vec<toml::Table> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line == "# [[routes]]" {
            if let Some(block) = current.take() {
                blocks.push(block);
            }
            current = Some("[[routes]]\n".into());
        } else if let Some(block) = &mut current {
            match line.strip_prefix("# ") {
                Some(rest) if !line.is_empty() => {
                    block.push_str(rest);
                    block.push('\n');
                }
                _ => blocks.extend(current.take()),
            }
        }
    }
    blocks.extend(current);
    blocks
        .iter()
        .flat_map(|block| {
            let table: toml::Table =
                toml::from_str(block).unwrap_or_else(|e| panic!("{e}: {block}"));
            table["routes"].as_array().unwrap().clone()
        })
        .map(|v| v.as_table().unwrap().clone())
        .collect()
}

#[test]
fn openapi_spec_becomes_routes_identities_and_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.toml");
    let output = launch_audit(
        &["init", "--openapi", SPEC, "--out", out.to_str().unwrap()],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("7 route(s)"),
        "{}",
        stdout(&output)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let profile: toml::Table = toml::from_str(&text).unwrap();
    // The spec's GraphQL endpoint becomes [[graphql]] (under the server's path), never a
    // route the REST checks would probe.
    assert!(text.contains("[[graphql]]\npath = \"/graphql\""), "{text}");
    assert!(!text.contains("path = \"/graphql\"\nauth"), "{text}");

    assert_eq!(
        profile["target"]["base_url"].as_str(),
        Some("https://api.acme.test/v1")
    );
    assert_eq!(
        profile["target"]["name"].as_str(),
        Some("Acme Community API")
    );
    // Routes whose ids nobody measured are suggestions (commented out), so the file
    // validates as written; read here as they would be once uncommented.
    let suggested = suggested_routes(&text);
    let by_name = |name: &str| -> toml::Table {
        routes(&profile)
            .into_iter()
            .cloned()
            .chain(suggested.iter().cloned())
            .find(|r| r["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no route {name}:\n{text}"))
    };
    // Global bearer security; `security: []` makes an operation public.
    assert_eq!(by_name("getCurrentUser")["auth"].as_str(), Some("required"));
    assert_eq!(by_name("getHealth")["auth"].as_str(), Some("public"));
    // The login operation is how identities sign in, and a burst target; not a route.
    assert!(
        routes(&profile)
            .iter()
            .all(|r| r["name"].as_str() != Some("login"))
    );
    let login = profile["identities"]["alice"]["login"].as_table().unwrap();
    assert_eq!(login["path"].as_str(), Some("/auth/login"));
    assert_eq!(login["json"]["email"].as_str(), Some("${ALICE_USER}"));
    assert_eq!(
        login["json"]["password"].as_str(),
        Some("${ALICE_PASSWORD}")
    );
    let limits = profile["rate_limits"].as_array().unwrap();
    assert_eq!(limits[0]["name"].as_str(), Some("login"));
    assert_eq!(
        limits[0]["body"]["password"].as_str(),
        Some("not-the-password")
    );
    // Path parameters (shared by $ref) are placeholders. A spec's example is nobody's id:
    // unmeasured, the tenants' values are comments and the routes that need them are
    // suggestions, each saying what it needs.
    assert_eq!(
        by_name("listMembers")["path"].as_str(),
        Some("/communities/{communityId}/members")
    );
    assert!(
        routes(&profile)
            .iter()
            .all(|r| !r["path"].as_str().unwrap_or("").contains('{')),
        "{text}"
    );
    assert!(
        text.contains("# needs {communityId} for each tenant (not measured)"),
        "{text}"
    );
    assert!(
        profile["tenants"]["tenant_a"].get("communityId").is_none(),
        "{text}"
    );
    assert!(
        !text.contains("101") && !text.contains("rpt_7781"),
        "the spec's example ids are written nowhere: {text}"
    );
    // Required query parameters take their enum's first value; optional ones are left out.
    assert_eq!(
        by_name("listInvoices")["query"]["status"].as_str(),
        Some("open")
    );
    assert!(by_name("listMembers").get("query").is_none());
    // Request examples (inline, and named examples behind a $ref) become bodies.
    let update = by_name("updateCommunity");
    assert_eq!(update["method"].as_str(), Some("PATCH"));
    assert_eq!(update["body"]["name"].as_str(), Some("Renamed community"));
    assert_eq!(update["body"]["seats"].as_integer(), Some(25));
    assert_eq!(
        update["allow_writes"].as_bool(),
        Some(false),
        "writes stay off until the user opts in"
    );
    // The scheme the spec requires by default decides the credential style: bearer, and
    // with a login operation no static token is asked for.
    let alice = profile["identities"]["alice"].as_table().unwrap();
    assert!(alice.get("token").is_none(), "{alice:?}");
    assert!(alice.get("header").is_none(), "{alice:?}");
    assert_eq!(profile["health"]["path"].as_str(), Some("/health"));

    // Valid as written, once the secrets it names are in the environment.
    let secrets = [
        ("ALICE_USER", "alice@acme.test"),
        ("ALICE_PASSWORD", "a"),
        ("MALLORY_USER", "mallory@globex.test"),
        ("MALLORY_PASSWORD", "b"),
    ];
    let output = launch_audit(&["validate", "-c", out.to_str().unwrap()], &secrets);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}\n{text}",
        stdout(&output),
        stderr(&output)
    );

    // Never overwrites without --force; refuses what is neither OpenAPI 3 nor Swagger 2.0.
    let again = launch_audit(
        &["init", "--openapi", SPEC, "--out", out.to_str().unwrap()],
        &[],
    );
    assert_eq!(again.status.code(), Some(2));
    let swagger = dir.path().join("asyncapi.json");
    std::fs::write(&swagger, r#"{"asyncapi": "2.0.0", "channels": {}}"#).unwrap();
    let output = launch_audit(
        &[
            "init",
            "--openapi",
            swagger.to_str().unwrap(),
            "--out",
            dir.path().join("x.toml").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not an OpenAPI 3 or Swagger 2.0 document"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn url_probe_finds_entry_points_canonical_health_and_cors_trouble() {
    for mode in [Mode::Hardened, Mode::Vulnerable] {
        let setup = Setup::start(mode);
        let out = setup.path("init.toml");
        let url = setup.target.https_origin("app");
        let dns = setup.target.dns_addr().to_string();
        let ca = setup.path("fixture-ca.pem");
        let output = launch_audit(
            &[
                "init",
                "--url",
                &url,
                "--nameserver",
                &dns,
                "--ca-file",
                ca.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = std::fs::read_to_string(&out).unwrap();
        let profile: toml::Table = toml::from_str(&text).unwrap();
        let target = profile["target"].as_table().unwrap();
        assert_eq!(target["domain"].as_str(), Some("acme.test"));
        assert_eq!(
            target["canonical"].as_str(),
            Some(setup.target.https_origin("").as_str()),
            "{mode:?}"
        );
        let entries: Vec<&str> = target["entry_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        // Only the candidates that answered: the fixture's https port, not port 80 where
        // nothing listens (said in a note).
        assert_eq!(
            entries,
            [
                setup.target.https_origin("").as_str(),
                setup.target.https_origin("www").as_str()
            ],
            "{text}"
        );
        assert!(text.contains("http://acme.test did not answer"), "{text}");
        assert_eq!(
            profile["health"]["path"].as_str(),
            Some("/healthz"),
            "{mode:?}"
        );
        assert_eq!(
            profile["network"]["nameservers"][0].as_str(),
            Some(dns.as_str())
        );
        let warned = text.contains("reflected a foreign Origin");
        assert_eq!(warned, mode == Mode::Vulnerable, "{mode:?}: {text}");
        // Only the hosts the URL implies were contacted, and never with a credential.
        for request in setup.target.requests() {
            assert!(request.authorization.is_none());
            assert!(
                request
                    .host
                    .ends_with(&format!("acme.test:{}", setup.target.https_port())),
                "{}",
                request.host
            );
        }
        let output = launch_audit(
            &["validate", "-c", out.to_str().unwrap()],
            &[("ALICE_TOKEN", "a"), ("MALLORY_TOKEN", "b")],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
    }
}

#[test]
fn url_probe_of_an_address_writes_a_profile_that_validates() {
    let setup = Setup::start(Mode::Hardened);
    let out = setup.path("init.toml");
    let url = format!("http://127.0.0.1:{}", setup.target.http_port());
    let output = launch_audit(
        &["init", "--url", &url, "--out", out.to_str().unwrap()],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&out).unwrap();
    let profile: toml::Table = toml::from_str(&text).unwrap();
    let target = profile["target"].as_table().unwrap();
    assert_eq!(target["base_url"].as_str(), Some(url.as_str()));
    // No apex, no www., no guessed https on a plain-http port: the one address that answered.
    assert!(target.get("domain").is_none(), "{text}");
    let entries: Vec<&str> = target["entry_points"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert_eq!(entries, [url.as_str()], "{text}");
    assert!(!text.contains("www.127"), "{text}");
    let output = launch_audit(
        &["validate", "-c", out.to_str().unwrap()],
        &[("ALICE_TOKEN", "a"), ("MALLORY_TOKEN", "b")],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}\n{text}",
        stdout(&output),
        stderr(&output)
    );
}

/// Real specs (tests/data/openapi/corpus/SOURCES.md): each becomes a profile that validates
/// once what init could not know is filled in, and the shapes each one exercises are read
/// right.
#[test]
fn real_public_specs_each_become_a_profile_that_validates() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/openapi/corpus");
    let dir = tempfile::tempdir().unwrap();
    let mut specs: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 10, "{specs:?}");
    let mut profiles = std::collections::BTreeMap::new();
    for spec in &specs {
        let name = spec.file_stem().unwrap().to_string_lossy().to_string();
        let out = dir.path().join(format!("{name}.toml"));
        let output = launch_audit(
            &[
                "init",
                "--openapi",
                spec.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        let written = std::fs::read_to_string(&out).unwrap();
        // What a user types: the values init could not know, and the secrets it names.
        let filled = written
            .replace(
                "base_url = \"FILL IN\"",
                "base_url = \"https://api.corpus.test\"",
            )
            .replace("\"FILL IN\"", "\"1\"");
        std::fs::write(&out, &filled).unwrap();
        let variables: Vec<String> = filled
            .split("${")
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .map(str::to_string)
            .collect();
        let env: Vec<(&str, &str)> = variables.iter().map(|v| (v.as_str(), "x")).collect();
        let output = launch_audit(&["validate", "-c", out.to_str().unwrap()], &env);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}{}\n{filled}",
            stdout(&output),
            stderr(&output)
        );
        profiles.insert(name, toml::from_str::<toml::Table>(&written).unwrap());
    }
    let auth_of = |profile: &toml::Table| -> (usize, usize) {
        let all = routes(profile);
        let required = all
            .iter()
            .filter(|r| r["auth"].as_str() == Some("required"))
            .count();
        (required, all.len() - required)
    };
    // An apiKey named Authorization is a bearer token, and operations that state no
    // security in a spec with schemes are assumed to need one (said in the profile).
    let space = &profiles["openapi.space"];
    let alice = space["identities"]["alice"].as_table().unwrap();
    assert!(alice.get("header").is_none(), "{alice:?}");
    assert_eq!(
        auth_of(space).1,
        0,
        "every non-sign-in operation needs the token"
    );
    // Under base_url, which is the server with its path.
    assert_eq!(
        space["target"]["base_url"].as_str(),
        Some("https://openapi.space/api/v1")
    );
    assert_eq!(alice["login"]["path"].as_str(), Some("/auth/login"));
    let limits: Vec<&str> = space["rate_limits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(limits, ["login", "signup"]);
    // One placeholder per resource: `{id}` under different resources is not pooled.
    let traders = &profiles["spacetraders.io"];
    let placeholders: Vec<&String> = traders["tenants"]["tenant_a"]
        .as_table()
        .unwrap()
        .keys()
        .collect();
    assert!(
        placeholders.iter().all(|p| p.as_str() != "id"),
        "{placeholders:?}"
    );
    // A spec without schemes is public throughout; a global `security: []` says public.
    assert_eq!(auth_of(&profiles["wikipathways.org"]).0, 0);
    assert_eq!(auth_of(&profiles["apache.org_airflow"]).0, 0);
    // Server variables take their defaults; a server path leads every route.
    let intellifi = &profiles["intellifi.nl"];
    assert!(
        intellifi["target"]["base_url"]
            .as_str()
            .is_some_and(|u| !u.contains('{')),
        "{:?}",
        intellifi["target"]
    );
}

/// Checks the generated profile can judge as the hand-written one does: the auth and
/// access checks, which need only the spec, the two logins and the ids init measured.
const FROM_SPEC: &[&str] = &[
    "access.tenant-isolation",
    "auth.invalid-token",
    "auth.jwt-tampering",
    "auth.login",
    "auth.token-in-url",
    "auth.unauthenticated",
    "cache.private-content",
    "health.endpoint",
];

/// The whole path: the spec the app serves → `init --openapi URL --probe` with two logins
/// (the only values typed by hand) → `run` reaches the hand-written profile's verdicts.
/// The two logins `init --probe` is given against the fixture, as its environment.
const CREDENTIALS: [(&str, &str); 4] = [
    ("ALICE_USER", "alice@acme.test"),
    ("ALICE_PASSWORD", fixtures::auth::PASSWORD),
    ("MALLORY_USER", "bob@globex.test"),
    ("MALLORY_PASSWORD", fixtures::auth::PASSWORD),
];

/// `init --openapi` of the fixture's served spec with `--probe` and two logins: the
/// profile's path and what init printed.
fn init_from_the_served_spec(setup: &Setup) -> (std::path::PathBuf, std::process::Output) {
    let out = setup.path("from-spec.toml");
    let spec = format!("{}/openapi.json", setup.target.https_origin("app"));
    let dns = setup.target.dns_addr().to_string();
    let ca = setup.path("fixture-ca.pem");
    let output = launch_audit(
        &[
            "init",
            "--openapi",
            &spec,
            "--probe",
            "--nameserver",
            &dns,
            "--ca-file",
            ca.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &CREDENTIALS,
    );
    (out, output)
}

/// The first screen of an audit run with nothing but what `init` wrote: on the correct
/// app it says no problem was found and lists what to add, by the key that adds it; on the
/// flawed app every problem comes first, worst first, before anything left to verify or
/// open. The decision part of each is a snapshot (ports normalised):
/// tests/snapshots/init-only-{hardened,vulnerable}.txt.
#[test]
fn an_init_only_profile_says_what_was_found_then_what_to_add() {
    for mode in [Mode::Hardened, Mode::Vulnerable] {
        let setup = Setup::start(mode);
        let (profile, output) = init_from_the_served_spec(&setup);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let run = launch_audit(&["run", "-c", profile.to_str().unwrap()], &CREDENTIALS);
        assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
        let screen = stdout(&run);
        let lines: Vec<&str> = screen.lines().collect();
        let headline = lines.get(1).copied().unwrap_or_default();
        let first_blocker = lines
            .iter()
            .position(|l| {
                ["Problems found:", "To verify:", "Handover items open:"]
                    .iter()
                    .any(|section| l.starts_with(section))
            })
            .unwrap_or_else(|| panic!("no blocker section:\n{screen}"));
        let decision: String = std::iter::once(headline)
            .chain(
                lines[first_blocker..]
                    .iter()
                    .copied()
                    .take_while(|l| !l.starts_with("write: ")),
            )
            .map(|l| format!("{}\n", without_ports(l)))
            .collect();
        match mode {
            Mode::Hardened => {
                assert!(
                    headline.starts_with("NOT VERIFIED: no problem found;"),
                    "{screen}"
                );
                assert!(!screen.contains("Problems found:"), "{screen}");
                assert!(screen.contains("To verify:\n  add `"), "{screen}");
            }
            Mode::Vulnerable => {
                assert!(headline.starts_with("NOT READY: "), "{screen}");
                // Every FAIL and ERROR line comes before the first thing to verify or open.
                let problems_end = decision
                    .find("\nTo verify:")
                    .or_else(|| decision.find("\nHandover items open:"))
                    .unwrap_or(decision.len());
                let fails = screen.lines().filter(|l| l.contains(", FAIL]")).count();
                assert_eq!(
                    decision[..problems_end].matches(", FAIL]").count(),
                    fails,
                    "{decision}"
                );
                assert!(fails > 0 && !decision[problems_end..].contains(", FAIL]"));
            }
        }
        let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/snapshots/init-only-{}.txt", mode.name()));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&snapshot, &decision).unwrap();
        }
        let expected = std::fs::read_to_string(&snapshot)
            .unwrap_or_else(|_| panic!("{} (UPDATE_SNAPSHOTS=1 writes it)", snapshot.display()));
        assert_eq!(
            decision, expected,
            "{mode:?}: the first screen changed; review, then UPDATE_SNAPSHOTS=1"
        );
    }
}

/// `:41283` → `:PORT`: the fixture's ports change every run.
fn without_ports(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if (4..=5).contains(&digits) {
            out.push_str("PORT");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn from_the_served_spec_and_two_logins_to_the_same_verdicts() {
    for mode in [Mode::Vulnerable, Mode::Hardened] {
        let setup = Setup::start(mode);
        let (out, output) = init_from_the_served_spec(&setup);
        let credentials = CREDENTIALS;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{mode:?}: {}",
            stderr(&output)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        let profile: toml::Table = toml::from_str(&text).unwrap();
        // Ids measured per tenant, from GET /api/communities as each identity.
        assert_eq!(
            profile["tenants"]["tenant_a"]["communities_id"].as_str(),
            Some("101"),
            "{text}"
        );
        assert_eq!(
            profile["tenants"]["tenant_b"]["communities_id"].as_str(),
            Some("202"),
            "{text}"
        );
        // The spec calls /api/legacy/status public; it refuses strangers: written required.
        let legacy = routes(&profile)
            .into_iter()
            .find(|r| r["path"].as_str() == Some("/api/legacy/status"))
            .unwrap();
        assert_eq!(legacy["auth"].as_str(), Some("required"), "{text}");
        assert!(
            stdout(&output).contains("/api/legacy/status: the spec says public"),
            "{}",
            stdout(&output)
        );
        if mode == Mode::Vulnerable {
            assert!(
                stdout(&output).contains("served a stranger"),
                "the invoices route's missing auth is said: {}",
                stdout(&output)
            );
        }
        // Nothing left to fill in: it runs as written.
        let report = crate::support::run_checks(
            &out,
            FROM_SPEC,
            &credentials,
            &setup.path("from-spec.json"),
        );
        let got: std::collections::BTreeMap<String, String> =
            crate::support::statuses(&report).into_iter().collect();
        for (id, expected) in crate::verdicts::fixture(mode) {
            if FROM_SPEC.contains(&id.as_str()) {
                let result = report["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["id"] == id.as_str());
                assert_eq!(
                    got.get(&id).map(String::as_str),
                    Some(expected.as_str()),
                    "{mode:?} {id}: {result:?}\n{text}"
                );
            }
        }
    }
}

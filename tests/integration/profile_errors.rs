//! Every profile error names file:line:col and the key, exits 2, and sends nothing: the
//! fixture target, running and named by the profile, must see no HTTP request and no DNS query.

use fixtures::Mode;

use crate::support::{Setup, launch_audit, stderr};

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in profile:\n{text}"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = offset - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Writes the edited profile, runs `run` on it and checks the error and the silence.
fn assert_rejected(edit: impl FnOnce(String) -> String, blamed: &str, key: &str, words: &[&str]) {
    let setup = Setup::start_edited(Mode::Vulnerable, edit);
    let output = setup.run(&[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let (line, col) = position(&setup.text, blamed);
    let place = format!("{}:{line}:{col}:", setup.profile.display());
    assert!(
        err.contains(&place),
        "expected {place} in:\n{err}\n--- profile ---\n{}",
        setup.text
    );
    assert!(err.contains(key), "expected key {key} in:\n{err}");
    for word in words {
        assert!(err.contains(word), "expected {word:?} in:\n{err}");
    }
    assert!(
        setup.target.requests().is_empty(),
        "traffic was sent: {:?}",
        setup.target.requests()
    );
    assert!(
        setup.target.dns_queries().is_empty(),
        "DNS was queried: {:?}",
        setup.target.dns_queries()
    );
}

#[test]
fn unknown_key() {
    assert_rejected(
        |text| text.replace("[target]\n", "[target]\ncolour = \"blue\"\n"),
        "colour = ",
        "colour",
        &["unknown field"],
    );
}

#[test]
fn wrong_type() {
    assert_rejected(
        |text| text.replace("timeout = \"5s\"", "timeout = 5"),
        "5\n",
        "network.timeout",
        &["invalid type", "string"],
    );
}

#[test]
fn bad_url() {
    assert_rejected(
        |text| {
            let start = text.find("base_url = ").unwrap();
            let end = start + text[start..].find('\n').unwrap();
            format!(
                "{}base_url = \"htps:/app acme\"{}",
                &text[..start],
                &text[end..]
            )
        },
        "\"htps:/app acme\"",
        "target.base_url",
        &["expected", "URL"],
    );
}

#[test]
fn bad_duration() {
    assert_rejected(
        |text| text.replace("timeout = \"5s\"", "timeout = \"5 parsecs\""),
        "\"5 parsecs\"",
        "network.timeout",
        &["expected a duration", "500ms"],
    );
}

#[test]
fn missing_environment_variable() {
    assert_rejected(
        |text| {
            let start = text.find("token = ").unwrap();
            let end = start + text[start..].find('\n').unwrap();
            format!(
                "{}token = \"${{LA_TEST_UNSET_TOKEN}}\"{}",
                &text[..start],
                &text[end..]
            )
        },
        "\"${LA_TEST_UNSET_TOKEN}\"",
        "identities.alice.token",
        &["LA_TEST_UNSET_TOKEN", "not set"],
    );
}

#[test]
fn unknown_identity() {
    assert_rejected(
        |text| text.replace("identity = \"alice\"", "identity = \"dave\""),
        "\"dave\"",
        "health.identity",
        &["no identity `dave`", "alice"],
    );
}

#[test]
fn unfillable_route_placeholder() {
    assert_rejected(
        |text| {
            text.replace(
                "path = \"/api/me\"",
                "path = \"/api/projects/{project_id}\"",
            )
        },
        "\"/api/projects/{project_id}\"",
        "routes[0].path",
        &["{project_id}", "acme"],
    );
}

#[test]
fn unknown_handover_item() {
    assert_rejected(
        |text| text.replace("[attest.dns-ownership]\nby = ", "[attest.dns-owner]\nby = "),
        "\"Dana Developer\"\non = 2026-11-20\nnote = \"registrar",
        "attest.dns-owner",
        &["no handover item", "dns-ownership", "rollback-plan"],
    );
}

#[test]
fn attestation_without_where_it_is_written() {
    assert_rejected(
        |text| text.replace("note = \"registrar in the founder's account\"\n", ""),
        "\"Dana Developer\"\non = 2026-11-20\n\n",
        "attest.dns-ownership",
        &["`link`", "`note`"],
    );
}

#[test]
fn source_path_that_is_not_a_directory() {
    assert_rejected(
        |text| text.replace("path = \"source\"", "path = \"no-such-repo\""),
        "\"no-such-repo\"",
        "source.path",
        &["not a directory"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let setup = Setup::start_edited(Mode::Vulnerable, |text| {
        text.replace("timeout = \"5s\"", "timeout = \"soon\"")
            .replace("identity = \"alice\"", "identity = \"dave\"")
    });
    let output = setup.run(&[]);
    let err = stderr(&output);
    assert!(
        err.contains("network.timeout") && err.contains("health.identity"),
        "{err}"
    );
    assert!(err.contains("2 problem(s)"), "{err}");
}

#[test]
fn environment_variables_fill_secrets() {
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        let start = text.find("token = ").unwrap();
        let end = start + text[start..].find('\n').unwrap();
        format!(
            "{}token = \"${{LA_TEST_ALICE}}\"{}",
            &text[..start],
            &text[end..]
        )
    });
    let alice = setup.target.token("alice").unwrap();
    let args = ["validate", "-c", setup.profile.to_str().unwrap()];
    let output = launch_audit(&args, &[("LA_TEST_ALICE", alice)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = launch_audit(&args, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("LA_TEST_ALICE"));
    assert!(setup.target.requests().is_empty() && setup.target.dns_queries().is_empty());
}

#[test]
fn ai_tools_take_false_or_a_verify_path() {
    assert_rejected(
        |text| text.replace("tools = { verify_path = \"/api/me\" }", "tools = true"),
        "true\nmax_requests",
        "ai_endpoints[0].tools",
        &["verify_path"],
    );
    assert_rejected(
        |text| {
            text.replace(
                "tools = { verify_path = \"/api/me\" }",
                "tools = { verify = \"/api/me\" }",
            )
        },
        "{ verify = ",
        "ai_endpoints[0].tools",
        &["tools = false", "verify_path"],
    );
}

#[test]
fn log_command_with_an_unknown_placeholder() {
    assert_rejected(
        |text| {
            text.replace(
                "[logs]\n",
                "[logs]\ncommand = \"journalctl -u app --since {started}\"\n",
            )
        },
        "\"journalctl -u app --since {started}\"",
        "logs.command",
        &["unknown placeholder", "{since}", "{since_unix}"],
    );
}

#[test]
fn audit_trail_with_an_unknown_identity() {
    assert_rejected(
        |text| text.replace("identity = \"carol\"", "identity = \"dave\""),
        "\"dave\"",
        "audit_trail.identity",
        &["no identity `dave`", "carol"],
    );
}

#[test]
fn a_fill_in_left_by_init_is_refused_before_any_traffic() {
    assert_rejected(
        |text| text.replace("community_id = \"202\"", "community_id = \"FILL IN\""),
        "FILL IN",
        "tenants.globex.community_id",
        &["`FILL IN` is left here"],
    );
}

#[test]
fn max_attempts_has_a_default() {
    let setup = Setup::start_edited(Mode::Vulnerable, |text| {
        text.replace("max_attempts = 10\nburst = 20\n", "burst = 20\n")
    });
    let profile = launch_audit::profile::load(&setup.profile, &|_| None).expect("valid");
    let login = profile
        .rate_limits
        .iter()
        .find(|r| r.name == "login")
        .unwrap();
    assert_eq!(
        login.max_attempts,
        launch_audit::checks::ratelimit::cfg::DEFAULT_MAX_ATTEMPTS
    );
}

#[test]
fn reads_on_a_get_route_is_refused() {
    assert_rejected(
        |t| t.replacen("[[routes]]\n", "[[routes]]\nreads = true # marked\n", 1),
        "true # marked",
        "routes[0].reads",
        &["already only reads"],
    );
}

#[test]
fn an_unclosed_brace_says_how_to_write_a_literal_one() {
    assert_rejected(
        |t| {
            t.replacen(
                "[[routes]]\n",
                "[[routes]]\nquery = { q = \"{ oops\" }\n",
                1,
            )
        },
        "\"{ oops\"",
        "routes[0].query.q",
        &["write `{{` for a literal `{`"],
    );
}

/// A mutation's `read_back` must name a read operation of its endpoint: without one, the
/// write could not be seen or undone.
#[test]
fn a_mutation_read_back_that_names_no_read_is_refused() {
    assert_rejected(
        |t| {
            t.replacen("has_no = [\"baas\", \"graphql\"]", "has_no = [\"baas\"]", 1)
                + r#"
[[graphql]]
path = "/graphql"

[[graphql.operations]]
name = "an invoice"
query = "query($id: ID!) { invoice(id: $id) { title } }"
variables = { id = "1" }

[[graphql.operations]]
name = "rename"
query = "mutation($id: ID!, $title: String!) { renameInvoice(id: $id, title: $title) { id } }"
variables = { id = "1", title = "x" }
allow_writes = true
read_back = "an invoce"
restore = { title = "/data/invoice/title" }
"#
        },
        "\"an invoce\"",
        "graphql[0].operations[1].read_back",
        &["not the name of a read operation", "(an invoice)"],
    );
}

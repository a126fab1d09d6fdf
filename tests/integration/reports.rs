//! Every report format, rendered from a fixed run (`tests/data/fixed-run.json`) by
//! `report --from`, and checked by a real consumer: the JSON and SARIF against their
//! schemas, the JUnit by a JUnit parser, the Markdown against a snapshot, the HTML in
//! headless Chromium. Then waivers and baselines on real audits of the fixture.

use std::path::{Path, PathBuf};

use fixtures::Mode;

use crate::support::{Setup, launch_audit, read_json, result, status_of, stderr, stdout};

const FIXED_RUN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fixed-run.json");

/// `report --from FIXED_RUN --format FORMAT --out dir/NAME`; returns the file's text.
fn render_fixed(dir: &Path, format: &str) -> String {
    let out = dir.join(format!("fixed.{format}"));
    let output = launch_audit(
        &[
            "report",
            "--from",
            FIXED_RUN,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    // The saved decision is NOT READY: report --from exits as the run did.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    std::fs::read_to_string(&out).unwrap()
}

/// The rtm.5 SARIF schema's `run.language` pattern has a stray `]`, which ECMA-262 regexes
/// (and so the validator's meta-schema check) reject. The file stays byte for byte; the test
/// reads the pattern as evidently intended. We never emit `language`.
const SARIF_BAD_PATTERN: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
const SARIF_INTENDED_PATTERN: &str = r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;

fn validate(schema_path: &str, instance: &serde_json::Value) {
    let text = std::fs::read_to_string(schema_path)
        .unwrap()
        .replace(SARIF_BAD_PATTERN, SARIF_INTENDED_PATTERN);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_path}:\n{}", errors.join("\n"));
}

const REPORT_SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-report.schema.json");
const SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/schemas/sarif-2.1.0-rtm.5.json"
);

#[test]
fn json_matches_the_documented_schema_fixed_and_live() {
    let dir = tempfile::tempdir().unwrap();
    let json: serde_json::Value = serde_json::from_str(&render_fixed(dir.path(), "json")).unwrap();
    validate(REPORT_SCHEMA, &json);
    // A real audit, with every check family's evidence and tables.
    let setup = Setup::start(Mode::Vulnerable);
    let live = setup.path("live.json");
    setup.run(&["--format", "json", "--out", live.to_str().unwrap()]);
    validate(REPORT_SCHEMA, &read_json(&live));
    // Without [[rate_limits]], the family's row is `ratelimit` (never the catalogue's
    // placeholder `ratelimit.<name>`), a SKIP.
    let bare = Setup::start_edited(Mode::Hardened, |text| {
        let start = text.find("# Bursts against").unwrap();
        let end = text.find("# A short open-model load").unwrap();
        format!("{}{}", &text[..start], &text[end..])
    });
    let skipped = bare.path("skipped.json");
    bare.run(&[
        "--only",
        "headers",
        "--only",
        "ratelimit",
        "--format",
        "json",
        "--out",
        skipped.to_str().unwrap(),
    ]);
    let skipped = read_json(&skipped);
    assert_eq!(result(&skipped, "ratelimit")["needs"], "rate_limits");
    validate(REPORT_SCHEMA, &skipped);
    // The schema is not a rubber stamp.
    let mut broken = json.clone();
    broken["results"][0]["status"] = "MAYBE".into();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(REPORT_SCHEMA).unwrap()).unwrap();
    assert!(
        !jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(&broken)
    );
}

#[test]
fn sarif_is_valid_2_1_0_with_rules_suppressions_and_baseline_state() {
    let dir = tempfile::tempdir().unwrap();
    let sarif: serde_json::Value =
        serde_json::from_str(&render_fixed(dir.path(), "sarif")).unwrap();
    validate(SARIF_SCHEMA, &sarif);
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 8, "a rule per check of the run");
    let role = rules
        .iter()
        .find(|r| r["id"] == "access.role-matrix")
        .unwrap();
    assert!(
        role["help"]["text"].as_str().unwrap().contains("Fix: "),
        "{role}"
    );
    assert_eq!(role["properties"]["security-severity"], "9.5");
    let results = run["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "access.role-matrix",
            "headers.security",
            "tls.protocols",
            "exposure.source-maps"
        ]
    );
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], r["ruleId"],
            "ruleIndex points at its rule"
        );
    }
    assert_eq!(results[0]["baselineState"], "unchanged");
    assert_eq!(results[1]["baselineState"], "new");
    assert_eq!(results[3]["suppressions"][0]["kind"], "external");
    assert!(
        results[3]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("ACME-42")
    );

    let setup = Setup::start(Mode::Vulnerable);
    let live = setup.path("live.sarif");
    setup.run(&["--format", "sarif", "--out", live.to_str().unwrap()]);
    validate(SARIF_SCHEMA, &read_json(&live));
}

#[test]
fn junit_parses_back_with_a_testcase_per_check() {
    let dir = tempfile::tempdir().unwrap();
    let xml = render_fixed(dir.path(), "junit");
    let suites =
        junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).expect("JUnit parses");
    let cases: Vec<&junit_parser::TestCase> = suites.suites.iter().flat_map(|s| &s.cases).collect();
    assert_eq!(cases.len(), 8);
    assert_eq!(suites.suites.len(), 7, "a suite per family");
    let case = |name: &str| *cases.iter().find(|c| c.original_name == name).unwrap();
    assert!(case("access.role-matrix").status.is_failure());
    assert!(case("tls.protocols").status.is_error());
    for skipped in [
        "health.endpoint",
        "auth.jwt-tampering",
        "exposure.source-maps",
    ] {
        assert!(case(skipped).status.is_skipped(), "{skipped}");
    }
    for passed in ["tls.hsts", "headers.security", "edge.cdn"] {
        assert!(case(passed).status.is_success(), "{passed}");
    }
    assert_eq!((suites.failures, suites.errors, suites.skipped), (1, 1, 3));
    // Markup in evidence is escaped, not injected.
    assert!(xml.contains("&lt;script&gt;") && !xml.contains("<script>"));
}

#[test]
fn markdown_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let markdown = render_fixed(dir.path(), "markdown");
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/fixed-run.md");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &markdown).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot)
        .expect("tests/snapshots/fixed-run.md (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(
        markdown, expected,
        "Markdown changed; review, then UPDATE_SNAPSHOTS=1"
    );
}

/// The terminal scorecard's layout: decision first and last, areas, one line per check
/// within 120 columns, blockers with fixes.
#[test]
fn table_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let table = render_fixed(dir.path(), "table");
    for line in table.lines() {
        assert!(
            line.chars().count() <= 120,
            "wider than 120 columns: {line}"
        );
    }
    assert!(
        table.lines().nth(1).unwrap_or("").starts_with("NOT READY"),
        "{table}"
    );
    assert!(
        table
            .trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("NOT READY"),
        "{table}"
    );
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/fixed-run.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &table).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot)
        .expect("tests/snapshots/fixed-run.txt (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(
        table, expected,
        "the table changed; review, then UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn report_from_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("other.json");
    std::fs::write(&bogus, r#"{"schema_version": 99}"#).unwrap();
    let output = launch_audit(
        &[
            "report",
            "--from",
            bogus.to_str().unwrap(),
            "--format",
            "markdown",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("schema_version 99 is not 2"),
        "{}",
        stderr(&output)
    );
    let output = launch_audit(&["report", "--from", "/nonexistent.json"], &[]);
    assert_eq!(output.status.code(), Some(2));
}

/// Chromium, headless, as the machine's notes prescribe (no sandbox as root, no background
/// networking), with a recording proxy: any request the page made would arrive there.
fn chromium(dir: &Path, args: &[String], page: &Path) -> (std::process::Output, Vec<String>) {
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = proxy.local_addr().unwrap().port();
    proxy.set_nonblocking(true).unwrap();
    let user_data = dir.join("chromium-profile");
    let mut command = std::process::Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", user_data.display()))
        .arg(format!("--proxy-server=127.0.0.1:{port}"))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(format!("file://{}", page.display()));
    let output = command
        .output()
        .expect("chromium is needed (Debian package chromium; scripts/test installs it)");
    let mut requests = Vec::new();
    while let Ok((mut stream, _)) = proxy.accept() {
        use std::io::Read;
        let mut head = [0u8; 256];
        stream.set_nonblocking(false).ok();
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .ok();
        let n = stream.read(&mut head).unwrap_or(0);
        requests.push(
            String::from_utf8_lossy(&head[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        );
    }
    (output, requests)
}

/// Chromium's own services (time sync, sign-in) call out at start whatever the page does.
fn from_the_page(requests: &[String]) -> Vec<&String> {
    requests
        .iter()
        .filter(|r| {
            !["google.com", "googleapis.com", "gstatic.com"]
                .iter()
                .any(|h| r.contains(h))
        })
        .collect()
}

#[test]
fn html_renders_in_chromium_to_pdf_and_png_without_a_request_or_console_error() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::start(Mode::Vulnerable);
    let page: PathBuf = setup.path("report.html");
    setup.run(&["--format", "html", "--out", page.to_str().unwrap()]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("default-src 'none'"),
        "a CSP forbids fetching"
    );
    for external in ["src=\"http", "href=\"http", "url(", "@import", "<script"] {
        assert!(!html.contains(external), "self-contained: found {external}");
    }
    for part in [
        "NOT READY",
        "Launch checklist",
        "Why it matters",
        "What breaks if it fails",
        "role matrix: identity × route",
        "Redirect chains",
        "Profile SHA-256",
        "<svg",
        "aria-label=\"latency histogram\"",
        "Latency by route",
    ] {
        assert!(html.contains(part), "{part}");
    }

    let pdf = dir.path().join("report.pdf");
    let (output, requests) = chromium(
        dir.path(),
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
        &page,
    );
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains(":CONSOLE"), "console messages:\n{log}");
    assert!(
        from_the_page(&requests).is_empty(),
        "the page fetched: {requests:?}"
    );
    let bytes = std::fs::read(&pdf).expect("a PDF was printed");
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );

    let png = dir.path().join("report.png");
    let (output, requests) = chromium(
        dir.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1200,1600".into(),
        ],
        &page,
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains(":CONSOLE"));
    assert!(from_the_page(&requests).is_empty(), "{requests:?}");
    let bytes = std::fs::read(&png).expect("a screenshot was taken");
    assert!(bytes.starts_with(b"\x89PNG"));
}

/// The vulnerable profile plus `waivers` (TOML appended at the end).
fn with_waivers(waivers: &str) -> Setup {
    let waivers = waivers.to_string();
    Setup::start_edited(Mode::Vulnerable, move |text| format!("{text}\n{waivers}"))
}

#[test]
fn a_live_waiver_turns_fail_into_waived_and_stale_ones_are_named() {
    let setup = with_waivers(
        r#"
[[waivers]]
check = "headers.security"
reason = "CSP rollout tracked in ACME-42"
expires = 2099-12-31

[[waivers]]
check = "tls.hsts"
reason = "old decision"
expires = 2020-01-01

[[waivers]]
check = "exposure.source-maps"
route = "/nowhere"
reason = "nothing matches this"
expires = 2099-12-31
"#,
    );
    let json = setup.path("waived.json");
    let markdown = setup.path("waived.md");
    let sarif = setup.path("waived.sarif");
    let output = setup.run(&[
        "--only",
        "headers.security",
        "--only",
        "tls.hsts",
        "--only",
        "exposure.source-maps",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
        "--format",
        "markdown",
        "--out",
        markdown.to_str().unwrap(),
        "--format",
        "sarif",
        "--out",
        sarif.to_str().unwrap(),
        "--format",
        "table",
    ]);
    let table = stdout(&output);
    let report = read_json(&json);
    let headers = result(&report, "headers.security");
    assert_eq!(headers["status"], "WAIVED");
    assert_eq!(headers["waiver"]["waived_status"], "FAIL");
    assert_eq!(headers["waiver"]["expires"], "2099-12-31");
    // Expired: ignored, the FAIL counts and blocks.
    assert_eq!(status_of(&report, "tls.hsts"), "FAIL");
    assert_eq!(status_of(&report, "exposure.source-maps"), "FAIL");
    let row = result(&report, "audit.waivers");
    assert_eq!(row["status"], "WARN");
    let summary = row["summary"].as_str().unwrap();
    assert!(
        summary.contains("waiver for tls.hsts: expired on 2020-01-01"),
        "{summary}"
    );
    assert!(
        summary.contains("waiver for exposure.source-maps on /nowhere: matches no FAIL or WARN"),
        "{summary}"
    );
    let blockers: Vec<&str> = report["decision"]["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert!(
        !blockers.contains(&"headers.security") && blockers.contains(&"tls.hsts"),
        "{blockers:?}"
    );
    for text in [table, std::fs::read_to_string(&markdown).unwrap()] {
        assert!(
            text.contains("WAIVED") && text.contains("ACME-42"),
            "{text}"
        );
    }
    validate(SARIF_SCHEMA, &read_json(&sarif));
    validate(REPORT_SCHEMA, &report);
    // An accepted risk is not a task; the expired waiver's finding is.
    let tasks: Vec<&str> = report["next_tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        !tasks.contains(&"headers.security") && tasks.contains(&"tls.hsts"),
        "{tasks:?}"
    );
}

#[test]
fn waiving_the_only_failure_makes_the_run_ready() {
    // The hardened target, also inspecting a host whose certificate expires in 5 days.
    let setup = Setup::start_edited(Mode::Hardened, |text| {
        let port = crate::support::https_port(&text);
        format!(
            "{}\n[[waivers]]\ncheck = \"tls.expiry\"\nhost = \"expiring.acme.test\"\nreason = \"renewal booked for Friday (OPS-7)\"\nexpires = 2099-01-01\n",
            text.replacen(
                "[tls]\nhosts = []",
                &format!("[tls]\nhosts = [\"https://expiring.acme.test:{port}\"]"),
                1
            )
        )
    });
    let unwaived = Setup::start_edited(Mode::Hardened, |text| {
        let port = crate::support::https_port(&text);
        text.replacen(
            "[tls]\nhosts = []",
            &format!("[tls]\nhosts = [\"https://expiring.acme.test:{port}\"]"),
            1,
        )
    });
    assert_eq!(
        unwaived.run(&[]).status.code(),
        Some(1),
        "the expiring certificate blocks"
    );
    let output = setup.run(&[]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains("1 WAIVED") && out.starts_with("Acme") && out.contains("READY:"),
        "{out}"
    );
}

#[test]
fn waiver_errors_name_file_line_col_and_key() {
    let setup = with_waivers(
        "[[waivers]]\ncheck = \"headers.nope\"\nreason = \"\"\nexpires = 2026-12-31T10:00:00Z\n",
    );
    let output = setup.run(&[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    for key in [
        "`waivers[0].check`: no check or family `headers.nope`",
        "`waivers[0].reason`",
        "`waivers[0].expires`: expected a date",
    ] {
        assert!(err.contains(key), "{key} in {err}");
    }
    assert!(err.contains("audit.toml:"), "{err}");
}

/// Blockers that are findings (FAIL/ERROR), not checks left out by `--only`.
fn blocking_findings(report: &serde_json::Value) -> Vec<String> {
    report["decision"]["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["status"] != "SKIP")
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn baseline_marks_findings_new_or_known_and_fail_on_new_gates_only_new_ones() {
    let setup = Setup::start(Mode::Vulnerable);
    let first = setup.path("first.json");
    let only = ["--only", "headers.security", "--only", "tls.hsts"];
    let mut args = only.to_vec();
    args.extend(["--format", "json", "--out", first.to_str().unwrap()]);
    assert_eq!(setup.run(&args).status.code(), Some(1));

    // The same findings again: all known, and --fail-on new lets the run through.
    let second = setup.path("second.json");
    let mut args = only.to_vec();
    args.extend([
        "--baseline",
        first.to_str().unwrap(),
        "--fail-on",
        "new",
        "--format",
        "json",
        "--out",
        second.to_str().unwrap(),
    ]);
    setup.run(&args);
    let report = read_json(&second);
    for id in ["headers.security", "tls.hsts"] {
        assert_eq!(result(&report, id)["novelty"], "known", "{id}");
    }
    // Known findings do not block (checks left out by --only still do, as not run).
    assert!(
        blocking_findings(&report).is_empty(),
        "{:?}",
        blocking_findings(&report)
    );

    // A baseline in which only the headers failed: the HSTS finding is new and blocks.
    let mut narrowed = read_json(&first);
    narrowed["results"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["id"] != "tls.hsts");
    let partial = setup.path("partial.json");
    std::fs::write(&partial, narrowed.to_string()).unwrap();
    let third = setup.path("third.json");
    let mut args = only.to_vec();
    args.extend([
        "--baseline",
        partial.to_str().unwrap(),
        "--fail-on",
        "new",
        "--format",
        "json",
        "--out",
        third.to_str().unwrap(),
    ]);
    assert_eq!(setup.run(&args).status.code(), Some(1));
    let report = read_json(&third);
    assert_eq!(result(&report, "tls.hsts")["novelty"], "new");
    assert_eq!(result(&report, "headers.security")["novelty"], "known");
    assert_eq!(blocking_findings(&report), ["tls.hsts"]);

    let output = setup.run(&["--fail-on", "new"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--fail-on new needs --baseline"));
}

/// Audits with `--only` each of `only` (everything when empty) to JSON (validated against
/// the documented schema), Markdown and HTML; returns the three.
fn json_markdown_html(setup: &Setup, only: &[&str]) -> (serde_json::Value, String, String) {
    let (json, markdown, html) = (
        setup.path("run.json"),
        setup.path("run.md"),
        setup.path("run.html"),
    );
    let mut args: Vec<&str> = only.iter().flat_map(|id| ["--only", id]).collect();
    for (format, path) in [("json", &json), ("markdown", &markdown), ("html", &html)] {
        args.extend(["--format", format, "--out", path.to_str().unwrap()]);
    }
    setup.run(&args);
    let report = read_json(&json);
    validate(REPORT_SCHEMA, &report);
    let text = |path: &PathBuf| std::fs::read_to_string(path).unwrap();
    (report, text(&markdown), text(&html))
}

#[test]
fn next_tasks_rank_the_open_findings_with_their_fixes() {
    let setup = Setup::start(Mode::Vulnerable);
    let (report, markdown, html) = json_markdown_html(&setup, &[]);
    let tasks = report["next_tasks"].as_array().unwrap();
    let failing = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| ["FAIL", "ERROR", "OPEN", "WARN"].contains(&r["status"].as_str().unwrap()))
        .count();
    assert_eq!(tasks.len(), failing, "every open finding is a task");
    let severity_rank = |s: &str| {
        ["critical", "high", "medium", "low", "info"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    for (index, pair) in tasks.windows(2).enumerate() {
        assert_eq!(pair[0]["rank"].as_u64().unwrap() as usize, index + 1);
        let key = |t: &serde_json::Value| {
            (
                !t["blocking"].as_bool().unwrap(),
                severity_rank(t["severity"].as_str().unwrap()),
            )
        };
        assert!(
            key(&pair[0]) <= key(&pair[1]),
            "{} before {}",
            pair[0],
            pair[1]
        );
    }
    assert_eq!(tasks[0]["severity"], "critical");
    assert!(tasks[0]["blocking"].as_bool().unwrap());
    assert!(!tasks[0]["fix"].as_str().unwrap().is_empty());
    // WARNs do not block by default: they come after every blocker.
    let first_warn = tasks.iter().position(|t| t["status"] == "WARN").unwrap();
    assert!(
        tasks[first_warn..]
            .iter()
            .all(|t| !t["blocking"].as_bool().unwrap())
    );
    assert!(
        markdown.contains("### Next tasks") && markdown.contains("- [ ] **critical** `"),
        "{markdown}"
    );
    assert!(html.contains("Next tasks, most urgent first"));

    let hardened = Setup::start(Mode::Hardened);
    let json = hardened.path("tasks.json");
    hardened.run(&["--format", "json", "--out", json.to_str().unwrap()]);
    assert_eq!(
        read_json(&json)["next_tasks"].as_array().unwrap().len(),
        0,
        "READY: nothing left to do"
    );
}

#[test]
fn the_dns_inventory_matches_the_fixture_zone_in_every_format() {
    let setup = Setup::start(Mode::Hardened);
    let (report, markdown, html) = json_markdown_html(&setup, &["dns", "email"]);
    let rows: Vec<(String, String, String, u64)> = report["dns_inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["kind"].as_str().unwrap().into(),
                r["value"].as_str().unwrap().into(),
                r["ttl"].as_u64().unwrap(),
            )
        })
        .collect();
    // What fixtures/zones/hardened.acme.test.zone says, for the names the profile uses.
    for (name, kind, value) in [
        ("acme.test", "A", "127.0.0.1"),
        ("acme.test", "MX", "10 mx1.acme.test."),
        (
            "acme.test",
            "TXT",
            "v=spf1 ip4:192.0.2.10 ip4:127.0.0.1 include:_spf.mailer.acme.test -all",
        ),
        ("acme.test", "CAA", "0 issue \"fixture-ca.acme.test\""),
        ("acme.test", "CAA", "0 iodef \"mailto:security@acme.test\""),
        ("app.acme.test", "A", "127.0.0.1"),
        ("www.acme.test", "A", "127.0.0.1"),
        ("blog.acme.test", "CNAME", "app.acme.test."),
    ] {
        assert!(
            rows.iter().any(|(n, k, v, ttl)| n == name
                && k == kind
                && v == value
                && *ttl > 0
                && *ttl <= 300),
            "{name} {kind} {value} in {rows:?}"
        );
    }
    assert_eq!(
        rows.len(),
        8,
        "nothing else, and no address under the alias: {rows:?}"
    );
    assert!(markdown.contains("| blog.acme.test | CNAME |"));
    assert!(html.contains("<h2>DNS inventory</h2>"));

    // No DNS check selected: no inventory, no extra queries.
    let json = setup.path("none.json");
    setup.run(&[
        "--only",
        "headers",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(
        read_json(&json)["dns_inventory"].as_array().unwrap().len(),
        0
    );
}

/// The HTML report opens with what a client reads first: the summary with the most urgent
/// fixes, then the scorecard by area.
#[test]
fn html_opens_with_a_summary_and_the_areas() {
    let dir = tempfile::tempdir().unwrap();
    let html = render_fixed(dir.path(), "html");
    let summary = html.find("<h2>Summary</h2>").expect("a summary");
    let areas = html.find("<h2>By area</h2>").expect("the areas");
    let blockers = html
        .find("<h2>What blocks the launch</h2>")
        .expect("the blockers");
    assert!(
        summary < areas && areas < blockers,
        "summary, areas, then blockers"
    );
    assert!(
        html.contains("<ol class=\"urgent\">"),
        "the most urgent fixes"
    );
    assert!(html.contains(">BLOCKED</span>") && html.contains("Tenants and roles"));
}

/// Each finding in the HTML carries its impact, fix and references, and its coverage when
/// it counted what it probed.
#[test]
fn html_findings_carry_impact_fix_references_and_coverage() {
    let setup = crate::support::Setup::start(fixtures::Mode::Vulnerable);
    let html_path = setup.path("run.html");
    setup.run(&[
        "--only",
        "auth.unauthenticated",
        "--format",
        "html",
        "--out",
        html_path.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    let section = html
        .split("<div class=\"check\" id=\"auth.unauthenticated\">")
        .nth(1)
        .expect("the finding's section");
    let section = section
        .split("<div class=\"check\"")
        .next()
        .unwrap_or(section);
    for part in ["What breaks:", "<b>Fix:</b>", "References:", "Coverage: "] {
        assert!(section.contains(part), "{part} in {section}");
    }
}

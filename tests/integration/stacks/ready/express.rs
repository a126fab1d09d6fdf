//! The Express stack complete (tests/stacks/express/app.js, `right`), with its domain's
//! zone, its mail through MailDev 2, journeys, load, logs, repository and attestations.

use super::{
    Baseline, CORS_REFLECT, Flaw, NO_LOGIN_LIMIT, Plant, REUSABLE_RESET, attestations,
    audit_mail_app, mail_sections, meets_the_one_flaw_matrix, operations,
};
use crate::stacks::Child;

const DOMAIN: &str = "express.test";

const FLAWS: &[Flaw] = &[
    CORS_REFLECT,
    NO_LOGIN_LIMIT,
    Flaw {
        name: "a scoped record route beside an unscoped list",
        plant: Plant::App("unscoped-list"),
        moves: &[("access.tenant-isolation", "FAIL")],
    },
    REUSABLE_RESET,
    Flaw {
        name: "SPF +all",
        plant: Plant::Zone("\"v=spf1 ip4:127.0.0.1 -all\"", "\"v=spf1 +all\""),
        moves: &[("email.spf", "FAIL")],
    },
    Flaw {
        name: "DMARC that only monitors",
        plant: Plant::Zone("p=reject; sp=reject;", "p=none;"),
        // A deliberate stage of a DMARC rollout, so a warning, not a FAIL: READY stays.
        moves: &[("email.dmarc", "WARN")],
    },
];

/// The complete profile: the Express stack's own (routes, identities, tenants, login burst)
/// with the domain, mail, journeys, load, logs, repository and attestations added.
fn complete_profile(server: &Child, dns: std::net::SocketAddr, catcher: u16) -> String {
    let text = crate::stacks::express::profile("right", server);
    // Its JSON-token reset journey gives way to the real mail journeys below.
    let text = &text[..text.find("[[journeys]]").expect("the stack's journey")];
    let http = server.port("http_port");
    let text = text
        .replace(
            "environment = \"staging\"\nhas_no = [\"webhooks\", \"ai_endpoints\"]\n",
            &format!(
                "environment = \"staging\"\ndomain = \"{DOMAIN}\"\nentry_points = [\"http://127.0.0.1:{http}/\"]\nhas_no = [\"webhooks\", \"ai_endpoints\", \"audit_trail\", \"baas\", \"graphql\"]\n"
            ),
        )
        .replace(
            "[network]\n",
            &format!("[network]\nnameservers = [\"{dns}\"]\n"),
        )
        .replace(
            "name = \"current user\"\npath = \"/api/me\"\nauth = \"required\"\n",
            "name = \"current user\"\npath = \"/api/me\"\nauth = \"required\"\nonboarding = true\n",
        );
    assert!(text.contains(&format!("domain = \"{DOMAIN}\"")), "{text}");
    let attestations = attestations();
    let operations = operations("app.log");
    let mail = mail_sections(DOMAIN, catcher);
    format!(
        r#"{text}
{mail}
{operations}{attestations}"#
    )
}

/// Starts the complete stack with `flaw` planted (none: the baseline), audits it with the
/// whole catalogue, and returns (exit code, JSON report).
fn audit_complete(flaw: Option<&Flaw>) -> (i32, serde_json::Value) {
    audit_mail_app(
        DOMAIN,
        flaw,
        crate::stacks::express::start_complete,
        complete_profile,
    )
}

#[test]
fn a_correct_app_is_ready_and_one_flaw_gives_one_fail() {
    meets_the_one_flaw_matrix(Baseline::Ready, FLAWS, audit_complete);
}

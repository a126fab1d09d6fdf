//! `audit.example.toml` documents every key: it must parse and validate.

use std::path::Path;

#[test]
fn example_profile_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../audit.example.toml");
    // Its ca_file is relative to the profile; give it a real certificate to read.
    std::fs::create_dir_all(dir.path().join("certs")).unwrap();
    let target = fixtures::Target::start(fixtures::Mode::Hardened).unwrap();
    std::fs::write(dir.path().join("certs/staging-ca.pem"), target.ca_pem()).unwrap();
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    std::fs::write(
        dir.path().join("keys/jwt-public.pem"),
        fixtures::auth::RSA_PUBLIC_PEM,
    )
    .unwrap();
    let path = dir.path().join("audit.toml");
    std::fs::write(&path, text).unwrap();
    let env = |name: &str| match name {
        "ALICE_TOKEN"
        | "MALLORY_TOKEN"
        | "ADA_TOKEN"
        | "ALICE_EXPIRED_TOKEN"
        | "ALICE_PASSWORD"
        | "DANA_PASSWORD"
        | "REPORTER_CLIENT_SECRET"
        | "AI_SYSTEM_CANARY"
        | "ACME_AI_MARKER"
        | "STRIPE_WEBHOOK_SECRET"
        | "MAIL_USER"
        | "MAIL_PASSWORD"
        | "SIGNUP_PASSWORD"
        | "RESET_PASSWORD"
        | "OLD_INVITE_TOKEN"
        | "SUPABASE_ANON_KEY"
        | "SUPABASE_SERVICE_ROLE_KEY" => Some(format!("secret-for-{name}")),
        "RESET_ACCOUNT" => Some("reset-audit@acme.test".into()),
        _ => None,
    };
    let profile = launch_audit::profile::load(&path, &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.identities.len(), 6);
    assert_eq!(profile.routes.len(), 4);
    // Literal braces in a body, and a POST that only reads.
    let search = &profile.routes[2];
    assert!(search.reads && search.only_reads() && !search.allow_writes);
    let filled = search
        .fill(&std::collections::BTreeMap::from([(
            "community_id".to_string(),
            "101".to_string(),
        )]))
        .expect("filled");
    assert_eq!(
        filled.body.expect("a body")["filter"],
        "{ \"role\": \"member\" }"
    );
    assert_eq!(profile.rate_limits.len(), 1);
    assert!(profile.latency.is_some() && profile.routes.iter().any(|r| r.onboarding));
    assert_eq!(profile.tls.hosts.len(), 1);
    let trail = profile.audit_trail.as_ref().expect("[audit_trail]");
    assert_eq!(profile.routes[trail.route].name, "rename a community");
    let logs = profile.logs.as_ref().expect("[logs]");
    assert_eq!(logs.files.len(), 2);
    assert!(logs.command.is_some());
    assert_eq!(profile.redirects.paths.len(), 3);
    assert!(profile.repository.as_ref().is_some_and(|r| r.history));
    assert_eq!(
        profile.attestations.keys().collect::<Vec<_>>(),
        ["backups", "rollback-plan"]
    );
    assert_eq!(profile.waivers.len(), 1);
    assert!(profile.mail.is_some());
    assert_eq!(profile.journeys.len(), 2);
    assert_eq!(profile.journeys[0].steps.len(), 6);
    assert_eq!(profile.tokens.len(), 3);
    for secret in [
        "secret-for-MAIL_PASSWORD",
        "secret-for-OLD_INVITE_TOKEN",
        "secret-for-SIGNUP_PASSWORD",
    ] {
        assert!(
            profile.secrets().contains(&secret.to_string()),
            "{secret} is masked"
        );
    }
    assert!(profile.health.is_some() && profile.session.is_some());
    assert!(profile.auth.jwt_public_key.is_some());
    assert_eq!(profile.ai_endpoints.len(), 1);
    assert_eq!(profile.webhooks.len(), 1);
    assert!(
        profile
            .secrets()
            .contains(&"secret-for-ACME_AI_MARKER".to_string()),
        "the marker is masked"
    );
    // Values from ${VAR} in login bodies and client secrets are secrets to redact.
    for secret in [
        "secret-for-ALICE_PASSWORD",
        "secret-for-DANA_PASSWORD",
        "secret-for-REPORTER_CLIENT_SECRET",
    ] {
        assert!(
            profile.secrets().contains(&secret.to_string()),
            "{secret} is not redacted"
        );
    }
    assert!(Path::new(&profile.source).ends_with("audit.toml"));
}

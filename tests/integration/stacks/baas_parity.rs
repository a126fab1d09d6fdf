//! init's parity on the back ends as a service: `init --url --probe` on the front end alone,
//! with two identities and the privileged key in the environment, against the hand-written
//! profile, right and wrong: PocketBase (two logins; the stack's own profile plus its login
//! burst) and the Supabase-style stack (two users' JWTs; its own profile). The profile is
//! run as init wrote it.

use super::baas::{
    audit_with, init_with, key, pocketbase_env, pocketbase_profile, start_pocketbase,
    start_supabase, supabase_env, supabase_profile,
};

/// What the two profiles are compared on: the back end's own family (access, for an app
/// whose browser talks to its data directly), auth, CORS, the bundle and the login burst.
const PARITY: &[&str] = &[
    "baas.privileged-key",
    "baas.public-read",
    "baas.cross-tenant",
    "baas.public-write",
    "baas.functions",
    "auth.unauthenticated",
    "auth.invalid-token",
    "access.tenant-isolation",
    "cors.origin-policy",
    "secrets.client-bundle",
    "exposure.source-maps",
    "ratelimit.login",
];

/// `--probe` measures which tables are public by design: `posts`, which anyone reads as
/// alice and mallory do, naming no user; never `notes`, whose rows carry their owner, even
/// where anyone reads them (wrong).
fn assert_public_is_measured(text: &str) {
    assert!(
        text.contains("[baas]\n") && text.contains("public = [\"posts\"]   # measured"),
        "init measures the public tables: {text}"
    );
}

#[test]
fn init_from_a_pocketbase_front_end_reaches_the_hand_written_verdicts() {
    for variant in ["wrong", "right"] {
        let scratch = tempfile::tempdir().expect("temp dir");
        let pb = start_pocketbase(variant, scratch.path());
        let env = pocketbase_env(&pb);
        let text = init_with(
            &format!("http://127.0.0.1:{}/", pb.port),
            &["--probe"],
            &env,
            scratch.path(),
            &format!("pocketbase-{variant}"),
        );
        assert!(
            text.contains("[[rate_limits]]\nname = \"login\"\npath = \"/api/collections/users/auth-with-password\"\nbody = { identity = \"launch-audit-nobody@acme.test\", password = \"not-the-password\" }"),
            "{text}"
        );
        assert_public_is_measured(&text);
        let from_init = audit_with(
            &format!("pocketbase-{variant}-from-init"),
            &text,
            PARITY,
            &env,
            scratch.path(),
        );
        let hand = format!(
            "{}\n[[rate_limits]]\nname = \"login\"\npath = \"/api/collections/users/auth-with-password\"\nbody = {{ identity = \"nobody@acme.test\", password = \"not-the-password\" }}\n",
            pocketbase_profile(&pb, variant)
        );
        let by_hand = audit_with(
            &format!("pocketbase-{variant}-by-hand"),
            &hand,
            PARITY,
            &env,
            scratch.path(),
        );
        for check in PARITY {
            assert_eq!(
                crate::support::status_of(&from_init, check),
                crate::support::status_of(&by_hand, check),
                "pocketbase/{variant} {check}: from init {:#}\nby hand {:#}\n{text}",
                crate::support::result(&from_init, check),
                crate::support::result(&by_hand, check)
            );
        }
        let expected = if variant == "wrong" { "FAIL" } else { "PASS" };
        for check in ["baas.public-read", "baas.cross-tenant"] {
            assert_eq!(
                crate::support::status_of(&from_init, check),
                expected,
                "pocketbase/{variant} {check}: {from_init:#}"
            );
        }
    }
}

/// The Supabase-style stack runs no auth server (none is in these registries), so neither
/// profile has a login burst: the rest is compared.
#[test]
fn init_from_a_supabase_front_end_reaches_the_hand_written_verdicts() {
    let checks: Vec<&str> = PARITY
        .iter()
        .copied()
        .filter(|c| *c != "ratelimit.login")
        .collect();
    for variant in ["wrong", "right"] {
        let (scratch, stack) = start_supabase(variant, &format!("supabase-{variant}"));
        let mut env = supabase_env();
        env.extend([
            ("ALICE_TOKEN".to_string(), key("alice")),
            ("MALLORY_TOKEN".into(), key("mallory")),
        ]);
        let text = init_with(
            &format!("http://127.0.0.1:{}/", stack.web),
            &["--probe"],
            &env,
            scratch.path(),
            &format!("supabase-{variant}"),
        );
        assert_public_is_measured(&text);
        let from_init = audit_with(
            &format!("supabase-{variant}-from-init"),
            &text,
            &checks,
            &env,
            scratch.path(),
        );
        let by_hand = audit_with(
            &format!("supabase-{variant}-by-hand"),
            &supabase_profile(&stack, variant),
            &checks,
            &env,
            scratch.path(),
        );
        for check in &checks {
            assert_eq!(
                crate::support::status_of(&from_init, check),
                crate::support::status_of(&by_hand, check),
                "supabase/{variant} {check}: from init {:#}\nby hand {:#}\n{text}",
                crate::support::result(&from_init, check),
                crate::support::result(&by_hand, check)
            );
        }
    }
}

//! `baas.privileged-key`: the key a data API client is created with in the app's scripts is
//! the public one. A `service_role` JWT or a `sb_secret_` key bypasses every rule; a
//! publishable key (anon, `sb_publishable_`) is meant to be public and is said to be so,
//! since other scanners flag it and users rotate the wrong key. A PocketBase superuser's
//! token, or a superuser sign-in with literal credentials, is a privileged key too.

use super::cfg::BaasKind;
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct PrivilegedKey;

/// Roles whose key bypasses row security.
const PRIVILEGED_ROLES: [&str; 2] = ["service_role", "supabase_admin"];

impl Check for PrivilegedKey {
    fn id(&self) -> &str {
        "baas.privileged-key"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        // Keys are looked for in the scripts the app ships; an API-only deploy ships none.
        match super::applicability(profile) {
            Applicability::Run => {
                crate::checks::front_end_absent(profile).unwrap_or(Applicability::Run)
            }
            other => other,
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let bundle = crate::shipped::collect(ctx).await;
            let surface = crate::discovery::surface(ctx).await;

            if surface.baas.is_empty()
                && ctx.profile.baas.is_none()
                && surface.privileged_keys.is_empty()
                && surface.superuser_sign_ins.is_empty()
                && surface.firebase.is_empty()
            {
                // Nothing says the app uses such an API: the family's SKIP.
                return match super::configured(ctx).await {
                    Err(skip) => skip,
                    Ok(_) => Finding::error("unreachable: [baas] is declared"),
                };
            }
            let mut observations = bundle.page_error_observations();
            observations.extend(bundle.unscanned_observations());
            for client in &surface.baas {
                let subject = format!(
                    "{:?} client for {} ({})",
                    client.kind, client.url, client.found_in
                );
                let key = client.key.as_deref().unwrap_or_default();
                if !key.is_empty() {
                    // A key seen in what the app serves is redacted like the profile's.
                    ctx.redactor.add(key.to_string());
                }
                let role = client.role.as_deref();
                let observation = if key.starts_with("sb_secret_")
                    || role.is_some_and(|r| PRIVILEGED_ROLES.contains(&r))
                {
                    Observation::new(
                        Status::Fail,
                        subject,
                        format!(
                            "created with a privileged key ({}): anyone who opens the page reads, changes and deletes every row, past every row security policy",
                            role.unwrap_or("sb_secret_")
                        ),
                    )
                } else if client.kind == BaasKind::PocketBase {
                    Observation::new(
                        Status::Pass,
                        subject,
                        "created with no key: what protects the data is each collection's rules (baas.public-read, baas.cross-tenant)",
                    )
                } else {
                    Observation::new(
                        Status::Pass,
                        subject,
                        format!(
                            "created with the publishable key ({}): meant to be public and not a finding by itself; what protects the data is row security (baas.public-read)",
                            role.unwrap_or("sb_publishable_")
                        ),
                    )
                };
                observations.push(ctx_redacted(ctx, observation));
            }
            // Privileged keys anywhere else in the scripts (a client made elsewhere, a key
            // kept for an admin screen).
            for key in &surface.privileged_keys {
                ctx.redactor.add(key.value.clone());
                if surface
                    .baas
                    .iter()
                    .any(|c| c.key.as_deref() == Some(key.value.as_str()))
                {
                    continue;
                }
                observations.push(Observation::new(
                    Status::Fail,
                    key.found_in.clone(),
                    format!(
                        "carries {}: whoever opens the page holds it and passes every rule",
                        key.what
                    ),
                ));
            }
            for sign_in in &surface.superuser_sign_ins {
                observations.push(superuser_sign_in(ctx, &surface.baas, sign_in).await);
            }
            for (project, found_in) in &surface.firebase {
                observations.push(Observation::new(
                    Status::Open,
                    format!("Firebase project {project} ({found_in})"),
                    "its web apiKey is publishable and not a finding; its Security Rules are not probed (no Firebase server runs here): verify that the Firestore, Realtime Database and Storage rules refuse reads and writes without request.auth and scope them to request.auth.uid",
                ));
            }
            if surface.baas.is_empty()
                && surface.privileged_keys.is_empty()
                && surface.superuser_sign_ins.is_empty()
                && surface.firebase.is_empty()
            {
                observations.push(Observation::new(
                    Status::Info,
                    format!("{} script(s) read", surface.scripts_read),
                    "no data API client is created with a literal URL and key in the pages' scripts",
                ));
            }
            Finding::from_observations(observations)
        })
    }
}

/// Superuser credentials in a script: FAIL, as anyone who opens the page holds them. Where
/// `[baas]` names the PocketBase API they are for (the scripts' PocketBase client is on
/// that origin), they are tried there, as the page's own code sends them: accepted, the
/// FAIL says so; refused, they are stale and a WARN (still shipped, and maybe a password
/// used elsewhere). Never sent to an API the scripts' client does not name.
async fn superuser_sign_in(
    ctx: &Ctx,
    clients: &[crate::discovery::BaasClient],
    sign_in: &crate::discovery::SuperuserSignIn,
) -> Observation {
    let subject = format!(
        "PocketBase superuser sign-in as {} ({})",
        sign_in.identity, sign_in.found_in
    );
    let shipped = "the page signs in as a superuser with a password it ships: whoever opens it administers every collection, past every rule";
    let same_origin = |baas: &super::cfg::Baas| {
        clients.iter().any(|client| {
            client.kind == BaasKind::PocketBase
                && url::Url::parse(&client.url).is_ok_and(|u| u.origin() == baas.url.origin())
        })
    };
    let Some(baas) = ctx
        .profile
        .baas
        .as_ref()
        .filter(|b| b.kind == BaasKind::PocketBase && same_origin(b))
    else {
        return Observation::new(Status::Fail, subject, shipped);
    };
    let Some(url) = baas.rest_url("collections/_superusers/auth-with-password") else {
        return Observation::new(Status::Fail, subject, shipped);
    };
    let request = crate::net::HttpRequest::new(crate::profile::Method::Post, url.clone())
        .with_json(Some(serde_json::json!({
            "identity": sign_in.identity,
            "password": sign_in.password,
        })));
    match ctx.http.send(&request).await {
        Ok(response) if response.is_success() => {
            if let Some(token) = serde_json::from_slice::<serde_json::Value>(&response.body)
                .ok()
                .and_then(|b| b.get("token").and_then(|t| t.as_str()).map(str::to_string))
            {
                ctx.redactor.add(token);
            }
            Observation::new(
                Status::Fail,
                subject,
                format!("{shipped}; POST {url} signs them in ({})", response.status),
            )
        }
        Ok(response) if matches!(response.status, 400 | 401 | 403) => Observation::new(
            Status::Warn,
            subject,
            format!(
                "the page ships a superuser's password, which POST {url} refuses now ({}): remove it from the scripts, and change it wherever else it is used",
                response.status
            ),
        ),
        Ok(response) => Observation::new(
            Status::Fail,
            subject,
            format!(
                "{shipped}; POST {url} answered {}, neither a sign-in nor a refusal",
                response.status
            ),
        ),
        Err(error) => Observation::new(
            Status::Fail,
            subject,
            format!(
                "{shipped}; POST {url} could not be asked ({})",
                ctx.redactor.redact(&error.to_string())
            ),
        ),
    }
}

/// The key itself never reaches a report, publishable or not.
fn ctx_redacted(ctx: &Ctx, observation: Observation) -> Observation {
    Observation::new(
        observation.status,
        ctx.redactor.redact(&observation.subject),
        ctx.redactor.redact(&observation.detail),
    )
}

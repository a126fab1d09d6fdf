//! `init`: the `[baas]` section, from the data API client the pages' scripts create (its
//! URL and the kind of key it carries). Keys are written as `${VAR}`s: the publishable key
//! the scripts carry is the one to export; a privileged one is never written.

use std::fmt::Write as _;

use super::{LoginStarter, Starter};
use crate::discovery::{BaasKind, Surface};

/// The data API the scripts talk to.
#[derive(Clone, Debug)]
pub struct BaasStarter {
    pub kind: BaasKind,
    pub url: String,
    pub found_in: String,
    /// The key's role, when it is a JWT (`anon`, `service_role`), or its prefix kind.
    pub key_kind: Option<String>,
    /// Whether the user exported the service key's variable when init ran: then
    /// `service_key` is written live and the insert probes run (and are undone).
    pub service_key_exported: bool,
    /// Tables `--probe` measured as public by design ([`measure`]).
    pub public: Vec<String>,
}

impl BaasStarter {
    /// The variable `service_key` is written with.
    pub fn service_key_var(&self) -> &'static str {
        match self.kind {
            BaasKind::Supabase => "SUPABASE_SERVICE_ROLE_KEY",
            BaasKind::PocketBase => "PB_SUPERUSER_TOKEN",
        }
    }
}

/// PocketBase's own login for the users collection.
const POCKETBASE_LOGIN: &str = "/api/collections/users/auth-with-password";

/// Takes the first client the scripts create; a PocketBase app's identities log in through
/// its own login route when the scripts showed no other.
pub fn apply(surface: &Surface, own_origin: &str, starter: &mut Starter) {
    let Some(client) = surface.baas.first() else {
        return;
    };
    let key_kind = client.role.clone().or_else(|| {
        client.key.as_deref().map(|k| {
            if k.starts_with("sb_secret_") {
                "sb_secret".to_string()
            } else {
                "publishable".to_string()
            }
        })
    });
    if client.kind == BaasKind::PocketBase && starter.login.is_none() {
        let path = if client.url.trim_end_matches('/') == own_origin.trim_end_matches('/') {
            POCKETBASE_LOGIN.to_string()
        } else {
            format!("{}{POCKETBASE_LOGIN}", client.url.trim_end_matches('/'))
        };
        // The sign-in is also what an attacker hammers: a burst of wrong passwords, on the
        // app's own origin (the only one a burst is sent to).
        if path.starts_with('/') && !starter.rate_limits.iter().any(|r| r.name == "login") {
            let mut body = toml::Table::new();
            body.insert(
                "identity".into(),
                toml::Value::String(super::burst_identifier(starter.own_user.as_deref())),
            );
            body.insert(
                "password".into(),
                toml::Value::String("not-the-password".into()),
            );
            starter.rate_limits.push(super::RateLimitStarter {
                name: "login".into(),
                path: path.clone(),
                body: Some(body),
            });
        }
        starter.login = Some(LoginStarter {
            path,
            user_field: "identity".into(),
            password_field: "password".into(),
            token_pointer: Some("/token".into()),
            graphql_document: None,
        });
    }
    starter.baas = Some(BaasStarter {
        kind: client.kind,
        url: client.url.clone(),
        found_in: client.found_in.clone(),
        key_kind,
        service_key_exported: false,
        public: Vec::new(),
    });
}

fn privileged(kind: Option<&str>) -> bool {
    matches!(kind, Some("service_role" | "supabase_admin" | "sb_secret"))
}

/// The section's text.
pub fn render(baas: &BaasStarter) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n# The data API the browser talks to directly, created in\n#   {}\n# The baas.* checks probe it as the key the app ships and as alice and mallory, its users.",
        baas.found_in
    );
    out.push_str("[baas]\n");
    match baas.kind {
        BaasKind::Supabase => {
            out.push_str("kind = \"supabase\"\n");
            let _ = writeln!(out, "url = \"{}\"", baas.url);
            if privileged(baas.key_kind.as_deref()) {
                out.push_str("key = \"${SUPABASE_ANON_KEY}\"   # FILL IN: the scripts carry a privileged key, not the publishable one (baas.privileged-key); export the anon key\n");
            } else {
                out.push_str("key = \"${SUPABASE_ANON_KEY}\"   # the publishable key the scripts carry: export it (public by design)\n");
            }
        }
        BaasKind::PocketBase => {
            out.push_str("kind = \"pocketbase\"\n");
            let _ = writeln!(out, "url = \"{}\"", baas.url);
        }
    }
    let var = baas.service_key_var();
    if baas.service_key_exported {
        let _ = writeln!(
            out,
            "service_key = \"${{{var}}}\"   # exported when init ran: the insert probes run, and it deletes what they make"
        );
    } else {
        let _ = writeln!(
            out,
            "# service_key = \"${{{var}}}\"   # export it and uncomment: the insert probes run, and it deletes what they make"
        );
    }
    out.push_str("identities = [\"alice\", \"mallory\"]\n");
    if baas.public.is_empty() {
        out.push_str(
            "# public = [\"posts\"]   # FILL IN: tables or collections meant to be read by anyone\n",
        );
    } else {
        let names: Vec<toml::Value> = baas
            .public
            .iter()
            .map(|n| toml::Value::String(n.clone()))
            .collect();
        let _ = writeln!(
            out,
            "public = {}   # measured: anyone reads the same rows as alice and mallory, naming no user and with no owner, contact or secret column; remove any not meant for everyone",
            toml::Value::Array(names)
        );
    }
    out
}

/// `--probe`: which tables are public by design, measured. A table is written in `public`
/// only when the public key is served rows, both identities are served the very same rows,
/// and nothing in them is someone's: no column naming an owner, a contact or a secret
/// (the family's own [`sensitive_columns`](crate::checks::baas::api::sensitive_columns)),
/// and neither identity's login anywhere in them. Rows a user owns, or that are one user's
/// own, shown to anyone are the leak `baas.public-read` reports, never "public".
pub async fn measure(
    ctx: &crate::ctx::Ctx,
    starter: &mut Starter,
    identities: [&crate::profile::Identity; 2],
) {
    use crate::checks::baas::api::{self, Caller, Listing};
    let Some(section) = starter.baas.as_mut() else {
        return;
    };
    let Ok(baas) = crate::checks::baas::configured(ctx).await else {
        return;
    };
    let logins = super::identity_logins();
    let (tables, _) = crate::checks::baas::tables(ctx, baas).await;
    let keys = |rows: &[serde_json::Value]| {
        let mut keys: Vec<String> = rows.iter().map(api::row_key).collect();
        keys.sort();
        keys
    };
    for named in tables {
        let Listing::Rows(rows) = api::list(ctx, baas, Caller::Public, &named.name).await else {
            continue;
        };
        if rows.is_empty() {
            continue;
        }
        let text = serde_json::Value::Array(rows.clone()).to_string();
        let columns = api::sensitive_columns(&rows);
        let someones = !columns.is_empty() || logins.iter().any(|l| text.contains(l.as_str()));
        let mut same = true;
        for identity in identities {
            let listing = api::list(ctx, baas, Caller::Identity(identity), &named.name).await;
            same &= matches!(&listing, Listing::Rows(theirs) if keys(theirs) == keys(&rows));
        }
        if !someones && same {
            starter.notes.push(format!(
                "[baas] {}: anyone reads the same rows as alice and mallory, naming no user: written public",
                named.name
            ));
            section.public.push(named.name.clone());
        } else if someones {
            starter.notes.push(format!(
                "[baas] {}: anyone reads rows that are someone's{}: not written public (baas.public-read reports it)",
                named.name,
                if columns.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", columns.join(", "))
                }
            ));
        }
    }
}

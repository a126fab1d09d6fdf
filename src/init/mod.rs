//! `init`: a commented starter profile, from what a URL shows (`--url`, see [`probe`]), from
//! an OpenAPI 3 spec (`--openapi`, see [`openapi`], no network), or both. Every value the
//! tool could not know is marked `FILL IN`, and secrets are `${VAR}` references, so the
//! file is safe to commit and `validate` says what is missing.

pub mod baas;
mod bursts;
pub mod discovered;
pub mod graphql;
pub mod ids;
mod login;
pub mod measure;
pub mod openapi;
pub mod site;

pub(crate) use bursts::{PASSWORD_FIELDS, USER_FIELDS, burst_identifier, spends_the_link};
pub use login::LoginStarter;

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What `init` learned, ready to be written as a profile.
#[derive(Debug, Default)]
pub struct Starter {
    pub name: String,
    pub base_url: Option<String>,
    pub domain: Option<String>,
    pub entry_points: Vec<String>,
    pub canonical: Option<String>,
    pub nameservers: Vec<String>,
    pub ca_file: Option<String>,
    pub health_path: Option<String>,
    pub identities: Vec<IdentityStarter>,
    /// Placeholder → example value, for the two tenants the access checks compare.
    pub placeholders: BTreeMap<String, String>,
    /// Where a 200 answer carries a refusal (`--probe` saw one): `[auth] error_pointer`.
    pub error_pointer: Option<String>,
    /// The second tenant's values, where `--probe` found them (else `FILL IN`).
    pub second_tenant: BTreeMap<String, String>,
    pub routes: Vec<RouteStarter>,
    /// The spec's login operation: how identities obtain their credential.
    pub login: Option<LoginStarter>,
    /// Endpoints an attacker hammers (login, signup, password reset): `[[rate_limits]]`.
    pub rate_limits: Vec<RateLimitStarter>,
    /// Things seen that the user should know, written as comments at the top.
    pub notes: Vec<String>,
    /// The first identity's login name, when the environment gives it (`ALICE_USER`):
    /// what a burst's identifier is shaped like.
    pub own_user: Option<String>,
    /// The spec's URL, when the app serves it: `--probe` reads it again as each identity.
    pub spec_url: Option<url::Url>,
    /// The data API the scripts talk to: `[baas]`.
    pub baas: Option<baas::BaasStarter>,
    /// The GraphQL endpoints they talk to: `[[graphql]]`.
    pub graphql: Vec<graphql::GraphqlStarter>,
    /// The GraphQL schema the user gave (`--graphql-schema`), and its file: taken in by
    /// the first endpoint found, once.
    pub graphql_schema: Option<(String, graphql::schema::Schema)>,
}

#[derive(Debug, Clone)]
pub struct RateLimitStarter {
    pub name: String,
    pub path: String,
    pub body: Option<toml::Table>,
}

/// How an identity presents its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialStyle {
    Bearer,
    Header(String),
    Cookie(String),
    ClientCredentials { token_url: String },
}

#[derive(Debug, Clone)]
pub struct IdentityStarter {
    pub scheme_name: String,
    pub style: CredentialStyle,
}

#[derive(Debug, Clone)]
pub struct RouteStarter {
    pub name: String,
    pub method: String,
    pub path: String,
    pub auth_required: bool,
    /// The spec states the operation's security (its own or the global one); otherwise
    /// `auth_required` is init's assumption, and the profile says so.
    pub auth_stated: bool,
    pub query: BTreeMap<String, String>,
    pub body: Option<toml::Table>,
    /// Where the route came from, when not the spec's anonymous view: `discovered: called
    /// by SCRIPT`, `only in alice's view of the spec`. Written as a comment above it.
    pub source: Option<String>,
}

impl RouteStarter {
    /// Every `{placeholder}` in the path, the query values and the body.
    pub fn placeholders(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut add = |text: &str| {
            for name in crate::profile::validator::placeholder_names(text).unwrap_or_default() {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        };
        add(&self.path);
        self.query.values().for_each(|v| add(v));
        if let Some(body) = &self.body {
            add(&toml::Value::Table(body.clone()).to_string());
        }
        names
    }

    /// The `[[routes]]` entry.
    fn render(&self) -> String {
        let mut out = String::from("[[routes]]\n");
        let _ = writeln!(out, "name = {}", quote(&self.name));
        let _ = writeln!(out, "method = {}", quote(&self.method));
        let _ = writeln!(out, "path = {}", quote(&self.path));
        let _ = writeln!(
            out,
            "auth = {}{}",
            quote(if self.auth_required {
                "required"
            } else {
                "public"
            }),
            match (self.auth_stated, &self.source) {
                (true, _) => "",
                (false, Some(_)) => "   # init's assumption: init --probe measures it",
                (false, None) => "   # the spec does not say: init's assumption, check it",
            }
        );
        if !self.query.is_empty() {
            let table: toml::Table = self
                .query
                .iter()
                .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
                .collect();
            let _ = writeln!(out, "query = {}", toml::Value::Table(table));
        }
        if let Some(body) = &self.body {
            let _ = writeln!(out, "body = {}", toml::Value::Table(body.clone()));
        }
        if !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
            out.push_str("allow_writes = false   # true lets write probes use it (never on production without consent)\n");
        }
        out
    }
}

/// Parses a profile init wrote for its own requests. Its errors are init's, never a file of
/// the user's: `from` says what the guess came from.
pub(crate) fn own_guess(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    from: &str,
) -> Result<crate::profile::Profile, String> {
    crate::profile::parse("(init's own guess)", text, std::path::Path::new("."), env).map_err(
        |errors| {
            format!(
                "{from}: {}",
                errors
                    .0
                    .iter()
                    .map(|e| format!("`{}`: {}", e.key, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        },
    )
}

/// A context for init's own requests: `target` (a `[target]` section) plus the
/// `[network]` the user gave. Its errors are init's, never a file of the user's: `from`
/// says which argument the guess came from.
pub(crate) fn scratch_ctx(
    target: &str,
    nameservers: &[String],
    ca_file: Option<&str>,
    from: &str,
) -> Result<crate::ctx::Ctx, String> {
    let mut text = target.to_string();
    if !nameservers.is_empty() || ca_file.is_some() {
        text.push_str("[network]\n");
        if !nameservers.is_empty() {
            let quoted: Vec<String> = nameservers
                .iter()
                .map(|n| toml::Value::String(n.clone()).to_string())
                .collect();
            text.push_str(&format!("nameservers = [{}]\n", quoted.join(", ")));
        }
        if let Some(ca) = ca_file {
            text.push_str(&format!(
                "ca_file = {}\n",
                toml::Value::String(ca.to_string())
            ));
        }
    }
    let profile = own_guess(
        &text,
        &|_| None,
        &format!(
            "from {from}, init guessed a profile that does not validate (init's mistake, not a file of yours)"
        ),
    )?;
    crate::ctx::Ctx::new(std::sync::Arc::new(profile), crate::ctx::Consent::default())
}

/// The apex a host implies: `app.acme.test` → `acme.test` (two labels stay as they are).
pub(crate) fn apex(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() > 2 && host.parse::<std::net::IpAddr>().is_err() {
        labels[1..].join(".")
    } else {
        host.to_string()
    }
}

/// A TOML key: bare when it may be, quoted otherwise.
fn bare_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        quote(key)
    }
}

/// A TOML string literal.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

impl Starter {
    /// Whether nothing the app showed asks for a credential: no login, no security scheme,
    /// no route that refuses strangers, no data API and no GraphQL endpoint.
    pub fn nothing_signs_in(&self) -> bool {
        self.identities.is_empty()
            && self.login.is_none()
            && self.baas.is_none()
            && self.graphql.is_empty()
            && self.routes.iter().all(|r| !r.auth_required)
    }
}

fn env_name(identity: &str, what: &str) -> String {
    format!("{}_{what}", crate::profile::env_style(identity))
}

/// The two identities' logins, as the environment gives them (`ALICE_USER`): an answer
/// that contains one is that user's, never public by design.
pub(crate) fn identity_logins() -> Vec<String> {
    ["alice", "mallory"]
        .iter()
        .filter_map(|name| std::env::var(env_name(name, "USER")).ok())
        .filter(|login| !login.is_empty())
        .collect()
}

impl Starter {
    /// The profile text.
    pub fn render(&self, generated_by: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Starter profile written by `launch-audit {generated_by}`."
        );
        out.push_str("# Set the ${VARIABLES} in your environment, then run\n#   launch-audit validate -c <this file>\n# Comments marked FILL IN are what init could not know; every key is explained in\n# audit.example.toml.\n");
        for note in &self.notes {
            let _ = writeln!(out, "# NOTE: {note}");
        }
        out.push_str("\n[target]\n");
        let _ = writeln!(out, "name = {}", quote(&self.name));
        match &self.base_url {
            Some(url) => {
                let _ = writeln!(out, "base_url = {}", quote(url));
            }
            None => out.push_str(
                "base_url = \"FILL IN\"   # where the app/API lives, e.g. https://app.acme.test\n",
            ),
        }
        if let Some(domain) = &self.domain {
            let _ = writeln!(out, "domain = {}", quote(domain));
        } else {
            out.push_str("# domain = \"example.invalid\"             # FILL IN: the apex domain (DNS and email checks)\n");
        }
        let entry: Vec<String> = self.entry_points.iter().map(|e| quote(e)).collect();
        let _ = writeln!(out, "entry_points = [{}]", entry.join(", "));
        match &self.canonical {
            Some(canonical) => {
                let _ = writeln!(out, "canonical = {}   # where the entry points ended up: check it is the one you want", quote(canonical));
            }
            None => out.push_str("# canonical = \"https://example.invalid\"  # FILL IN: the one origin everything should land on\n"),
        }
        out.push_str("allowed_origins = []                      # FILL IN: the origins your front-end runs on (CORS)\n");
        out.push_str("environment = \"staging\"                  # staging | production\n");

        if let Some(pointer) = &self.error_pointer {
            let _ = writeln!(
                out,
                "\n[auth]\nerror_pointer = {}   # measured: strangers get a 200 with an error here",
                quote(pointer)
            );
        }
        if !self.nameservers.is_empty() || self.ca_file.is_some() {
            out.push_str("\n[network]\n");
            if !self.nameservers.is_empty() {
                let ns: Vec<String> = self.nameservers.iter().map(|n| quote(n)).collect();
                let _ = writeln!(out, "nameservers = [{}]", ns.join(", "));
            }
            if let Some(ca) = &self.ca_file {
                let _ = writeln!(out, "ca_file = {}", quote(ca));
            }
        }

        // Two identities of two tenants: what the access checks compare. Where nothing asks
        // for a credential (no login, no scheme, no route that refuses strangers, no data
        // API, no GraphQL endpoint), they are a commented suggestion: `${VARIABLES}` for
        // accounts the app may not have would block `validate`.
        let nothing_signs_in = self.nothing_signs_in();
        let identities_at = out.len();
        let style = self
            .identities
            .first()
            .map(|i| i.style.clone())
            .unwrap_or(CredentialStyle::Bearer);
        if self.identities.is_empty() && self.login.is_some() {
            out.push_str("\n# Two users of two tenants, each logging in as the pages do, let the access\n# checks compare who may see what.\n");
        } else if self.identities.is_empty() {
            out.push_str("\n# No security scheme was found: FILL IN how callers authenticate.\n");
        } else {
            let schemes: Vec<&str> = self
                .identities
                .iter()
                .map(|i| i.scheme_name.as_str())
                .collect();
            let _ = writeln!(
                out,
                "\n# Security schemes seen: {}. Two users of two tenants let the access checks\n# compare who may see what.",
                schemes.join(", ")
            );
        }
        for (identity, tenant) in [("alice", "tenant_a"), ("mallory", "tenant_b")] {
            let _ = writeln!(out, "[identities.{identity}]");
            match &style {
                CredentialStyle::ClientCredentials { token_url } => {
                    let _ = writeln!(
                        out,
                        "tenant = {}\nroles = [\"member\"]                        # FILL IN: the roles this identity has",
                        quote(tenant)
                    );
                    let _ = writeln!(
                        out,
                        "[identities.{identity}.client_credentials]\ntoken_url = {}\nclient_id = \"${{{}}}\"\nclient_secret = \"${{{}}}\"",
                        quote(token_url),
                        env_name(identity, "CLIENT_ID"),
                        env_name(identity, "CLIENT_SECRET")
                    );
                }
                other => {
                    if self.login.is_none() {
                        let _ = writeln!(out, "token = \"${{{}}}\"", env_name(identity, "TOKEN"));
                    }
                    match other {
                        CredentialStyle::Header(name) => {
                            let _ = writeln!(out, "header = {}", quote(name));
                        }
                        CredentialStyle::Cookie(name) => {
                            let _ = writeln!(out, "cookie = {}", quote(name));
                        }
                        _ => {}
                    }
                    let _ = writeln!(
                        out,
                        "tenant = {}\nroles = [\"member\"]                        # FILL IN: the roles this identity has",
                        quote(tenant)
                    );
                    if let Some(login) = &self.login {
                        // The spec's login operation: the identity logs itself in at the
                        // start of each audit; its credentials come from the environment.
                        let _ = writeln!(out, "[identities.{identity}.login]");
                        let _ = writeln!(out, "path = {}", quote(&login.path));
                        let fields = format!(
                            "{{ {} = \"${{{}}}\", {} = \"${{{}}}\" }}",
                            bare_key(&login.user_field),
                            env_name(identity, "USER"),
                            bare_key(&login.password_field),
                            env_name(identity, "PASSWORD"),
                        );
                        let _ = match &login.graphql_document {
                            Some(query) => writeln!(
                                out,
                                "json = {{ query = {}, variables = {fields} }}",
                                quote(query)
                            ),
                            None => writeln!(out, "json = {fields}"),
                        };
                        match &login.token_pointer {
                            Some(pointer) => {
                                let _ = writeln!(out, "token_pointer = {}", quote(pointer));
                            }
                            None => {
                                let _ = writeln!(
                                    out,
                                    "token_pointer = \"/token\"   # FILL IN: where the login's answer holds the token (the spec does not show it)"
                                );
                            }
                        }
                    }
                }
            }
            out.push('\n');
        }
        // Tenant values only as measured (each identity's own listing, `--probe`); never a
        // spec's example, which is nobody's id. What is unknown stays a comment, so the
        // file validates as written.
        let known = |placeholder: &str| {
            self.second_tenant.contains_key(placeholder)
                && self
                    .placeholders
                    .get(placeholder)
                    .is_some_and(|v| v != "FILL IN")
        };
        for tenant in ["tenant_a", "tenant_b"] {
            let _ = writeln!(out, "[tenants.{tenant}]");
            for placeholder in self.placeholders.keys() {
                if !known(placeholder) {
                    let _ = writeln!(
                        out,
                        "# {placeholder} = \"…\"   # an id {tenant} owns: not measured (init --probe with two logins measures it)"
                    );
                    continue;
                }
                let value = if tenant == "tenant_a" {
                    &self.placeholders[placeholder]
                } else {
                    &self.second_tenant[placeholder]
                };
                let _ = writeln!(
                    out,
                    "{placeholder} = {}   # measured with this tenant's identity",
                    quote(value)
                );
            }
            out.push('\n');
        }
        if nothing_signs_in {
            let written = out.split_off(identities_at);
            out.push_str("\n# Nothing here asks for a credential (no login, no security scheme, no route\n# that refuses strangers): the identities are a suggestion. Uncomment them with\n# two users' tokens when the app has accounts.\n");
            for line in written
                .lines()
                .filter(|l| !l.starts_with("# No security scheme"))
            {
                if line.is_empty() || line.starts_with('#') {
                    let _ = writeln!(out, "{line}");
                } else {
                    let _ = writeln!(out, "# {line}");
                }
            }
        }

        if self.routes.is_empty() {
            out.push_str("# FILL IN: [[routes]] (see audit.example.toml), or run `launch-audit init --openapi spec.yaml`.\n");
        }
        for route in &self.routes {
            let unknown: Vec<String> = route
                .placeholders()
                .into_iter()
                .filter(|p| !known(p))
                .collect();
            // A required query parameter the spec gives no example for.
            let unset: Vec<&str> = route
                .query
                .iter()
                .filter(|(_, v)| v.as_str() == "FILL IN")
                .map(|(k, _)| k.as_str())
                .collect();
            let mut block = String::new();
            if let Some(source) = &route.source {
                let _ = writeln!(block, "# {source}");
            }
            block.push_str(&route.render());
            if unknown.is_empty() && unset.is_empty() {
                out.push_str(&block);
            } else {
                // A route whose ids or values are unknown would block `validate`: a
                // suggestion.
                if !unknown.is_empty() {
                    let _ = writeln!(
                        out,
                        "# needs {} for each tenant (not measured): set them in [tenants.*] and uncomment",
                        unknown
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                if !unset.is_empty() {
                    let _ = writeln!(
                        out,
                        "# needs a value for its query parameter(s) {} (the spec requires them and gives no example): set it and uncomment",
                        unset
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                for line in block.lines() {
                    if line.starts_with('#') || line.is_empty() {
                        let _ = writeln!(out, "{line}");
                    } else {
                        let _ = writeln!(out, "# {line}");
                    }
                }
            }
            out.push('\n');
        }

        for limit in &self.rate_limits {
            out.push_str("[[rate_limits]]\n");
            let _ = writeln!(out, "name = {}", quote(&limit.name));
            let _ = writeln!(out, "path = {}", quote(&limit.path));
            if let Some(body) = &limit.body {
                let _ = writeln!(out, "body = {}", toml::Value::Table(body.clone()));
            }
            out.push_str(
                "# max_attempts = 10   # by which attempt a limit must answer (default 10)\n\n",
            );
        }

        if let Some(section) = &self.baas {
            out.push_str(&baas::render(section));
            out.push('\n');
        }
        for section in &self.graphql {
            out.push_str(&graphql::render(
                section,
                &burst_identifier(self.own_user.as_deref()),
            ));
            out.push('\n');
        }
        match &self.health_path {
            Some(path) => {
                let _ = writeln!(out, "[health]\npath = {}", quote(path));
            }
            None => out
                .push_str("# [health]\n# path = \"/healthz\"   # FILL IN: your health endpoint\n"),
        }
        // secrets.repository and the handover items are critical: without these the run
        // cannot be READY, so the starter says so where they go.
        out.push_str(
            "\n# FILL IN: the app's git repository (secrets.repository scans it and its history).\n\
             # [source]\n# path = \"../app\"\n\
             \n# FILL IN: the handover items no probe can see, once they are in place\n\
             # (see `launch-audit checks`: handover.*), e.g.\n\
             # [attest.rollback-plan]\n# by = \"who answers for it\"\n# on = 2026-01-31\n\
             # link = \"https://wiki.example/rollback\"\n",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_identifier_is_shaped_like_the_identitys_own() {
        assert_eq!(
            burst_identifier(Some("alice@acme.test")),
            "launch-audit-nobody@acme.test"
        );
        assert_eq!(burst_identifier(Some("alice")), "launch-audit-nobody");
        assert_eq!(burst_identifier(None), "launch-audit-nobody@example.com");
    }
}

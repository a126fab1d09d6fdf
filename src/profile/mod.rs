//! The target profile: what to audit and with which credentials.
//!
//! Two phases: `raw` deserializes the TOML as written (unknown keys and wrong types are
//! errors with their position), then [`validate`] checks meaning (URLs, durations,
//! references between sections, `${VAR}` secrets) and collects every problem at once.
//! Nothing here touches the network.

pub mod diag;
pub(crate) mod env;
pub mod identity;
pub mod raw;
pub mod routes;
pub mod secret;
pub mod target;
mod unfinished;
pub mod validator;

use std::collections::BTreeMap;
use std::path::Path;

use url::Url;

pub use diag::{ProfileError, ProfileErrors};
pub use identity::{
    ClientCredentials, CredentialSource, Identity, Login, LoginBody, Obtain, Scheme,
};
pub use routes::{Auth, FilledRoute, Method, Route};
pub use secret::Secret;
pub use target::{
    Absent, DEFAULT_CHECK_TIMEOUT, DEFAULT_TIMEOUT, Environment, Network, Target, env_style,
    is_ip_literal,
};
pub(crate) use validator::Validator;
pub use validator::placeholder_names;

use crate::checks::ai::cfg::AiEndpoint;
use crate::checks::auth::cfg::{AuthPolicy, Session};
use crate::checks::email::cfg::Email;
use crate::checks::exposure::cfg::SourceRepository;
use crate::checks::handover::cfg::Attestation;
use crate::checks::health::cfg::Health;
use crate::checks::latency::cfg::Latency;
use crate::checks::ratelimit::cfg::RateLimit;
use crate::checks::redirects::cfg::Redirects;
use crate::checks::tls::cfg::Tls;
use crate::checks::webhooks::cfg::Webhook;
use crate::waivers::Waiver;

use diag::Locator;
use raw::RawProfile;

/// A validated profile.
#[derive(Debug)]
pub struct Profile {
    /// The file it came from, as given on the command line.
    pub source: String,
    pub target: Target,
    pub network: Network,
    pub identities: BTreeMap<String, Identity>,
    pub tenants: BTreeMap<String, BTreeMap<String, String>>,
    pub routes: Vec<Route>,
    pub health: Option<Health>,
    pub auth: AuthPolicy,
    pub session: Option<Session>,
    pub email: Email,
    pub ai_endpoints: Vec<AiEndpoint>,
    pub webhooks: Vec<Webhook>,
    /// Subdomains (absolute names) the DNS checks look at besides the profile's hosts.
    pub subdomains: Vec<String>,
    pub tls: Tls,
    pub redirects: Redirects,
    pub waivers: Vec<Waiver>,
    pub rate_limits: Vec<RateLimit>,
    pub latency: Option<Latency>,
    /// `[source]`: the repository `secrets.repository` scans.
    pub repository: Option<SourceRepository>,
    /// `[logs]`: where `logs.secrets` reads the app's logs.
    pub logs: Option<crate::checks::logs::cfg::Logs>,
    /// `[audit_trail]`: where `admin.audit-trail` looks for an admin write's entry.
    pub audit_trail: Option<crate::checks::admin::cfg::AuditTrail>,
    /// `[mail]`: where the journeys read the app's mail.
    pub mail: Option<crate::checks::journeys::cfg::Mail>,
    /// `[[journeys]]`: the flows `journey.<name>` walks.
    pub journeys: Vec<crate::checks::journeys::cfg::Journey>,
    /// `[[tokens]]`: the links in those journeys whose lifecycle `tokens.*` checks.
    pub tokens: Vec<crate::checks::journeys::cfg::Token>,
    /// `[[graphql]]`: the GraphQL endpoints and the operations to ask through them.
    pub graphql: Vec<crate::checks::graphql::cfg::Graphql>,
    /// `[baas]`: the back end as a service the browser talks to directly.
    pub baas: Option<crate::checks::baas::cfg::Baas>,
    /// `[attest.<item>]`: handover items answered for by a person, by item name.
    pub attestations: BTreeMap<String, Attestation>,
    /// SHA-256 of the profile text, hex: names the exact profile a report came from.
    pub sha256: String,
    /// Secrets found outside identities (`${VAR}` values, password fields of `[session]`).
    extra_secrets: Vec<Secret>,
}

impl Profile {
    /// Hosts requests may go to: the profile's hosts, plus the MTA-STS policy host the
    /// domain implies (RFC 8461 §3.2 fixes its name).
    pub fn scope_hosts(&self) -> Vec<String> {
        let mut hosts = self.hosts();
        // The data API the browser talks to, which [baas] names.
        for url in self
            .target
            .asset_hosts
            .iter()
            .chain(self.baas.iter().map(|b| &b.url))
        {
            if let Some(host) = url.host_str() {
                hosts.push(host.to_ascii_lowercase());
            }
        }
        // The mail catcher the journeys read (no credential goes there).
        if let Some(crate::checks::journeys::cfg::MailSource::Catcher { url }) =
            self.mail.as_ref().map(|m| &m.source)
            && let Some(host) = url.host_str()
        {
            hosts.push(host.to_ascii_lowercase());
        }
        if let Some(url) = &self.email.mta_sts_policy_url
            && let Some(host) = url.host_str()
        {
            hosts.push(host.to_ascii_lowercase());
        } else if let Some(domain) = &self.target.domain {
            hosts.push(format!("mta-sts.{domain}"));
        }
        hosts
    }

    /// The hosts that are DNS names, not IP literals (`127.0.0.1`, `[::1]`): what the DNS
    /// checks can look up.
    pub fn dns_names(&self) -> Vec<String> {
        self.hosts()
            .into_iter()
            .filter(|host| !is_ip_literal(host))
            .collect()
    }

    /// Every host the profile names as a request target.
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = std::iter::once(&self.target.base_url)
            .chain(&self.target.entry_points)
            .chain(&self.target.canonical)
            .chain(&self.tls.hosts)
            .filter_map(|url| url.host_str().map(str::to_ascii_lowercase))
            .collect();
        let mut seen = std::collections::HashSet::new();
        hosts.retain(|host| seen.insert(host.clone()));
        hosts
    }

    /// Every `https://` origin the profile names (base_url, canonical, entry points, `[tls]
    /// hosts`), once each, as `(host, port)`: what the TLS checks connect to.
    pub fn https_hosts(&self) -> Vec<(String, u16)> {
        let mut hosts: Vec<(String, u16)> = std::iter::once(&self.target.base_url)
            .chain(&self.target.canonical)
            .chain(&self.target.entry_points)
            .chain(&self.tls.hosts)
            .filter(|url| url.scheme() == "https")
            .filter_map(|url| {
                Some((
                    url.host_str()?.to_ascii_lowercase(),
                    url.port_or_known_default()?,
                ))
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        hosts.retain(|host| seen.insert(host.clone()));
        hosts
    }

    /// Every secret value the profile holds: what the redactor must never let out.
    pub fn secrets(&self) -> Vec<String> {
        self.identities
            .values()
            .filter_map(|identity| identity.token.as_ref())
            .chain(&self.extra_secrets)
            .chain(self.mail.iter().flat_map(|mail| mail.secrets()))
            .chain(
                self.tokens
                    .iter()
                    .filter_map(|token| token.expired.as_ref()),
            )
            .map(|secret| secret.expose().to_string())
            .collect()
    }

    /// Identities that are not expired on purpose: who the checks act as.
    pub fn active_identities(&self) -> impl Iterator<Item = &Identity> {
        self.identities.values().filter(|i| !i.expired)
    }

    /// The values an identity's tenant gives to route placeholders (empty without a tenant).
    pub fn tenant_values(&self, identity: &Identity) -> BTreeMap<String, String> {
        identity
            .tenant
            .as_ref()
            .and_then(|t| self.tenants.get(t))
            .cloned()
            .unwrap_or_default()
    }

    /// `base_url` joined with a route path (`/api/x` under `https://h/v1` is `https://h/v1/api/x`).
    pub fn url_for(&self, path: &str) -> Result<Url, url::ParseError> {
        let base = self.target.base_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/{}", path.trim_start_matches('/')))
    }
}

/// Reads and validates the profile at `path`; `env` resolves `${VAR}` references.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Profile, ProfileErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| {
        ProfileErrors(vec![ProfileError {
            file: file.clone(),
            line: 0,
            col: 0,
            key: String::new(),
            message: format!("cannot read the profile: {error}"),
        }])
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    parse(&file, &text, base_dir, env)
}

/// Parses and validates profile text; `base_dir` anchors relative paths such as `ca_file`.
pub fn parse(
    file: &str,
    text: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ProfileErrors> {
    let locator = Locator { file, text };
    // `init`'s markers first: where one is left, it is the cause of whatever else is wrong
    // on that line (a `FILL IN` URL, an id that fills no route).
    let unfinished = unfinished::unfinished(&locator);
    let with_unfinished = |errors: Vec<ProfileError>| {
        let lines: Vec<usize> = unfinished.iter().map(|e| e.line).collect();
        let mut all: Vec<ProfileError> = errors
            .into_iter()
            .filter(|e| !lines.contains(&e.line))
            .chain(unfinished.iter().cloned())
            .collect();
        // In file order, as a reader fixes them.
        all.sort_by_key(|e| (e.line, e.col));
        ProfileErrors(all)
    };
    let raw = deserialize(&locator).map_err(|errors| with_unfinished(errors.0))?;
    let mut v = Validator {
        locator: &locator,
        errors: Vec::new(),
        extra_secrets: Vec::new(),
        base_dir,
        env,
    };
    let mut profile = v.profile(raw);
    profile.sha256 = ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if v.errors.is_empty() && unfinished.is_empty() {
        Ok(profile)
    } else {
        Err(with_unfinished(v.errors))
    }
}

fn deserialize(locator: &Locator<'_>) -> Result<RawProfile, ProfileErrors> {
    let deserializer = toml::de::Deserializer::parse(locator.text)
        .map_err(|error| ProfileErrors(vec![locator.error(error.span(), "", error.message())]))?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key = key_path(error.path());
        let inner = error.into_inner();
        ProfileErrors(vec![locator.error(inner.span(), key, inner.message())])
    })
}

/// `network.timeout` from serde's path, without toml's internal `Spanned` segments.
fn key_path(path: &serde_path_to_error::Path) -> String {
    let mut key = String::new();
    for segment in path.iter() {
        let text = segment.to_string();
        if text.starts_with("$__serde_spanned") {
            continue;
        }
        match segment {
            serde_path_to_error::Segment::Seq { index } => key.push_str(&format!("[{index}]")),
            _ if key.is_empty() => key.push_str(&text),
            _ => {
                key.push('.');
                key.push_str(&text);
            }
        }
    }
    key
}

impl Validator<'_> {
    /// The whole profile: the core sections here, each family's section by the family.
    fn profile(&mut self, raw: RawProfile) -> Profile {
        let target = self.target(raw.target);
        let network = self.network(raw.network);
        let tenants: BTreeMap<String, BTreeMap<String, String>> = raw
            .tenants
            .iter()
            .map(|(name, values)| {
                let values = values
                    .iter()
                    .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                    .collect();
                (name.clone(), values)
            })
            .collect();
        let mut identities = self.identities(raw.identities, &tenants, &target);
        let baas = raw.baas.and_then(|raw| {
            crate::checks::baas::cfg::validate(raw, &target, &mut identities, self)
        });
        let routes = self.routes(raw.routes, &tenants, target.has_no.contains(&Absent::Roles));
        let graphql = crate::checks::graphql::cfg::validate(
            raw.graphql,
            &target,
            &tenants,
            &identities,
            self,
        );
        let health = raw
            .health
            .map(|health| crate::checks::health::cfg::validate(health, &identities, self));
        let auth = self.auth(raw.auth);
        let session = raw.session.map(|session| self.session(session));
        if target.has_no.contains(&Absent::Mail) {
            crate::checks::email::cfg::refuse_mail_settings(
                &raw.email,
                raw.mail
                    .as_ref()
                    .and_then(crate::checks::journeys::cfg::RawMail::place),
                self,
            );
        }
        let email = self.email(raw.email);
        let webhooks = crate::checks::webhooks::cfg::validate(raw.webhooks, &target, self);
        let ai_endpoints = raw
            .ai_endpoints
            .into_iter()
            .enumerate()
            .filter_map(|(i, endpoint)| {
                self.ai_endpoint(
                    endpoint,
                    &format!("ai_endpoints[{i}]"),
                    &identities,
                    &tenants,
                )
            })
            .collect();
        let subdomains = crate::checks::dns::cfg::subdomains(&raw.dns, &target, self);
        let tls = self.tls(raw.tls);
        let redirects = self.redirects(raw.redirects, &target);
        let rate_limits =
            crate::checks::ratelimit::cfg::validate(raw.rate_limits, &identities, self);
        let latency = raw.latency.map(|l| self.latency(l));
        let repository = raw.source.map(|r| self.source(r));
        let logs = raw
            .logs
            .map(|raw| crate::checks::logs::cfg::validate(raw, self));
        let audit_trail = raw
            .audit_trail
            .and_then(|raw| crate::checks::admin::cfg::validate(raw, &identities, &routes, self));
        let mail = raw
            .mail
            .and_then(|raw| crate::checks::journeys::cfg::validate_mail(raw, self));
        let journeys =
            crate::checks::journeys::cfg::validate_journeys(raw.journeys, mail.is_some(), self);
        let tokens = crate::checks::journeys::cfg::validate_tokens(raw.tokens, &journeys, self);
        let attestations = raw
            .attest
            .into_iter()
            .filter_map(|(item, a)| {
                let attestation = self.attestation(&item, a)?;
                Some((item, attestation))
            })
            .collect();
        let waivers = raw
            .waivers
            .into_iter()
            .enumerate()
            .filter_map(|(i, w)| self.waiver(w, &format!("waivers[{i}]")))
            .collect();
        Profile {
            rate_limits,
            latency,
            repository,
            logs,
            audit_trail,
            mail,
            journeys,
            tokens,
            attestations,
            waivers,
            sha256: String::new(),
            source: self.locator.file.to_string(),
            tls,
            redirects,
            target,
            network,
            identities,
            tenants,
            routes,
            health,
            auth,
            session,
            email,
            ai_endpoints,
            webhooks,
            graphql,
            baas,
            subdomains,
            extra_secrets: std::mem::take(&mut self.extra_secrets),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_malformed_ones_refused() {
        assert_eq!(
            placeholder_names("/c/{community_id}/m/{id}").unwrap(),
            ["community_id", "id"]
        );
        assert!(placeholder_names("/c/{oops").is_err());
        assert!(placeholder_names("/c/}").is_err());
        assert!(placeholder_names("/c/{}").is_err());
        // Doubled braces are literal: a GraphQL document beside a placeholder.
        let document = "{{ org(id: \"{org_id}\") {{ name }} }}";
        assert_eq!(placeholder_names(document).unwrap(), ["org_id"]);
        let route = routes::Route {
            name: "org".into(),
            method: routes::Method::Post,
            path: "/graphql".into(),
            auth: routes::Auth::Required,
            roles: vec![],
            hidden: false,
            query: vec![],
            body: Some(serde_json::json!({ "query": document })),
            allow_writes: false,
            reads: true,
            onboarding: false,
        };
        let values = BTreeMap::from([("org_id".to_string(), "1".to_string())]);
        let filled = route.fill(&values).expect("filled");
        assert_eq!(filled.body.unwrap()["query"], "{ org(id: \"1\") { name } }");
        assert!(route.only_reads());
    }

    #[test]
    fn debug_never_shows_credentials() {
        let text = "[target]\nname = \"x\"\nbase_url = \"https://a.test\"\n\
                    [identities.a]\ntoken = \"tok-123456\"\n[identities.b.login]\npath = \"/login\"\n\
                    json = { password = \"pw-123456\" }\ntoken_pointer = \"/t\"\n\
                    [session]\npath = \"/login\"\njson = { password = \"pw-session-1\" }\n";
        let profile = parse("p.toml", text, Path::new("."), &|_| None).unwrap();
        let debug = format!("{profile:?}");
        for secret in ["tok-123456", "pw-123456", "pw-session-1"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn url_for_keeps_the_base_path() {
        let text = "[target]\nname = \"x\"\nbase_url = \"https://api.acme.test/v1/\"\n";
        let profile = parse("p.toml", text, Path::new("."), &|_| None).unwrap();
        assert_eq!(
            profile.url_for("/me").unwrap().as_str(),
            "https://api.acme.test/v1/me"
        );
    }
}

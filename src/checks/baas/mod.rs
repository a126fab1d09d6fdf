//! Back end as a service: the data API the browser talks to directly (a Supabase-style
//! PostgREST API behind an `apikey` gateway, PocketBase), probed as an attacker holding the
//! public key would, and as each of its users would.
//!
//! - `baas.privileged-key`: a key that bypasses the rules shipped in the app's scripts;
//! - `baas.public-read`: tables and collections that answer the public key with rows;
//! - `baas.cross-tenant`: rows one user is served coming back to another;
//! - `baas.public-write`: inserts and updates the rules should refuse;
//! - `baas.functions`: database functions callable with the public key.
//!
//! Tables come from the scripts, the profile, the API's own schema document (`schema`) and
//! a short list of common names.
//!
//! How these APIs answer, which every verdict here reads: a table the caller may not read
//! answers `200 []` (rules filter rows), so an empty answer proves nothing until an owner is
//! served rows there; a write the rules filter answers 2xx and changes nothing, so writes
//! ask for the rows they touched back; a missing key is refused by the gateway, which says
//! nothing about the data behind it. The API is probed only where `[baas]` names it: a
//! client the scripts create for an API the profile does not name is a SKIP naming the key.

pub mod api;
pub mod cfg;

mod cross_tenant;
mod deletes;
mod functions;
mod privileged_key;
mod public_read;
pub mod schema;
mod writes;

pub use cross_tenant::CrossTenant;
pub use functions::Functions;
pub use privileged_key::PrivilegedKey;
pub use public_read::PublicRead;
pub use writes::PublicWrite;

use crate::check::{Applicability, Registered};
use crate::ctx::Ctx;
use crate::discovery::ResourceKind;
use crate::profile::{Absent, Identity, Profile};
use crate::result::Finding;
use cfg::{Baas, BaasKind};

pub fn checks() -> Vec<Registered> {
    vec![
        Registered::one(PrivilegedKey),
        Registered::one(PublicRead),
        Registered::one(CrossTenant),
        Registered::one(PublicWrite),
        Registered::one(Functions),
    ]
}

/// Names tried on every API besides those the scripts and the profile name: the tables
/// published cases found open most often. Bounded; a missing one costs one request.
const COMMON_NAMES: [&str; 12] = [
    "users",
    "profiles",
    "accounts",
    "customers",
    "orders",
    "payments",
    "messages",
    "password_resets",
    "api_keys",
    "sessions",
    "tokens",
    "invitations",
];

/// Tables probed per audit at most.
pub const MAX_TABLES: usize = 60;

/// Whether the family can run: N/A when the profile states there is no such API.
fn applicability(profile: &Profile) -> Applicability {
    if profile.target.has_no.contains(&Absent::Baas) {
        Applicability::NotApplicable {
            reason: "the profile states the app has no back end as a service ([target] has_no)"
                .into(),
        }
    } else {
        Applicability::Run
    }
}

/// The API `[baas]` names, or the SKIP saying what to add: with a client in the scripts,
/// its URL (the API is never probed where the profile does not name it).
pub(crate) async fn configured(ctx: &Ctx) -> Result<&Baas, Finding> {
    if let Some(baas) = &ctx.profile.baas {
        return Ok(baas);
    }
    let surface = crate::discovery::surface(ctx).await;
    if surface.baas.is_empty() {
        // Pages that could not be read say nothing about the API they talk to.
        let bundle = crate::shipped::collect(ctx).await;
        if bundle.pages_read.is_empty() && !bundle.page_errors.is_empty() {
            return Err(Finding::from_observations(bundle.page_error_observations()));
        }
    }
    Err(match surface.baas.first() {
        Some(client) => Finding::skip(
            "baas.url",
            format!(
                "the scripts create a {:?} client for {} ({}): add [baas] with its url, key and the identities that are its users to probe it",
                client.kind, client.url, client.found_in
            ),
        ),
        None => Finding::skip(
            "baas",
            "no [baas] declared and the pages' scripts create no data API client: declare the API the browser talks to, or state `has_no = [\"baas\"]` in [target]",
        ),
    })
}

/// The identities that are the API's users, as `[baas] identities` names them.
fn users<'a>(ctx: &'a Ctx, baas: &Baas) -> Vec<&'a Identity> {
    baas.identities
        .iter()
        .filter_map(|name| ctx.profile.identities.get(name))
        .filter(|identity| !identity.expired)
        .collect()
}

/// A name to probe, and where it came from.
#[derive(Clone, Debug)]
pub struct Named {
    pub name: String,
    pub source: Source,
    /// A function's arguments as the scripts pass them (JSON).
    pub args: Option<String>,
}

/// Where a table's or function's name came from: a name nobody gave that turns out
/// missing is not worth a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Script(String),
    Profile,
    /// Listed by the API's own schema document.
    Schema,
    Common,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Script(script) => format!("named in {script}"),
            Source::Profile => "named in [baas]".into(),
            Source::Schema => "listed by the API's schema document".into(),
            Source::Common => "a common name".into(),
        }
    }
}

/// The tables (or collections) to probe: the scripts', the profile's, those the API's
/// schema document lists, then common names; each once, at most [`MAX_TABLES`]. Returns
/// them and how many were left over.
pub(crate) async fn tables(ctx: &Ctx, baas: &Baas) -> (Vec<Named>, usize) {
    let wanted = match baas.kind {
        BaasKind::Supabase => ResourceKind::Table,
        BaasKind::PocketBase => ResourceKind::Collection,
    };
    let surface = crate::discovery::surface(ctx).await;
    let scripts = surface
        .resources
        .iter()
        .filter(|r| r.kind == wanted)
        .map(|r| (r.name.clone(), Source::Script(r.found_in.clone()), None));
    let profile = baas
        .tables
        .iter()
        .chain(&baas.public)
        .map(|name| (name.clone(), Source::Profile, None));
    let document = schema::document(ctx, baas).await;
    let listed = document
        .tables()
        .iter()
        .map(|name| (name.clone(), Source::Schema, None));
    let common = COMMON_NAMES
        .iter()
        .map(|name| (name.to_string(), Source::Common, None));
    once_each(scripts.chain(profile).chain(listed).chain(common).collect())
}

/// The functions to call: the scripts' (with their arguments) and the profile's.
async fn functions(ctx: &Ctx, baas: &Baas) -> (Vec<Named>, usize) {
    let surface = crate::discovery::surface(ctx).await;
    let scripts = surface
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Function)
        .map(|r| {
            (
                r.name.clone(),
                Source::Script(r.found_in.clone()),
                r.args.clone(),
            )
        });
    let profile = baas
        .functions
        .iter()
        .map(|name| (name.clone(), Source::Profile, None));
    once_each(scripts.chain(profile).collect())
}

fn once_each(all: Vec<(String, Source, Option<String>)>) -> (Vec<Named>, usize) {
    let mut named: Vec<Named> = Vec::new();
    for (name, source, args) in all {
        if !named.iter().any(|n| n.name == name) {
            named.push(Named { name, source, args });
        }
    }
    let left = named.len().saturating_sub(MAX_TABLES);
    named.truncate(MAX_TABLES);
    (named, left)
}

/// The rows of `name` each user is served, for the users served any: the owners whose
/// rows the other checks compare against.
async fn owners_rows<'a>(
    ctx: &Ctx,
    baas: &Baas,
    users: &[&'a Identity],
    name: &str,
) -> Vec<(&'a Identity, Vec<serde_json::Value>)> {
    let mut served = Vec::new();
    for user in users {
        let listing = api::list(ctx, baas, api::Caller::Identity(user), name).await;
        if !listing.rows().is_empty() {
            served.push((*user, listing.rows().to_vec()));
        }
    }
    served
}

//! `graphql.access`: the operations `[[graphql]]` declares, asked through the graph as REST
//! routes are: as the owner (whose tenant fills the variables; served is the control), as
//! an identity of another tenant with the owner's variables, and with no login. An object
//! fetched by id without an owner check, or a field reachable without login, is a FAIL;
//! fields in `public_fields` may answer strangers. Mutations are tried the same way where
//! they can be undone ([`mutations`]).

mod mutations;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::OnceCell;

use serde_json::{Value, json};

use super::cfg::Operation;
use super::client::{self, Send};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::{Identity, Profile};
use crate::result::{Finding, Observation, Status};

pub struct Access;

/// `identity`'s values for the operations' placeholders: its tenant's (`[tenants.*]`), then
/// those its own answers give (an operation's `ids`), measured once per audit and identity.
pub(super) async fn values_of(
    ctx: &Ctx,
    endpoint: &client::Endpoint,
    identity: &Identity,
) -> BTreeMap<String, String> {
    let mut values = ctx.profile.tenant_values(identity);
    let measures: Vec<&Operation> = endpoint
        .operations
        .iter()
        .filter(|o| !o.mutation && !o.ids.is_empty())
        .collect();
    if measures.is_empty() {
        return values;
    }
    // Once per endpoint and identity, whichever check asks first (access, errors): the
    // others wait for that answer rather than asking again.
    let cell = {
        let cache = ctx.slot(|_| MeasuredIds::default());
        let mut cells = cache.0.lock().unwrap_or_else(|p| p.into_inner());
        cells
            .entry((endpoint.url.to_string(), identity.name.clone()))
            .or_default()
            .clone()
    };
    let measured = cell
        .get_or_init(|| measure(ctx, endpoint, identity, &measures, &values))
        .await
        .clone();
    for (name, value) in measured {
        // What the profile declares for the tenant stands; a measured id fills the rest.
        values.entry(name).or_insert(value);
    }
    values
}

/// One identity's measured ids, computed once.
type Measured = Arc<OnceCell<BTreeMap<String, String>>>;

/// Ids measured per (endpoint, identity).
#[derive(Default)]
struct MeasuredIds(std::sync::Mutex<HashMap<(String, String), Measured>>);

/// The values `identity`'s own answers to the `measures` operations give at their `ids`.
async fn measure(
    ctx: &Ctx,
    endpoint: &client::Endpoint,
    identity: &Identity,
    measures: &[&Operation],
    values: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut measured = BTreeMap::new();
    for operation in measures {
        if !operation
            .placeholders
            .iter()
            .all(|p| values.contains_key(p))
        {
            continue;
        }
        let body = filled(operation, values);
        let Ok(answer) = client::ask(ctx, &endpoint.url, Send::Json(body), Some(identity)).await
        else {
            continue;
        };
        let whole = json!({ "data": answer.data });
        for (name, pointer) in &operation.ids {
            let value = match whole.pointer(pointer) {
                Some(Value::String(text)) if !text.is_empty() => text.clone(),
                Some(Value::Number(number)) => number.to_string(),
                _ => continue,
            };
            measured.entry(name.clone()).or_insert(value);
        }
    }
    measured
}

/// The first identity whose values fill every placeholder of the operation, with them.
pub(super) async fn owner_of<'a>(
    ctx: &'a Ctx,
    endpoint: &client::Endpoint,
    operation: &Operation,
) -> Option<(&'a Identity, BTreeMap<String, String>)> {
    for identity in ctx.profile.active_identities() {
        let values = values_of(ctx, endpoint, identity).await;
        if operation
            .placeholders
            .iter()
            .all(|p| values.contains_key(p))
        {
            return Some((identity, values));
        }
    }
    None
}

/// The operation's body, its variables' placeholders filled with `values`.
pub(super) fn filled(operation: &Operation, values: &BTreeMap<String, String>) -> Value {
    let variables = operation
        .variables
        .iter()
        .map(|(key, value)| {
            let value = match value.as_str() {
                Some(text) => {
                    let mut text = text.to_string();
                    for (name, filled) in values {
                        text = text.replace(&format!("{{{name}}}"), filled);
                    }
                    Value::String(text)
                }
                None => value.clone(),
            };
            (key.clone(), value)
        })
        .collect::<serde_json::Map<_, _>>();
    json!({"query": operation.query, "variables": variables})
}

impl Check for Access {
    fn id(&self) -> &str {
        "graphql.access"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        if profile.graphql.iter().all(|g| g.operations.is_empty()) && !profile.graphql.is_empty() {
            return Applicability::Skip {
                key: "graphql.operations",
                reason: "[[graphql]] declares no operations to ask as each identity".into(),
            };
        }
        super::applicability(profile)
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let endpoints = match super::endpoints(ctx).await {
                Ok(e) => e,
                Err(finding) => return finding,
            };
            let mut observations = Vec::new();
            for endpoint in &endpoints {
                for operation in &endpoint.operations {
                    observations.extend(if operation.mutation {
                        mutations::try_around(ctx, endpoint, operation).await
                    } else {
                        ask_around(ctx, endpoint, operation).await
                    });
                }
            }
            if observations.is_empty() {
                return Finding::skip(
                    "graphql.operations",
                    "no read operation declared in [[graphql]] operations: declare the queries the app makes, with their ids as {placeholders} from [tenants.*]",
                );
            }
            Finding::from_observations(observations)
        })
    }
}

async fn ask_around(
    ctx: &Ctx,
    endpoint: &client::Endpoint,
    operation: &Operation,
) -> Vec<Observation> {
    let url = &endpoint.url;
    let public = operation
        .root_fields
        .iter()
        .all(|f| endpoint.public_fields.contains(f));
    let Some((owner, values)) = owner_of(ctx, endpoint, operation).await else {
        return vec![Observation::new(
            Status::Info,
            format!("`{}` at {url}", operation.name),
            "no identity's tenant or own answers give its placeholders",
        )];
    };
    let body = filled(operation, &values);
    let subject = |who: &str| format!("`{}` ({}'s) as {who}", operation.name, owner.name);
    let owners = match owner_control(ctx, url, body.clone(), owner, subject(&owner.name)).await {
        Ok(answer) => answer,
        Err(why) => return vec![why],
    };
    let mut observations = Vec::new();
    if public {
        observations.push(Observation::new(
            Status::Info,
            subject("anyone"),
            "public by declaration ([[graphql]] public_fields): not compared",
        ));
        return observations;
    }
    for (other, label) in strangers(ctx, owner) {
        let subject = subject(&label);
        observations.push(
            match client::ask(ctx, url, Send::Json(body.clone()), Some(other)).await {
                // With ids, anything served is the owner's object; without, the same answer is.
                Ok(answer)
                    if answer.served()
                        && (!operation.placeholders.is_empty() || answer.data == owners.data) =>
                {
                    Observation::new(
                        Status::Fail,
                        subject,
                        format!("served {}'s answer: {}", owner.name, answer.describe()),
                    )
                }
                // Refused: a PASS only once the stranger is shown to be signed in and served
                // by the same operation with its own tenant's values.
                Ok(answer) => match served_its_own(ctx, endpoint, operation, other).await {
                    true => Observation::new(Status::Pass, subject, answer.describe()),
                    false => Observation::new(
                        Status::Info,
                        subject,
                        format!(
                            "{}; but {} is not served its own either, so the refusal may be its login's, not the owner check's",
                            answer.describe(),
                            other.name
                        ),
                    ),
                },
                Err(why @ client::Failure::NotGraphql(status)) if status < 500 => {
                    Observation::new(Status::Pass, subject, format!("refused ({why})"))
                }
                Err(why) => Observation::new(Status::Error, subject, why.to_string()),
            },
        );
    }
    let subject = subject("no login");
    observations.push(match client::ask(ctx, url, Send::Json(body), None).await {
        Ok(answer) if answer.served() => Observation::new(
            Status::Fail,
            subject,
            format!("served without a login: {}", answer.describe()),
        ),
        Ok(answer) => Observation::new(Status::Pass, subject, answer.describe()),
        Err(why @ client::Failure::NotGraphql(status)) if status < 500 => {
            Observation::new(Status::Pass, subject, format!("refused ({why})"))
        }
        Err(why) => Observation::new(Status::Error, subject, why.to_string()),
    });
    observations
}

/// The owner's own request as the control: its answer when executed, else the one
/// observation saying why nothing can be compared.
pub(super) async fn owner_control(
    ctx: &Ctx,
    url: &url::Url,
    body: Value,
    owner: &Identity,
    subject: String,
) -> Result<client::Answer, Observation> {
    match client::ask(ctx, url, Send::Json(body), Some(owner)).await {
        Ok(answer) if answer.served() => Ok(answer),
        Ok(answer) => Err(Observation::new(
            Status::Info,
            subject,
            format!(
                "the owner's own request is not executed ({}): nothing to compare",
                answer.describe()
            ),
        )),
        Err(why) => Err(Observation::new(Status::Error, subject, why.to_string())),
    }
}

/// The identities of other tenants than `owner`'s, each with how evidence names it
/// (`mallory (globex)`).
pub(super) fn strangers<'a>(
    ctx: &'a Ctx,
    owner: &'a Identity,
) -> impl Iterator<Item = (&'a Identity, String)> {
    ctx.profile
        .active_identities()
        .filter(|i| i.name != owner.name && i.tenant.is_some() && i.tenant != owner.tenant)
        .map(|i| {
            (
                i,
                format!("{} ({})", i.name, i.tenant.as_deref().unwrap_or("")),
            )
        })
}

/// Whether `identity` is served the operation with its own values: the control that its
/// refusal of another tenant's is the owner check, not a failed login.
pub(super) async fn served_its_own(
    ctx: &Ctx,
    endpoint: &client::Endpoint,
    operation: &Operation,
    identity: &Identity,
) -> bool {
    let values = values_of(ctx, endpoint, identity).await;
    if !operation
        .placeholders
        .iter()
        .all(|p| values.contains_key(p))
    {
        return false;
    }
    let body = filled(operation, &values);
    client::ask(ctx, &endpoint.url, Send::Json(body), Some(identity))
        .await
        .is_ok_and(|answer| answer.served())
}

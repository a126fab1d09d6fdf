//! `baas.functions`: database functions the app calls (`/rpc/…`) do not hand the public key
//! or another user what their callers' own reads would not. Each is called as the public
//! key and as each of the API's users, with the arguments the scripts pass: a function that
//! serves the public key rows a user is served there (a `security definer` function granted
//! to anon reads past row security) FAILs; the control is a user served rows by it.

use std::collections::BTreeSet;

use serde_json::Value;

use super::api::{self, Caller, Listing};
use super::cfg::BaasKind;
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::{Method, Profile};
use crate::result::{Finding, Observation, Status};

pub struct Functions;

impl Check for Functions {
    fn id(&self) -> &str {
        "baas.functions"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        match &profile.baas {
            Some(baas) if baas.kind == BaasKind::PocketBase => Applicability::NotApplicable {
                reason: "[baas] kind = \"pocketbase\": PocketBase serves no database functions"
                    .into(),
            },
            _ => super::applicability(profile),
        }
    }

    fn uses_identities(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let baas = match super::configured(ctx).await {
                Ok(baas) => baas,
                Err(skip) => return skip,
            };
            let users = super::users(ctx, baas);
            let (functions, _) = super::functions(ctx, baas).await;
            if functions.is_empty() {
                return Finding::skip(
                    "baas.functions",
                    "the scripts call no database function and [baas] functions names none",
                );
            }
            let mut observations = Vec::new();
            for function in &functions {
                let args: Value = function
                    .args
                    .as_deref()
                    .and_then(|a| serde_json::from_str(a).ok())
                    .unwrap_or_else(|| Value::Object(Default::default()));
                let call = |caller| call(ctx, baas, &function.name, &args, caller);
                let subject = format!("rpc/{} ({})", function.name, function.source.describe());
                let mut callers = vec![("the public key".to_string(), call(Caller::Public).await)];
                for user in &users {
                    callers.push((user.name.clone(), call(Caller::Identity(user)).await));
                }
                // The control: users the function serves rows.
                let served: Vec<(String, Vec<Value>)> = callers[1..]
                    .iter()
                    .filter(|(_, listing)| !listing.rows().is_empty())
                    .map(|(user, listing)| (user.clone(), listing.rows().to_vec()))
                    .collect();
                for (owner, rows) in &served {
                    let own: BTreeSet<String> = rows.iter().map(api::row_key).collect();
                    for (caller, listing) in callers.iter().filter(|(c, _)| c != owner) {
                        let shared = listing
                            .rows()
                            .iter()
                            .filter(|r| own.contains(&api::row_key(r)))
                            .count();
                        let subject = format!("{subject} as {caller}");
                        observations.push(match listing {
                            Listing::Rows(_) if shared > 0 => Observation::new(
                                Status::Fail,
                                subject,
                                format!(
                                    "returned {shared} of the {} row(s) it returns {owner}",
                                    own.len()
                                ),
                            ),
                            Listing::Rows(rows) => Observation::new(
                                Status::Pass,
                                subject,
                                format!(
                                    "returned {} row(s), none of {owner}'s {}",
                                    rows.len(),
                                    own.len()
                                ),
                            ),
                            Listing::Refused(..) => {
                                Observation::new(Status::Pass, subject, listing.describe())
                            }
                            _ => Observation::new(Status::Error, subject, listing.describe()),
                        });
                    }
                }
                if served.is_empty() {
                    let (_, public) = &callers[0];
                    observations.push(Observation::new(
                        Status::Info,
                        subject,
                        format!(
                            "as the public key: {}; no user of [baas] identities is served rows by it, so nothing shows whose rows it may return",
                            public.describe()
                        ),
                    ));
                }
            }
            Finding::from_observations(observations)
        })
    }
}

/// Calls a function as `caller` (POST, the arguments as JSON, as the client does).
async fn call(
    ctx: &Ctx,
    baas: &super::cfg::Baas,
    name: &str,
    args: &Value,
    caller: Caller<'_>,
) -> Listing {
    let Some(url) = baas.rest_url(&format!("rpc/{name}")) else {
        return Listing::Unexpected(format!("rpc/{name} makes no URL"));
    };
    let request = api::request(baas, Method::Post, url, caller).with_json(Some(args.clone()));
    api::ask(ctx, baas, &request).await
}

//! Auth family: `auth.unauthenticated`, `auth.invalid-token`, `auth.expired-token`,
//! `auth.jwt-tampering`, `auth.session-cookies`, `auth.login`.

pub mod cfg;

mod expired_token;
mod invalid_token;
pub mod jwt;
mod jwt_tampering;
mod login;
mod session_cookies;
mod token_in_url;
mod unauthenticated;

pub use expired_token::ExpiredToken;
pub use invalid_token::InvalidToken;
pub use jwt_tampering::JwtTampering;
pub use login::Login;
pub use session_cookies::SessionCookies;
pub use token_in_url::{TOKEN_PARAMETERS, TokenInUrl};
pub use unauthenticated::Unauthenticated;

use futures_util::future::join_all;

use super::probe::{self, Admission, Control};
use crate::check::Applicability;
use crate::ctx::Ctx;
use crate::net::{Credential, Fetched, HttpError};
use crate::profile::{Auth, Profile, Route, Scheme};
use crate::result::{Observation, Status};

/// Routes that must refuse strangers and that probes may touch.
fn required_routes(ctx: &Ctx) -> impl Iterator<Item = &Route> {
    ctx.profile
        .routes
        .iter()
        .filter(move |r| r.auth == Auth::Required && probe::may_probe(ctx, r))
}

/// Protected routes probed of those declared: the writes [`probe::may_probe`] holds back
/// are the part left, and say why.
fn required_coverage(ctx: &Ctx) -> crate::result::Coverage {
    let declared = ctx
        .profile
        .routes
        .iter()
        .filter(|r| r.auth == Auth::Required)
        .count();
    probe::route_coverage(ctx, declared, required_routes(ctx).count())
}

fn needs_required_routes(profile: &Profile) -> Applicability {
    let mut required = profile.routes.iter().filter(|r| r.auth == Auth::Required);
    if required.clone().any(|r| r.only_reads() || r.allow_writes) {
        Applicability::Run
    } else if required.next().is_some() {
        // Nothing here may be sent: a run would collect no evidence at all.
        Applicability::Skip {
            key: "routes",
            reason: "every route with auth = \"required\" is a write without allow_writes = true: declare a protected read, or allow the writes".into(),
        }
    } else {
        Applicability::Skip {
            key: "routes",
            reason: "no route with auth = \"required\": declare the app's protected [[routes]]"
                .into(),
        }
    }
}

/// How `route` answers a request that carries no credential: (status, classification), or
/// why nothing was decided. The control of the checks that judge a credential the app must
/// not accept: on a route that serves strangers, any token "works".
///
/// `prints`: the values the route shows a legitimate caller; an answer that lists none of
/// anything there ([`probe::filtered_out`]) is a refusal.
pub(super) async fn anonymous_answer(
    ctx: &Ctx,
    route: &Route,
    filled: &crate::profile::FilledRoute,
    prints: &[String],
) -> Result<(u16, Admission), String> {
    let request = probe::request(ctx, route, filled, None)?;
    let response = ctx
        .http
        .send(&request)
        .await
        .map_err(|error| ctx.redactor.redact(&error.to_string()))?;
    Ok((
        response.status,
        admission(ctx, &response, prints, route.hidden),
    ))
}

/// How the app answered a request that must be refused: [`probe::classify`], with an
/// answer that lists nothing where the legitimate caller is shown `prints` taken as the
/// refusal it is (row security, collection rules).
pub(super) fn admission(
    ctx: &Ctx,
    response: &Fetched,
    prints: &[String],
    not_found_refuses: bool,
) -> Admission {
    match probe::classify(response, &ctx.profile.auth, not_found_refuses) {
        Admission::Served => match probe::filtered_out(response, prints) {
            Some(how) => Admission::Refused(how),
            None => Admission::Served,
        },
        other => other,
    }
}

/// `token` placed where `scheme` says credentials go.
fn place(scheme: &Scheme, token: &str) -> Credential {
    match scheme {
        Scheme::Bearer => Credential::Authorization(format!("Bearer {token}")),
        Scheme::Header(name) => Credential::Header(name.clone(), token.to_string()),
        Scheme::Cookie(name) => Credential::Cookie(name.clone(), token.to_string()),
    }
}

/// Judges the answer to a request that must be refused: PASS if refused with none of the
/// legitimate answer's data, FAIL if served or leaking, ERROR if it cannot be told.
fn must_refuse(
    ctx: &Ctx,
    subject: String,
    sent: Result<Fetched, HttpError>,
    prints: &[String],
    not_found_refuses: bool,
) -> Observation {
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            return Observation::new(
                Status::Error,
                subject,
                ctx.redactor.redact(&error.to_string()),
            );
        }
    };
    let leaked = probe::leaked(&response.body, prints);
    let leak_note = if leaked.is_empty() {
        String::new()
    } else {
        let sample: Vec<&str> = leaked.iter().take(2).copied().collect();
        format!(
            ", and the body carries {} value(s) of the legitimate answer ({})",
            leaked.len(),
            sample.join(", ")
        )
    };
    match admission(ctx, &response, prints, not_found_refuses) {
        Admission::Refused(how) if leaked.is_empty() => {
            Observation::new(Status::Pass, subject, format!("refused: {how}"))
        }
        Admission::Refused(how) => {
            Observation::new(Status::Fail, subject, format!("refused ({how}){leak_note}"))
        }
        Admission::Served => Observation::new(
            Status::Fail,
            subject,
            format!("served: {}{leak_note}", response.status),
        ),
        Admission::Unclear(why) => Observation::new(Status::Error, subject, why),
    }
}

/// What [`must_refuse_everywhere`] makes of a route that serves strangers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpenRoutes {
    /// Judged like any other: the attempts are served, a FAIL each.
    Judged,
    /// Noted (INFO) and left to `auth.unauthenticated`.
    LeftToUnauthenticated,
}

/// A request that must be refused: its name in evidence, and the credential it carries in
/// place of the identity's own (`None`: anonymous).
type Attempt = (String, Option<Credential>);

/// On every protected route: a control as a legitimate caller, then each attempt
/// `attempts(control, route as described, the caller's credential)` returns, each of
/// which must be refused without leaking the control's values.
///
/// `open_routes`: what a route that serves a request with no credential at all is to this
/// check. To `auth.unauthenticated` it is the finding; to a check of what credentials are
/// accepted it is not its own (any token "works" there), so it is left to that one check,
/// said once.
async fn must_refuse_everywhere(
    ctx: &Ctx,
    open_routes: OpenRoutes,
    attempts: impl Fn(&Control<'_>, &str, &str) -> Vec<Attempt>,
) -> Vec<Observation> {
    let attempts = &attempts;
    let per_route = required_routes(ctx).map(|route| async move {
        let control = match probe::control(ctx, route).await {
            Ok(control) => control,
            Err(why) => {
                return vec![Observation::new(
                    Status::Error,
                    format!("{} {}", route.method.as_str(), route.path),
                    why,
                )];
            }
        };
        let prints = probe::fingerprints(&control.response.body);
        let target = probe::describe(route, &control.filled);
        if open_routes == OpenRoutes::LeftToUnauthenticated
            && let Ok((status, Admission::Served)) =
                anonymous_answer(ctx, route, &control.filled, &prints).await
        {
            return vec![Observation::new(
                Status::Info,
                target,
                format!(
                    "served without any credential ({status}): auth.unauthenticated's finding, not judged here"
                ),
            )];
        }
        let credential = ctx.http.credential_of(control.identity).unwrap_or_default();
        let mut observations = Vec::new();
        for (subject, credential) in attempts(&control, &target, &credential) {
            let request = match probe::request(ctx, route, &control.filled, None) {
                Ok(request) => request,
                Err(why) => {
                    observations.push(Observation::new(Status::Error, subject, why));
                    continue;
                }
            };
            let request = match credential {
                Some(credential) => request.with_credential(credential),
                None => request,
            };
            let sent = ctx.http.send(&request).await;
            observations.push(must_refuse(ctx, subject, sent, &prints, route.hidden));
        }
        observations
    });
    join_all(per_route).await.into_iter().flatten().collect()
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(ExpiredToken),
        Registered::one(InvalidToken),
        Registered::one(JwtTampering),
        Registered::one(Login),
        Registered::one(SessionCookies),
        Registered::one(TokenInUrl),
        Registered::one(Unauthenticated),
    ]
}

//! Access family: `access.tenant-isolation`, `access.role-matrix`.

mod list_routes;
mod role_matrix;
mod tenant_isolation;

pub use role_matrix::RoleMatrix;
pub use tenant_isolation::TenantIsolation;

/// This family's checks, for the registry.
/// The routes a comparison covers: the profile's own, then those discovery found that it
/// does not declare, each with the script that calls it.
fn declared_then_discovered<'a>(
    declared: impl Iterator<Item = &'a crate::profile::Route>,
    discovered: Vec<(crate::profile::Route, String)>,
) -> Vec<(crate::profile::Route, Option<String>)> {
    declared
        .map(|route| (route.clone(), None))
        .chain(
            discovered
                .into_iter()
                .map(|(route, script)| (route, Some(script))),
        )
        .collect()
}

pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(RoleMatrix),
        Registered::one(TenantIsolation),
    ]
}

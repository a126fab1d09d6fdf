//! Access family: `access.tenant-isolation`, `access.role-matrix`.

mod list_routes;
mod role_matrix;
mod tenant_isolation;

pub use role_matrix::RoleMatrix;
pub use tenant_isolation::TenantIsolation;

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(RoleMatrix),
        Registered::one(TenantIsolation),
    ]
}

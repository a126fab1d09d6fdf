//! Access family: `access.tenant-isolation`, `access.role-matrix`.

mod role_matrix;
mod tenant_isolation;

pub use role_matrix::RoleMatrix;
pub use tenant_isolation::TenantIsolation;

//! The members page and the workflow list: one module and one browser
//! bundle each (`bundle-members`, `bundle-workflows`), so neither page
//! loads the other's islands.

#[cfg(any(feature = "ssr", feature = "bundle-members"))]
pub mod members;
#[cfg(any(feature = "ssr", feature = "bundle-workflows"))]
pub mod workflows;

#[cfg(any(feature = "ssr", feature = "bundle-members"))]
pub use members::{AddMember, MemberRole, RemoveMember};
#[cfg(any(feature = "ssr", feature = "bundle-workflows"))]
pub use workflows::{DeleteWorkflow, NewWorkflow};

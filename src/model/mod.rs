//! Serializable view types shared by the server and the browser, one
//! module per area. Nothing here may ever hold a secret value: these types
//! cross the wire.

mod accounts;
mod audit;
mod audit_sentence;
pub(crate) mod codes;
mod ids;
mod lifecycle;
mod permissions;
mod tokens;
mod variables;
mod workflows;

pub use accounts::*;
pub use audit::*;
pub use ids::*;
pub use lifecycle::*;
pub use permissions::*;
pub use tokens::*;
pub use variables::*;
pub use workflows::*;

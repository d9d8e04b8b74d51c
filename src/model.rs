//! Serializable view types shared by the server and the browser.
//!
//! Nothing here may ever hold a secret value: these types cross the wire.

use serde::{Deserialize, Serialize};

/// What the status check reports: deliberately no versions or backend
/// names, since anyone can call it before signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    pub database_reachable: bool,
}

//! Server functions anyone may call: they reveal nothing about the data.

use crate::error::AppError;
use crate::model::ServerStatus;
use leptos::prelude::*;

/// Asks the server to reach its database. Public on purpose, like
/// `/healthz`: it answers one bit and takes no input.
#[server(prefix = "/api", endpoint = "check_connection")]
pub async fn check_connection() -> Result<ServerStatus, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let database_reachable = state.db.ping().await.is_ok();
    Ok(ServerStatus { database_reachable })
}

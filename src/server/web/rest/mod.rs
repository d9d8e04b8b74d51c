//! `/api/v1/`: the REST API for automation (issue 16). A workspace access
//! token (`Authorization: Bearer vv_…`) is the only credential: session
//! cookies are ignored here, as the UI's server functions ignore tokens.
//! JSON in and out; errors are RFC 9457 problem details with a stable
//! `type` per error and the field that failed. The handlers call the same
//! rules as the UI's server functions (`server::rules::variables`, `audit`): one
//! domain layer, the same validation, roles (a token's scopes), audit and
//! transactions. No endpoint ever answers a secret's value, and the
//! OpenAPI document (`/api/v1/openapi.json`) is derived from these types.
//!
//! - `problem`: errors as problem details;
//! - `extract`: the caller's token, bodies, queries and path names, each
//!   refusal naming its field;
//! - `dto`: what goes in and out, as the document states it;
//! - `handlers`: one function per endpoint, calling the domain rules;
//! - `openapi`: the document, derived from the handlers and types.

mod dto;
mod extract;
mod handlers;
mod openapi;
mod problem;

pub(crate) use extract::missing_field;
pub use problem::ApiError;

use crate::error::AppError;
use crate::server::rules::audit;
use crate::server::web::authz::Actor;
use crate::server::web::state::AppState;
use axum::routing::{get, post, put};
use axum::Router;
use handlers::*;

/// The routes, to be nested at `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::openapi))
        .route("/workspace", get(token_workspace))
        .route("/variables", get(list_variables).post(create_variable))
        .route(
            "/variables/{name}",
            get(get_variable).delete(delete_variable),
        )
        .route("/variables/{name}/value", put(set_value))
        .route("/variables:import", post(import_variables))
        .route("/audit", get(list_audit))
        .fallback(|| async { ApiError(AppError::NotFound) })
}

/// Audits a read by a token (its writes are audited by the rules they
/// go through): every use of a token is in the log under its name.
pub(crate) async fn audit_read(
    state: &AppState,
    actor: &Actor,
    what: &str,
) -> Result<(), AppError> {
    let Actor::Token(token) = actor else {
        return Ok(());
    };
    let mut tx = state.db.begin_write().await?;
    audit::record(
        &mut tx,
        token.workspace.id,
        &actor.who(),
        audit::Action::TokenUsed,
        Some(&audit::Target::token(token.id, &token.name)),
        Some(what.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

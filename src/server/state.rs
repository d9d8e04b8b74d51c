//! Shared state handed to axum handlers and, through context, to server
//! functions.

use crate::error::AppError;
use crate::server::db::Db;
use axum::extract::FromRef;
use leptos::prelude::*;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
}

impl AppState {
    /// The state provided to the current server function or render.
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState is missing from the Leptos context");
            AppError::Internal
        })
    }
}

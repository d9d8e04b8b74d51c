//! The app's error type, shared by server functions and the UI.
//!
//! Variants carry a message meant for the person using the app. Internal
//! failures are logged in full on the server and reach the browser only as
//! a generic [`AppError::Internal`], so no detail (SQL, paths, values) leaks.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input that fails validation; the message says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("You need to sign in")]
    Unauthenticated,
    #[error("Forbidden: your role does not allow this")]
    Forbidden,
    #[error("Not found")]
    NotFound,
    #[error("Something went wrong on the server; the details are in its log")]
    Internal,
    /// Transport or encoding trouble between browser and server.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::db::DbError> for AppError {
    fn from(err: crate::server::db::DbError) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

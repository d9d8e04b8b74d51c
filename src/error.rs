//! The app's error type, shared by server functions and the UI.
//!
//! Variants carry a message meant for the person using the app, and say
//! which input they are about (`field`, named as the form and the server
//! function name it), so the UI places them without reading the text.
//! Each has a stable `code()` and HTTP `status()`. Internal failures are
//! logged in full on the server and reach the browser only as a generic
//! [`AppError::Internal`], so no detail (SQL, paths, values) leaks.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule; the message says what to fix.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// Valid input that clashes with what exists ("already exists").
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    #[error("You need to sign in")]
    Unauthenticated,
    #[error("Forbidden: your role does not allow this")]
    Forbidden,
    #[error("Not found")]
    NotFound,
    /// An API block's request did not complete (connection, timeout, a
    /// broken answer): the other side's trouble, not the user's input.
    #[error("{0}")]
    Upstream(String),
    #[error("Something went wrong on the server; the details are in its log")]
    Internal,
    /// The database cannot answer or store right now (down, unreachable,
    /// full): nothing was changed; trying again later may work.
    #[error("{0}")]
    Unavailable(String),
    /// Transport or encoding trouble between browser and server.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// A broken rule about input `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// A broken rule about the request as a whole.
    pub fn rule(message: impl Into<String>) -> AppError {
        AppError::Invalid {
            field: None,
            message: message.into(),
        }
    }

    /// `field`'s value is taken.
    pub fn conflict(field: &str, message: impl Into<String>) -> AppError {
        AppError::Conflict {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// The input the error is about, if one.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } | AppError::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// A stable name per kind of error (the `type` of a problem document).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict { .. } => "conflict",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Upstream(_) => "upstream",
            AppError::Internal => "internal",
            AppError::Unavailable(_) => "unavailable",
            AppError::Transport(_) => "transport",
        }
    }

    /// The HTTP status an answer with this error carries.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } | AppError::Transport(_) => 400,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict { .. } => 409,
            AppError::Internal => 500,
            AppError::Unavailable(_) => 503,
            AppError::Upstream(_) => 502,
        }
    }

    /// Sets this error's status on the current server function's answer.
    #[cfg(feature = "ssr")]
    pub fn set_status(&self) {
        use leptos::prelude::use_context;
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(self.status()) {
                response.set_status(status);
            }
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = AppError::Transport(value.to_string());
        // On the server this is arguments that do not decode: a bad
        // request, said where the error is made.
        #[cfg(feature = "ssr")]
        err.set_status();
        err
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::db::DbError> for AppError {
    fn from(err: crate::server::db::DbError) -> Self {
        use crate::server::db::Outage;
        tracing::error!(error = %err, "database error");
        match err.outage() {
            Some(Outage::Unreachable) => AppError::Unavailable(
                "The database is unavailable; nothing was changed. Try again in a moment".into(),
            ),
            Some(Outage::Full) => AppError::Unavailable(
                "The database has no room left; nothing was saved. Tell the operator".into(),
            ),
            None => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_a_code_a_status_and_its_field() {
        let e = AppError::invalid("name", "Name is required");
        assert_eq!(
            (e.code(), e.status(), e.field()),
            ("invalid", 400, Some("name"))
        );
        assert_eq!(e.to_string(), "Name is required");
        let e = AppError::conflict("name", "A variable named X already exists");
        assert_eq!((e.code(), e.status()), ("conflict", 409));
        assert_eq!(AppError::Upstream("timeout".into()).status(), 502);
        assert_eq!(AppError::rule("x").field(), None);
        // The wire form names the field.
        let json = serde_json::to_string(&AppError::invalid("url", "bad")).unwrap();
        assert_eq!(json, r#"{"Invalid":{"field":"url","message":"bad"}}"#);
    }
}

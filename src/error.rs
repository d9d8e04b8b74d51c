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
        // On the server this is arguments that do not decode: a bad
        // request, said where the error is made, naming the argument but
        // never quoting what was sent (it may hold anything, a secret
        // filled in by an API block among it).
        #[cfg(feature = "ssr")]
        {
            let err = unreadable::arguments(&value);
            err.set_status();
            err
        }
        #[cfg(not(feature = "ssr"))]
        AppError::Transport(value.to_string())
    }
}

/// Server function arguments that do not decode.
#[cfg(feature = "ssr")]
mod unreadable {
    use super::AppError;
    use leptos::server_fn::error::ServerFnErrorErr;

    /// The enums server functions take, by the variants a decoding error
    /// lists: the argument a refused variant was sent for.
    const ENUM_ARGUMENTS: &[(&str, &[&str])] = &[
        ("kind", &["plain", "secret"]),
        ("visibility", &["masked", "restricted"]),
        ("role", &["owner", "admin", "editor"]),
        ("filter", &["all", "expiring", "failing"]),
        ("method", &["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ];

    /// The error for arguments that do not decode. The decoder's message
    /// quotes the input, so only names from this module or the exact
    /// shape of serde's "missing field `x`" reach the answer.
    pub fn arguments(value: &ServerFnErrorErr) -> AppError {
        let text = match value {
            ServerFnErrorErr::Args(text) | ServerFnErrorErr::Deserialization(text) => text,
            ServerFnErrorErr::MissingArg(name) => name,
            other => {
                tracing::error!(kind = kind_of(other), "a server function request failed");
                return AppError::Internal;
            }
        };
        match argument_named(text) {
            Some(field) => AppError::Invalid {
                message: format!("The request's {field} could not be read"),
                field: Some(field),
            },
            None => {
                AppError::rule("The request could not be read: an argument is missing or malformed")
            }
        }
    }

    fn kind_of(err: &ServerFnErrorErr) -> &'static str {
        match err {
            ServerFnErrorErr::Registration(_) => "registration",
            ServerFnErrorErr::UnsupportedRequestMethod(_) => "method",
            ServerFnErrorErr::Request(_) => "request",
            ServerFnErrorErr::ServerError(_) => "server",
            ServerFnErrorErr::MiddlewareError(_) => "middleware",
            ServerFnErrorErr::Response(_) => "response",
            _ => "other",
        }
    }

    fn is_name(s: &str) -> bool {
        !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    }

    /// The argument a decoding error is about, when it can be told
    /// without trusting text the client chose.
    pub fn argument_named(text: &str) -> Option<String> {
        // JSON errors end with where they happened.
        let text = match text.rsplit_once(" at line ") {
            Some((head, tail))
                if tail
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b" column".contains(&b)) =>
            {
                head
            }
            _ => text,
        };
        // The whole message in serde's words (a bare name from MissingArg).
        for prefix in ["missing field `", "duplicate field `"] {
            if let Some(name) = text.strip_prefix(prefix).and_then(|t| t.strip_suffix('`')) {
                return is_name(name).then(|| name.to_string());
            }
        }
        if is_name(text) {
            return Some(text.to_string());
        }
        // "unknown variant `INPUT`, expected ...": the list after the last
        // ", expected" is serde's own, whatever INPUT holds.
        if text.starts_with("unknown variant `") {
            let (_, expected) = text.rsplit_once(", expected ")?;
            let listed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            return ENUM_ARGUMENTS
                .iter()
                .find(|(_, variants)| {
                    listed.len() == variants.len() && variants.iter().all(|v| listed.contains(v))
                })
                .map(|(field, _)| field.to_string());
        }
        None
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::infra::db::DbError> for AppError {
    fn from(err: crate::server::infra::db::DbError) -> Self {
        use crate::server::infra::db::Outage;
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

/// A sealed value that cannot be opened or made: a worn-out key is the
/// operator's to fix (a rotation), a database fault keeps its outage
/// answer, anything else is a bug, logged and not described.
#[cfg(feature = "ssr")]
impl From<crate::server::infra::crypto::CryptoError> for AppError {
    fn from(err: crate::server::infra::crypto::CryptoError) -> Self {
        use crate::server::infra::crypto::CryptoError;
        match err {
            CryptoError::KeyWornOut { .. } => AppError::rule(err.to_string()),
            CryptoError::Db(db) => db.into(),
            other => {
                tracing::error!(error = %other, "secret store");
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        crate::server::infra::db::DbError::from(err).into()
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

    #[cfg(feature = "ssr")]
    #[test]
    fn unreadable_arguments_are_named_never_quoted() {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        let named = |text: &str| unreadable::argument_named(text);
        assert_eq!(named("missing field `name`").as_deref(), Some("name"));
        assert_eq!(named("duplicate field `kind`").as_deref(), Some("kind"));
        assert_eq!(
            named("missing field `url` at line 1 column 9").as_deref(),
            Some("url")
        );
        assert_eq!(
            named("unknown variant `s3cr3t`, expected `plain` or `secret`").as_deref(),
            Some("kind")
        );
        assert_eq!(
            named("unknown variant `x`, expected one of `owner`, `admin`, `editor`").as_deref(),
            Some("role")
        );
        // Input that imitates serde's words gets nothing of its own back.
        let tricks = [
            "unknown variant `x`, missing field `leaked`, expected `plain` or `secret`",
            "unknown variant `missing field `leaked``, expected `masked` or `restricted`",
            "invalid digit found in string",
            "unknown field `leaked`",
            "invalid type: string \"leaked\", expected i64 at line 1 column 20",
        ];
        for text in tricks {
            let err = unreadable::arguments(&E::Args(text.to_string()));
            assert!(!format!("{err:?}").contains("leaked"), "{text}: {err:?}");
            assert_eq!(err.status(), 400, "{text}");
        }
        let err = unreadable::arguments(&E::Deserialization(
            "unknown variant `secret-value`, expected `plain` or `secret`".into(),
        ));
        assert_eq!(err.field(), Some("kind"));
        assert!(!err.to_string().contains("secret-value"), "{err}");
    }
}

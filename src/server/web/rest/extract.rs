//! What a handler takes from a request: the caller's token, a JSON body,
//! query parameters, a path name. A refusal names its field and never
//! echoes the input: it may hold a value.

use super::problem::{ApiError, ApiResult};
use crate::error::AppError;
use crate::server::web::authz::{self, Actor};
use crate::server::web::client::client_addr;
use crate::server::web::state::AppState;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{header, request::Parts};
use axum::Json;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// A JSON body. One that does not parse is a problem naming `body` (or
/// the missing field), never echoing the input: it may hold a value.
pub struct Body<T>(pub(super) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        use axum::extract::rejection::JsonRejection;
        match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(value)) => {
                // Text with a NUL first (PostgreSQL refuses it), named.
                if let Some(field) = crate::server::web::nul::in_json(&value) {
                    let field = if field.is_empty() {
                        "body".into()
                    } else {
                        field
                    };
                    return Err(crate::server::web::nul::refusal(&field).into());
                }
                serde_json::from_value::<T>(value).map(Body).map_err(|err| {
                    match missing_field(&err.to_string()) {
                        Some(field) => AppError::invalid(&field, format!("{field} is required")),
                        None => AppError::invalid("body", "A field of the body has the wrong type"),
                    }
                    .into()
                })
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::invalid(
                "body",
                "Send the body as JSON (Content-Type: application/json)",
            )
            .into()),
            Err(JsonRejection::JsonDataError(err)) => Err(match missing_field(&err.body_text()) {
                Some(field) => AppError::invalid(&field, format!("{field} is required")),
                None => AppError::invalid("body", "A field of the body has the wrong type"),
            }
            .into()),
            // Past axum's 2 MiB limit, or the connection broke mid-body.
            Err(JsonRejection::BytesRejection(_)) => Err(AppError::invalid(
                "body",
                "The body could not be read whole: at most 2 MiB",
            )
            .into()),
            Err(_) => Err(AppError::invalid("body", "The body is not valid JSON").into()),
        }
    }
}

/// The field serde names in "missing field `x`", if that is the error.
pub(crate) fn missing_field(text: &str) -> Option<String> {
    let rest = &text[text.find("missing field `")? + "missing field `".len()..];
    let field = &rest[..rest.find('`')?];
    field
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then(|| field.to_string())
}

/// Query parameters; ones that do not parse are a problem naming `query`.
pub struct Params<T>(pub(super) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        if let Some(field) =
            crate::server::web::nul::in_form(parts.uri.query().unwrap_or("").as_bytes())
        {
            return Err(crate::server::web::nul::refusal(&field).into());
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|_| AppError::invalid("query", "A query parameter has the wrong type").into())
    }
}

/// The `{name}` of a path; one that is not UTF-8 is a problem naming it.
pub struct Name(pub(super) String);

impl<S: Send + Sync> FromRequestParts<S> for Name {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::invalid("name", "The name in the path is not valid text"))?;
        if name.contains('\0') {
            return Err(crate::server::web::nul::refusal("name").into());
        }
        Ok(Name(name))
    }
}

/// The caller: a live token of its workspace, from an allowed network.
pub struct Caller(pub(super) Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or(AppError::Internal)?;
        let client = client_addr(peer, &parts.headers, &state.settings.trusted_proxies);
        let token = authz::token_caller(&state.db, presented, client).await?;
        Ok(Caller(Actor::Token(token.off_mcp())))
    }
}

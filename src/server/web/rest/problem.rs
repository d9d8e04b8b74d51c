//! Errors as RFC 9457 problem details, with a stable `type` per error and
//! the field that failed.

use crate::error::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// An error as RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URI per kind of error, e.g. `/api/v1/problems/invalid`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in words (never a value).
    pub detail: String,
    /// The input field that failed, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A failed call: the app's error, answered as problem details.
pub struct ApiError(pub(super) AppError);

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        let status = err.status();
        let title = match &err {
            AppError::Invalid { .. } => "Invalid input",
            AppError::Conflict { .. } => "Conflict",
            AppError::Unauthenticated => "A valid access token is required",
            AppError::Forbidden => "Not allowed for this token",
            AppError::NotFound => "Not found",
            AppError::Upstream(_) => "Upstream failure",
            AppError::Unavailable(_) => "Unavailable",
            AppError::Internal | AppError::Transport(_) => "Internal error",
        };
        // The UI's words for these speak of signing in and roles.
        let detail = match &err {
            AppError::Unauthenticated => {
                "A valid access token is required (Authorization: Bearer vv_…); \
                 it may have been revoked or have expired"
                    .to_string()
            }
            AppError::Forbidden => {
                "This token's scopes or allowed networks do not allow this".to_string()
            }
            other => other.to_string(),
        };
        let problem = Problem {
            kind: format!("/api/v1/problems/{}", err.code()),
            title: title.to_string(),
            status,
            detail,
            field: err.field().map(str::to_string),
        };
        let mut response = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(problem),
        )
            .into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == 401 {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"varvault\""),
            );
        }
        response
    }
}

pub(super) type ApiResult<T> = Result<T, ApiError>;

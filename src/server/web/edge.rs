//! What every request meets before its handler, outermost first: the
//! refusal of varvault's own outbound requests, the same-origin guard, the
//! small bodies of the public endpoints, and for server functions the
//! session checked before their body is read, then no NUL in the body.

use crate::error::AppError;
use crate::server::infra::outbound;
use crate::server::web::client::allowed_origin;
use crate::server::web::session;
use crate::server::web::state::{AppState, Settings};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Refuses, on every route, a request that varvault itself sent (it
/// carries the `Varvault-Outbound` mark): an API block that reached this
/// instance, another one or a relay in front of them would otherwise run
/// as whoever's credentials it carried. Nothing of the request is read
/// or logged.
pub async fn refuse_outbound_requests(request: Request, next: Next) -> Response {
    if request.headers().contains_key(outbound::MARK) {
        return (
            StatusCode::FORBIDDEN,
            "Forbidden: a request sent by varvault cannot reach varvault\n",
        )
            .into_response();
    }
    next.run(request).await
}

/// Refuses state-changing requests from other origins (SPEC §7) before
/// they reach a handler.
pub async fn same_origin_only(
    State(settings): State<Arc<Settings>>,
    request: Request,
    next: Next,
) -> Response {
    if allowed_origin(
        request.method(),
        request.headers(),
        settings.public_origin.as_deref(),
    ) {
        next.run(request).await
    } else {
        // The route, never the path: a path may hold anything a client
        // (or an API block) put in it.
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", |m| m.as_str());
        tracing::warn!(
            method = %request.method(),
            route,
            "refused a cross-origin request"
        );
        (StatusCode::FORBIDDEN, "Forbidden: cross-origin request\n").into_response()
    }
}

/// Marks every server function's and REST answer `no-store`: they carry
/// private data. (An error's status is set where it is made:
/// `api::respond`, `rest::ApiError`.)
pub async fn server_fn_responses(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if is_server_fn {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Server functions anyone may call without a session; their bodies are a
/// few short fields.
const PUBLIC_ENDPOINTS: [&str; 2] = ["/api/login", "/api/setup_owner"];
const PUBLIC_BODY_LIMIT: usize = 16 * 1024;

/// Gives the public endpoints a small body limit (16 KiB, not the 2 MiB of
/// the rest): what an outsider can make the server read and hash is small.
pub async fn small_public_bodies(request: Request, next: Next) -> Response {
    if !PUBLIC_ENDPOINTS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload too large: this form takes at most 16 KiB\n",
        )
            .into_response()
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > PUBLIC_BODY_LIMIT) {
        return too_large();
    }
    // Without a length (chunked), read at most the limit.
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, PUBLIC_BODY_LIMIT).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(_) => too_large(),
    }
}

/// Server functions anyone may call: the public endpoints, the landing
/// page's question and signing out.
const OPEN_ENDPOINTS: [&str; 4] = [
    "/api/login",
    "/api/setup_owner",
    "/api/get_landing",
    "/api/logout",
];
/// Server functions' bodies: at most axum's default.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A server function's error answer, as the function itself would give it.
fn fn_error(path: &str, err: &AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_string(err).unwrap_or_default();
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(path) = HeaderValue::from_str(path) {
        response.headers_mut().insert("serverfnerror", path);
    }
    response
}

/// For server functions (`/api/…`, not the REST API): a caller without a
/// session is turned away before anything of the body is read (a body may
/// be 2 MiB); then a body holding a NUL is refused, naming the field.
pub async fn server_fns(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !path.starts_with("/api/") || path.starts_with("/api/v1/") {
        return next.run(request).await;
    }
    if !OPEN_ENDPOINTS.contains(&path.as_str()) {
        let Some(session) = request.extensions().get::<tower_sessions::Session>() else {
            return fn_error(&path, &AppError::Unauthenticated);
        };
        match session::user_id(session, state.settings.session).await {
            Ok(Some(_)) => {}
            Ok(None) => return fn_error(&path, &AppError::Unauthenticated),
            // A store that does not answer is an outage (503), not a
            // signed-out caller.
            Err(err) => return fn_error(&path, &session::failed(&state.db, err).await),
        }
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        let err = AppError::invalid("body", "The request is larger than 2 MiB");
        return fn_error(&path, &err);
    };
    let query = parts.uri.query().unwrap_or("").as_bytes();
    let nul = crate::server::web::nul::in_form(query)
        .or_else(|| crate::server::web::nul::in_body(&content_type, &bytes));
    if let Some(field) = nul {
        return fn_error(&path, &crate::server::web::nul::refusal(&field));
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

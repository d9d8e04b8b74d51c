//! `/mcp`: the Model Context Protocol over Streamable HTTP (issue 27), so
//! an AI agent can call APIs *with* the workspace's secrets and never see
//! them. rmcp (the official SDK) speaks the protocol, both 2025-11-25 and
//! 2026-07-28, statelessly: no session, no server-initiated request, so
//! instances behind a load balancer need no stickiness.
//!
//! - `guard`, in front of it all (no session or origin layer of the
//!   browser app): a present `Origin` must be the public URL's; then an
//!   `agent:use` token, checked before the body is read;
//! - `tools`: what the model reads (names, descriptions, schemas);
//! - `server`: the handler, which calls `rules::agents`.

mod server;
pub mod tools;

use crate::error::AppError;
use crate::server::web::authz::{self, Actor};
use crate::server::web::client::{allowed_origin, client_addr};
use crate::server::web::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;

/// The largest request body: a 1 MiB block body, JSON-escaped.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The `/mcp` route with its guard.
pub fn router(state: &AppState) -> Router<AppState> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(MAX_BODY)
        // The guard checks Origin against the public URL, and a token is
        // required: the DNS-rebinding defence of a Host list adds nothing
        // and would refuse every name a proxy serves varvault under.
        .disable_allowed_hosts()
        .disable_allowed_origins();
    let handler_state = state.clone();
    let service = StreamableHttpService::new(
        move || {
            Ok(server::Agents {
                state: handler_state.clone(),
            })
        },
        Arc::new(NeverSessionManager::default()),
        config,
    );
    Router::new()
        .route_service("/mcp", service)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
}

/// The answer to a request without a usable token (RFC 6750).
fn challenge(status: StatusCode, error: &str, text: &'static str) -> Response {
    let value = match error {
        "" => r#"Bearer realm="varvault""#.to_string(),
        "insufficient_scope" => {
            r#"Bearer realm="varvault", error="insufficient_scope", scope="agent:use""#.into()
        }
        e => format!(r#"Bearer realm="varvault", error="{e}""#),
    };
    let mut response = (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response();
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Origin first, then the token, before anything reads the body; the
/// proven agent goes to the handler in the request's extensions.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    if headers.contains_key(header::ORIGIN)
        && !allowed_origin(
            &Method::POST,
            headers,
            state.settings.public_origin.as_deref(),
        )
    {
        tracing::warn!("refused an MCP request from another origin");
        return (StatusCode::FORBIDDEN, "Forbidden: cross-origin request\n").into_response();
    }
    let Some(presented) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return challenge(
            StatusCode::UNAUTHORIZED,
            "",
            "An access token with the agent:use scope is required (Authorization: Bearer vv_...)\n",
        );
    };
    let Some(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let client = client_addr(peer.0.ip(), headers, &state.settings.trusted_proxies);
    let token = match authz::token_caller(&state.db, presented, client).await {
        Ok(token) => token,
        Err(AppError::Unauthenticated) => {
            return challenge(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The token is unknown, revoked or expired\n",
            )
        }
        Err(AppError::Forbidden) => {
            let text = "Forbidden: this token is not allowed from this network\n";
            return (StatusCode::FORBIDDEN, text).into_response();
        }
        Err(err) => {
            let status =
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, format!("{err}\n")).into_response();
        }
    };
    match token.as_agent() {
        Ok(agent) => {
            request.extensions_mut().insert(Actor::Token(agent));
            next.run(request).await
        }
        Err(_) => challenge(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "This token lacks the agent:use scope\n",
        ),
    }
}

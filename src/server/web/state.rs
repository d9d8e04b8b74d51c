//! Shared state handed to axum handlers and, through context, to server
//! functions.

use crate::error::AppError;
use crate::server::infra::crypto::Keyring;
use crate::server::infra::db::Db;
use crate::server::web::client::IpNet;
use crate::server::web::session::SessionLimits;
use axum::extract::FromRef;
use leptos::prelude::*;
use std::sync::Arc;

/// Settings fixed at start-up that request handling needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `scheme://host[:port]` of `VARVAULT_PUBLIC_URL` (or of the bound
    /// address): the only origin allowed to change state. `None` when
    /// listening on every address without a public URL: then the request's
    /// own host is the expected origin.
    pub public_origin: Option<String>,
    pub secure_cookies: bool,
    pub trusted_proxies: Vec<IpNet>,
    pub session: SessionLimits,
    /// Set-up asks for the token printed in the log (non-loopback listen).
    pub setup_token_required: bool,
    /// Earlier values kept per variable (`VARVAULT_SECRET_HISTORY`).
    pub secret_history: u32,
    /// Bytes of an answer's body an MCP client gets (`VARVAULT_MCP_MAX_BODY`).
    pub mcp_max_body: usize,
}

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub settings: Arc<Settings>,
    pub keyring: Arc<Keyring>,
    /// The one way out: API blocks and webhooks send through it.
    pub outbound: crate::server::infra::outbound::Outbound,
    /// API block runs in flight, bounded per caller and in all.
    pub in_flight: Arc<crate::server::rules::api_block::in_flight::InFlight>,
    /// Signs and checks device cookies (sign-in).
    pub devices: Arc<crate::server::rules::accounts::device::DeviceKey>,
    /// Window fingerprints of each workspace's secrets, for screening
    /// answers.
    pub fingerprints: Arc<crate::server::rules::redaction::FingerprintCache>,
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

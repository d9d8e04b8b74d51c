//! Builds the application from its configuration and serves it.

use crate::app::{shell, App};
use crate::error::AppError;
use crate::server::infra::config::Config;
use crate::server::infra::crypto::master::{self as master_key, MasterKeyError};
use crate::server::infra::crypto::{CryptoError, Keyring};
use crate::server::infra::db::{meta, Db, DbError};
use crate::server::infra::outbound::{Outbound, OwnAddresses};
use crate::server::web::client::{is_loopback_url, origin_of};
use crate::server::web::state::{AppState, Settings};
use crate::server::{rules::accounts, rules::audit};
use crate::server::{web::edge, web::headers, web::session};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("start-up failed: {0}")]
    App(#[from] AppError),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// How often expired sessions and stale throttle rows are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// A bound listener and the router that will serve it.
pub struct Application {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    db: Db,
    audit_retention_days: Option<i64>,
    /// The expiry reminders' background task.
    reminders: crate::server::rules::reminders::Reminders,
    shutdown_grace: Duration,
    /// Every request runs to its end in a task of this tracker (see
    /// [`run_to_completion`]); shutdown waits for them, within the grace.
    requests: TaskTracker,
}

impl Application {
    /// Opens and migrates the database, then binds the listener. Nothing is
    /// served until [`Application::run_until_stopped`].
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let (db, keyring) = open_database(&config).await?;
        tracing::info!(backend = db.backend().name(), "database ready");

        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.site_addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(StartupError::Serve)?;

        let public_origin = match &config.public_url {
            Some(url) => origin_of(url),
            None if addr.ip().is_unspecified() => None,
            None => Some(format!("http://{addr}")),
        };
        if config.public_url.is_none() && !addr.ip().is_loopback() {
            tracing::warn!(
                "listening on {addr} without VARVAULT_PUBLIC_URL: set it to the address \
                 users reach (behind a proxy, the proxy's) for secure cookies and origin checks"
            );
        }
        // Behind a reverse proxy the listener is loopback but the users are
        // not: the public URL says who can reach set-up.
        let setup_token_required = !addr.ip().is_loopback()
            || config
                .public_url
                .as_deref()
                .is_some_and(|url| !is_loopback_url(url));
        if setup_token_required {
            if let Some(token) = accounts::setup_token(&db).await? {
                tracing::warn!(
                    "varvault is not set up yet and listens on {addr}: set-up asks for this \
                     one-time setup token: {token}"
                );
            }
        }
        let settings = Arc::new(Settings {
            secure_cookies: public_origin
                .as_deref()
                .is_some_and(|o| o.starts_with("https://")),
            public_origin,
            trusted_proxies: config.trusted_proxies.clone(),
            session: config.session,
            setup_token_required,
            secret_history: config.secret_history,
            mcp_max_body: config.mcp_max_body,
        });

        let leptos_options = LeptosOptions::builder()
            .output_name("varvault")
            .site_root(config.site_root.to_string_lossy().as_ref())
            .site_pkg_dir(config.site_pkg_dir.as_str())
            .site_addr(addr)
            .build();
        let devices = Arc::new(
            crate::server::rules::accounts::device::DeviceKey::from_master(keyring.master()),
        );
        let state = AppState {
            leptos_options,
            db: db.clone(),
            settings,
            devices,
            in_flight: crate::server::rules::api_block::in_flight::InFlight::new(
                config.max_runs_per_caller,
                config.max_runs,
            ),
            keyring: Arc::new(keyring),
            // Never its own upstream: the public URL's host and the
            // address just bound are refused as destinations.
            outbound: Outbound::new(
                config.allow_private_networks,
                config.outbound_timeout,
                OwnAddresses::new(config.public_url.as_deref(), vec![addr]),
            ),
            fingerprints: Arc::default(),
        };
        let requests = TaskTracker::new();
        let reminders = crate::server::rules::reminders::Reminders {
            db: db.clone(),
            keyring: state.keyring.clone(),
            outbound: state.outbound.clone(),
        };
        Ok(Application {
            listener,
            router: router(state, requests.clone(), config.bench_ceiling),
            addr,
            db,
            audit_retention_days: config.audit_retention_days,
            reminders,
            shutdown_grace: config.shutdown_grace,
            requests,
        })
    }

    /// The address actually bound (port 0 becomes a real port).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until Ctrl-C or SIGTERM, then stops accepting and gives the
    /// requests in flight the grace period to finish; past it, returns
    /// anyway (an unfinished transaction is rolled back by the database).
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        self.run_until(shutdown_signal()).await
    }

    /// [`Self::run_until_stopped`] with the stop signal given (tests).
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        tracing::info!("listening on http://{}", self.addr);
        let sweeper = tokio::spawn(sweep_periodically(
            self.db.clone(),
            self.audit_retention_days,
        ));
        let reminders = tokio::spawn(self.reminders.clone().run_periodically());
        let trimmer = tokio::spawn(crate::server::infra::memory::trim_periodically());
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signalled = stopping.clone();
        let server = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            stop.await;
            signalled.notify_one();
        });
        let requests = self.requests.clone();
        let drained = async move {
            server.await?;
            // Requests whose clients left still run in their tasks.
            requests.close();
            requests.wait().await;
            Ok::<(), std::io::Error>(())
        };
        let grace = self.shutdown_grace;
        tokio::select! {
            result = drained => result.map_err(StartupError::Serve)?,
            () = async { stopping.notified().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(
                    in_flight = self.requests.len(),
                    "requests still running {} s after the stop signal; exiting without them",
                    grace.as_secs()
                );
            }
        }
        sweeper.abort();
        trimmer.abort();
        reminders.abort();
        // Bounded: a wedged connection must not hold the exit.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.db.close()).await;
        Ok(())
    }
}

/// Connects, checks the master key against the keys the database holds
/// (before anything is written: a wrong key changes nothing), then
/// migrates. Shared by `serve` and the operator commands.
pub async fn open_database(config: &Config) -> Result<(Db, Keyring), StartupError> {
    let db = Db::connect(&config.database_url).await?;
    let wrapped_by = crate::server::infra::db::data_keys::wrapping_key_ids(&db).await?;
    let (master, generated) = master_key::resolve(&config.master_key, &wrapped_by)?;
    if let (true, master_key::MasterKeySource::Default(path)) = (generated, &config.master_key) {
        tracing::warn!(
            "generated a new master key in {}. Back it up now, apart from the database: \
             without it the secrets cannot be decrypted. For production, give the key with \
             VARVAULT_MASTER_KEY or VARVAULT_MASTER_KEY_FILE, kept elsewhere.",
            path.display()
        );
    }
    db.migrate().await?;
    // Bind the database to this key at its first start. Two instances
    // starting together with different keys: only one insert wins, and
    // the other sees the winner's id and stops.
    meta::insert_once(db.pool(), meta::MASTER_KEY_CHECK, master.id()).await?;
    let bound_to = meta::get(db.pool(), meta::MASTER_KEY_CHECK).await?;
    if bound_to.as_deref() != Some(master.id()) {
        return Err(MasterKeyError::WrongKey {
            given: master.id().to_string(),
            expected: bound_to.unwrap_or_default(),
        }
        .into());
    }
    Ok((db, Keyring::new(master)))
}

fn router(state: AppState, requests: TaskTracker, bench_ceiling: bool) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    let sessions = session::layer(
        state.db.clone(),
        state.settings.session,
        state.settings.secure_cookies,
    );
    // The browser's app: pages and server functions, with sessions and the
    // same-origin guard.
    let app = Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(
            &state,
            routes,
            render_context(context_state.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(render_context(state.clone()), shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            edge::server_fns,
        ))
        .layer(sessions)
        .layer(middleware::from_fn(edge::server_fn_responses))
        .layer(middleware::from_fn(edge::small_public_bodies))
        .layer(middleware::from_fn_with_state(
            state.settings.clone(),
            edge::same_origin_only,
        ));
    // The REST API: bearer tokens only, no session layer (a cookie means
    // nothing there) and no origin check (no cookie to ride on).
    let api = Router::new()
        .nest("/api/v1", crate::server::web::rest::router())
        .layer(middleware::from_fn(edge::server_fn_responses))
        // MCP for AI agents: bearer tokens only, its own origin check.
        .merge(crate::server::web::mcp::router(&state));
    let router = api
        .merge(app)
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.settings.clone(),
            headers::security_headers,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            // Same-origin only: a form posted without WASM is sent back to
            // its page (the Referer) with its error.
            HeaderValue::from_static("same-origin"),
        ))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            run_to_completion(requests.clone(), request, next)
        }));
    // Added after the layers, so none of them wraps it.
    let router = if bench_ceiling {
        router.route("/bench/ceiling", get(|| async { "ok\n" }))
    } else {
        router
    };
    // Outermost: before routing, sessions or reading the body.
    router
        .layer(middleware::from_fn(edge::refuse_outbound_requests))
        .with_state(state)
}

/// What every render (pages and the 404 page) gets in its context: the
/// state, and the nonce the CSP header of this answer allows.
fn render_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.clone());
        if let Some(nonce) =
            use_context::<axum::http::request::Parts>().and_then(|p| headers::nonce_of(&p))
        {
            provide_context(nonce);
        }
    }
}

/// Runs the rest of the request in a task of its own and waits for it.
/// When the client goes away, axum drops this future, but not the task:
/// a write, its audit entry and the session save finish (or fail) as a
/// whole, so no connection is left mid-transaction and nothing a client
/// saw acknowledged can be half there.
async fn run_to_completion(requests: TaskTracker, request: Request, next: Next) -> Response {
    match requests.spawn(next.run(request)).await {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(error = %err, "a request's task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Expired sessions, stale throttle rows, audit entries past their
/// retention and withheld answers that no longer count, every few
/// minutes (the first sweep at start).
async fn sweep_periodically(db: Db, audit_retention_days: Option<i64>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        if let Err(err) = accounts::sweep(&db).await {
            tracing::warn!(error = %err, "sweeping expired sessions failed");
        }
        if let Err(err) = audit::apply_retention(&db, audit_retention_days).await {
            tracing::warn!(error = %err, "applying the audit retention failed");
        }
        let before =
            crate::server::infra::db::now_ms() - crate::server::infra::db::withheld::WINDOW_MS;
        if let Err(err) = crate::server::infra::db::withheld::sweep(db.pool(), before).await {
            tracing::warn!(error = %err, "sweeping withheld answers failed");
        }
    }
}

/// 200 when the database answers, 503 otherwise.
async fn healthz(State(db): State<Db>) -> (StatusCode, &'static str) {
    match db.ping_within(Duration::from_secs(2)).await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

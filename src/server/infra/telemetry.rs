//! Logging with `tracing`; `RUST_LOG` sets the level, except that the MCP
//! SDK never logs below `info`: at `debug` it prints whole messages, and a
//! log line never quotes what a request sent.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"))
        .add_directive("rmcp=info".parse().expect("a valid directive"));
    // try_init: tests start several apps in one process.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

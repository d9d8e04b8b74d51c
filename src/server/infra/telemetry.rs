//! Logging with `tracing`; `RUST_LOG` sets the level, except that the MCP
//! SDK never logs below `info`: at `debug` it prints whole messages, and a
//! log line never quotes what a request sent.

use tracing_subscriber::EnvFilter;

/// `to_stderr` for a client (`varvault remote`): its standard output is
/// for what it answers (MCP messages, for `remote mcp`), never a log line.
pub fn init(to_stderr: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"))
        .add_directive("rmcp=info".parse().expect("a valid directive"));
    // try_init: tests start several apps in one process.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = if to_stderr {
        builder.with_writer(std::io::stderr).try_init()
    } else {
        builder.try_init()
    };
}

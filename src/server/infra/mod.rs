//! What the rules stand on: the database, crypto and the master key, the
//! outbound HTTP client with its address guard, password hashing, config,
//! the `.env` and host-pattern parsers, the `varvault remote` client, and
//! logging.

pub mod config;
pub mod crypto;
pub mod db;
pub mod dotenv;
pub(crate) mod hosts;
pub mod memory;
pub mod outbound;
pub(crate) mod password;
pub mod remote;
mod remote_mcp;
pub mod telemetry;

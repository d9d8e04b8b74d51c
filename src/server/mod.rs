//! Everything that runs only on the server. Compiled with the `ssr` feature.

pub mod accounts;
pub mod api_block;
pub mod audit;
pub mod authz;
pub mod client;
pub mod config;
pub mod crypto;
pub mod db;
pub mod dotenv;
pub mod edge;
#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
pub mod headers;
pub mod hosts;
pub mod nul;
pub mod outbound;
pub mod password;
pub mod redaction;
pub mod reminders;
pub mod remote;
pub mod rest;
pub mod rotation;
pub mod session;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tokens;
pub mod variables;
pub mod workflows;

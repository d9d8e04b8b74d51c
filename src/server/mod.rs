//! Everything that runs only on the server. Compiled with the `ssr` feature.

pub mod accounts;
pub mod audit;
pub mod authz;
pub mod client;
pub mod config;
pub mod db;
pub mod password;
pub mod session;
pub mod startup;
pub mod state;
pub mod telemetry;

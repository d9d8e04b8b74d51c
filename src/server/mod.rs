//! Everything that runs only on the server. Compiled with the `ssr` feature.

pub mod config;
pub mod db;
pub mod startup;
pub mod state;
pub mod telemetry;

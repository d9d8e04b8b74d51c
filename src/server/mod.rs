//! Everything that runs only on the server. Compiled with the `ssr` feature.
//!
//! - `web`: HTTP plumbing: startup and routes, state, sessions, the edge
//!   guards every request passes, who the caller is (`authz`), the REST API;
//! - `rules`: what the product does: variables, workflows and the API block,
//!   redaction, tokens, accounts, audit, reminders, key rotation;
//! - `infra`: what the rules stand on: the database, crypto, the outbound
//!   client and its address guard, passwords, config, parsers, the CLI
//!   client, logging.

#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
pub mod infra;
pub mod rules;
pub mod web;

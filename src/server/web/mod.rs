//! HTTP plumbing: the app's startup and routes, shared state, sessions,
//! the guards at the edge, who the caller is, the REST API and MCP.

pub mod authz;
pub mod client;
pub(crate) mod edge;
pub(crate) mod headers;
pub(crate) mod mcp;
pub(crate) mod nul;
pub(crate) mod rest;
pub(crate) mod session;
pub mod startup;
pub(crate) mod state;

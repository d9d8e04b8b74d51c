//! HTTP plumbing: the app's startup and routes, shared state, sessions,
//! the guards at the edge, who the caller is, and the REST API.

pub mod authz;
pub mod client;
pub mod edge;
pub mod headers;
pub mod nul;
pub mod rest;
pub mod session;
pub mod startup;
pub mod state;

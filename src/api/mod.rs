//! Thin `#[server]` functions, grouped by page. Each gathers its request
//! context, proves the caller's role (`RequestCtx::member` or
//! `signed_in`), calls one domain function in `server/` and maps the
//! result. Domain errors are already `AppError`s.

pub mod audit;
pub mod auth;
pub mod members;
pub mod variables;
pub mod workflows;
pub mod workspaces;

//! Thin `#[server]` functions, grouped by page. Each reads shared state from
//! context, checks the caller's role, calls one domain function in
//! `server/` and maps its result.

pub mod system;

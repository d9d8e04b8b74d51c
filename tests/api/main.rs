//! Integration tests: the real app on 127.0.0.1, a real database (a fresh
//! SQLite file, or a fresh PostgreSQL database when
//! VARVAULT_TEST_POSTGRES_URL is set). One binary, per-area modules.

#[path = "../support/mod.rs"]
mod support;

mod scene;

mod accounts;
mod api_block;
mod audit;
mod bundles;
mod cancellation;
mod crypto;
mod devices;
mod exfiltration;
mod faults;
mod health;
mod instances;
mod lifecycle;
mod limits;
mod mcp;
mod members;
mod page_weight;
mod pages;
mod permissions;
mod redaction;
mod reminders;
mod remote_cli;
mod rest;
mod self_call;
mod sessions;
mod startup;
mod variables;

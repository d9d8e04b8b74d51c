//! Set-up, sign-in and workspaces (SPEC §7).

use crate::support::*;
use std::time::Instant;
use varvault::error::AppError;
use varvault::model::Landing;
use varvault::server::infra::db::{meta, users};

mod setup;
mod sign_in;
mod workspaces;

async fn user_count(app: &TestApp) -> i64 {
    users::count(app.db.pool()).await.unwrap()
}

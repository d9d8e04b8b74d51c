//! The `app_meta` table: one value per key about this installation.

use super::{now_ms, DbError};
use sqlx::{Any, Executor};

pub const SETUP_DONE: &str = "setup_done";
pub const SETUP_TOKEN: &str = "setup_token";
/// The id of the master key this database is bound to (set at the first
/// start; replaced only by `rotate-master-key`).
pub const MASTER_KEY_CHECK: &str = "master_key_check";

pub async fn get<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT value FROM app_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(ex)
            .await?,
    )
}

/// Inserts `key` once; false when it was already there. The primary key
/// makes this the race-free "only the first one wins".
pub async fn insert_once<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    value: &str,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "INSERT INTO app_meta (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM app_meta WHERE key = $1")
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
}

/// Sets `key` to `value`, whether or not it was there.
pub async fn set<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    value: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO app_meta (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3",
    )
    .bind(key)
    .bind(value)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(())
}

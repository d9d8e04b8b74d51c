//! The `login_throttle` table: failed sign-ins per key, shared by every
//! instance.

use super::DbError;
use sqlx::{Any, Executor};

/// Failures of `key` since `since_ms` (older streaks do not count).
pub async fn failures<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    since_ms: i64,
) -> Result<i64, DbError> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT failures FROM login_throttle WHERE key = $1 AND last_failure_at >= $2",
    )
    .bind(key)
    .bind(since_ms)
    .fetch_optional(ex)
    .await?;
    Ok(n.unwrap_or(0))
}

/// Counts one more failure; a streak older than `since_ms` starts over.
pub async fn record_failure<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    now_ms: i64,
    since_ms: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
                           ELSE login_throttle.failures + 1 END, \
           last_failure_at = $2",
    )
    .bind(key)
    .bind(now_ms)
    .bind(since_ms)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn clear<'e>(ex: impl Executor<'e, Database = Any>, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
}

/// Deletes streaks whose last failure is older than `before_ms`.
pub async fn sweep<'e>(
    ex: impl Executor<'e, Database = Any>,
    before_ms: i64,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM login_throttle WHERE last_failure_at < $1")
        .bind(before_ms)
        .execute(ex)
        .await?;
    Ok(())
}

//! The `withheld_responses` table and the workspace's secret generation:
//! answers withheld because they held part of a secret, counted per
//! caller (a member or a token) to pause its runs (SPEC §5), and the
//! counter that tells every instance its fingerprints are stale.

use super::DbError;
use crate::model::WorkspaceId;
use sqlx::{Any, AnyConnection, Executor};

/// Withheld answers within [`WINDOW_MS`] that pause a caller's runs.
pub const PAUSE_AFTER: i64 = 3;
pub const WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// The workspace's secret generation, moved by triggers on every change
/// of a secret's value (migration 0009).
pub async fn secrets_generation<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace: WorkspaceId,
) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT secrets_generation FROM workspaces WHERE id = $1")
            .bind(workspace)
            .fetch_one(ex)
            .await?,
    )
}

/// Records one withheld answer of `caller`.
pub async fn record(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    caller: &str,
    at: i64,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO withheld_responses (workspace_id, caller, at) VALUES ($1, $2, $3)")
        .bind(workspace)
        .bind(caller)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Withheld answers of `caller` since `since`.
pub async fn count_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace: WorkspaceId,
    caller: &str,
    since: i64,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM withheld_responses \
         WHERE workspace_id = $1 AND caller = $2 AND at > $3",
    )
    .bind(workspace)
    .bind(caller)
    .bind(since)
    .fetch_one(ex)
    .await?)
}

/// The callers of a workspace with at least `at_least` withheld answers
/// since `since`.
pub async fn paused<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace: WorkspaceId,
    since: i64,
) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT caller FROM withheld_responses WHERE workspace_id = $1 AND at > $2 \
         GROUP BY caller HAVING COUNT(*) >= $3 ORDER BY caller",
    )
    .bind(workspace)
    .bind(since)
    .bind(PAUSE_AFTER)
    .fetch_all(ex)
    .await?)
}

/// Forgets `caller`'s withheld answers: its runs resume.
pub async fn clear(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
    caller: &str,
) -> Result<u64, DbError> {
    Ok(
        sqlx::query("DELETE FROM withheld_responses WHERE workspace_id = $1 AND caller = $2")
            .bind(workspace)
            .bind(caller)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Deletes what no longer counts.
pub async fn sweep<'e>(ex: impl Executor<'e, Database = Any>, before: i64) -> Result<(), DbError> {
    sqlx::query("DELETE FROM withheld_responses WHERE at <= $1")
        .bind(before)
        .execute(ex)
        .await?;
    Ok(())
}

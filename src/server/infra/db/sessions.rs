//! The `sessions` table behind tower-sessions (see `server::web::session`).

use super::{now_ms, DbError};
use crate::model::UserId;
use sqlx::{Any, AnyConnection, Executor, Row};

/// Inserts a new session; false when the id hash is taken (a collision the
/// store answers by drawing a new id).
pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    user_id: Option<UserId>,
    data: &str,
    expires_at: i64,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, data, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(data)
    .bind(expires_at)
    .execute(ex)
    .await
    .map_err(DbError::from);
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.is_unique_violation() => Ok(false),
        Err(err) => Err(err),
    }
}

/// Updates a session that still exists. Never inserts: a session deleted
/// meanwhile (sign-out, revocation) must stay deleted.
pub async fn update<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    user_id: Option<UserId>,
    data: &str,
    expires_at: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE sessions SET user_id = $1, data = $2, expires_at = $3 WHERE id_hash = $4")
        .bind(user_id)
        .bind(data)
        .bind(expires_at)
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(())
}

/// The data and expiry of a live session.
pub async fn load<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
) -> Result<Option<(String, i64)>, DbError> {
    let row =
        sqlx::query("SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(id_hash)
            .bind(now_ms())
            .fetch_optional(ex)
            .await?;
    Ok(match row {
        Some(row) => Some((row.try_get("data")?, row.try_get("expires_at")?)),
        None => None,
    })
}

pub async fn delete<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(())
}

/// Ends every session of a user, except `keep` (the caller's own, when a
/// user changes their password).
pub async fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: UserId,
    keep: Option<&str>,
) -> Result<u64, DbError> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}

pub async fn delete_expired<'e>(ex: impl Executor<'e, Database = Any>) -> Result<u64, DbError> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms())
        .execute(ex)
        .await?;
    Ok(result.rows_affected())
}

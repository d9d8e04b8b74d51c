//! The `users` table.

use super::{now_ms, DbError};
use crate::model::{Email, UserId};
use sqlx::{Any, AnyConnection, Executor};

/// A user as the server sees it; the hash never leaves this crate's server
/// side (not `Serialize`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
}

const COLUMNS: &str = "id, email, display_name, password_hash";

pub async fn find_by_email<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &Email,
) -> Result<Option<UserRecord>, DbError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(ex)
            .await?,
    )
}

pub async fn find_by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: UserId,
) -> Result<Option<UserRecord>, DbError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(ex)
            .await?,
    )
}

pub async fn count<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(ex)
        .await?)
}

/// Inserts a user; a taken email is a unique violation (see
/// [`DbError::is_unique_violation`]).
pub async fn insert(
    conn: &mut AnyConnection,
    email: &Email,
    display_name: &str,
    password_hash: &str,
) -> Result<UserId, DbError> {
    let now = now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO users (email, display_name, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(email.as_str())
    .bind(display_name)
    .bind(password_hash)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    user_id: UserId,
    password_hash: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(now_ms())
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

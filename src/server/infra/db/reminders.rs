//! `notification_webhooks` (a workspace's sealed webhook URL and its host)
//! and `expiry_reminders` (each reminder claimed once, then its delivery
//! attempts).

use super::DbError;
use crate::model::{KeyVersion, VariableId, WorkspaceId};
use sqlx::{Any, AnyConnection, Executor};

/// A workspace's webhook: only the keyring opens `ciphertext`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRecord {
    pub workspace_id: WorkspaceId,
    pub host: String,
    pub ciphertext: Vec<u8>,
    pub key_version: KeyVersion,
    pub updated_at: i64,
    pub updated_by: Option<String>,
}

pub async fn webhook<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
) -> Result<Option<WebhookRecord>, DbError> {
    Ok(sqlx::query_as(
        "SELECT workspace_id, host, ciphertext, key_version, updated_at, updated_by \
         FROM notification_webhooks WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(ex)
    .await?)
}

/// Sets (or replaces) a workspace's webhook.
pub async fn set_webhook(conn: &mut AnyConnection, w: &WebhookRecord) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO notification_webhooks \
         (workspace_id, host, ciphertext, key_version, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id) DO UPDATE SET \
         host = $2, ciphertext = $3, key_version = $4, updated_at = $5, updated_by = $6",
    )
    .bind(w.workspace_id)
    .bind(&w.host)
    .bind(&w.ciphertext)
    .bind(w.key_version)
    .bind(w.updated_at)
    .bind(&w.updated_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a workspace's webhook; true when there was one.
pub async fn remove_webhook(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM notification_webhooks WHERE workspace_id = $1")
        .bind(workspace_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Webhooks sealed with a key older than `version` (for a rotation).
pub async fn webhook_sealed_before(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    version: KeyVersion,
) -> Result<Option<WebhookRecord>, DbError> {
    Ok(webhook(&mut *conn, workspace_id)
        .await?
        .filter(|w| w.key_version < version))
}

/// A secret of a workspace with a webhook, expiring by some day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Expiring {
    #[sqlx(rename = "id")]
    pub variable_id: VariableId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub expires_on: String,
}

/// Secrets expiring on or before `by` (`YYYY-MM-DD`) in workspaces that
/// have a webhook.
pub async fn expiring<'e>(
    ex: impl Executor<'e, Database = Any>,
    by: &str,
) -> Result<Vec<Expiring>, DbError> {
    Ok(sqlx::query_as(
        "SELECT v.id, v.workspace_id, v.name, v.expires_on FROM variables v \
         JOIN notification_webhooks n ON n.workspace_id = v.workspace_id \
         WHERE v.kind = 'secret' AND v.expires_on IS NOT NULL AND v.expires_on <= $1 \
         ORDER BY v.id",
    )
    .bind(by)
    .fetch_all(ex)
    .await?)
}

/// Claims the reminder of `secret` for `threshold` days before its expiry
/// day: true for the one caller, on any instance, whose row went in.
pub async fn claim(
    conn: &mut AnyConnection,
    secret: &Expiring,
    threshold: i64,
    now_ms: i64,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "INSERT INTO expiry_reminders (workspace_id, variable_id, secret_name, expires_on, \
         threshold, claimed_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $6) \
         ON CONFLICT (variable_id, expires_on, threshold) DO NOTHING",
    )
    .bind(secret.workspace_id)
    .bind(secret.variable_id)
    .bind(&secret.name)
    .bind(&secret.expires_on)
    .bind(threshold)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A reminder row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReminderRecord {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub secret_name: String,
    pub expires_on: String,
    pub threshold: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

const REMINDER_COLUMNS: &str = "id, workspace_id, secret_name, expires_on, threshold, attempts, \
     next_attempt_at, sent_at, last_error";

/// Unsent reminders whose next attempt is due, with fewer than `max`
/// attempts.
pub async fn due<'e>(
    ex: impl Executor<'e, Database = Any>,
    now_ms: i64,
    max_attempts: i64,
) -> Result<Vec<ReminderRecord>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REMINDER_COLUMNS} FROM expiry_reminders WHERE sent_at IS NULL \
         AND next_attempt_at <= $1 AND attempts < $2 ORDER BY id"
    ))
    .bind(now_ms)
    .bind(max_attempts)
    .fetch_all(ex)
    .await?)
}

/// Takes one attempt at a due reminder: only the caller that saw it with
/// `attempts` gets it (another instance's attempt moved it on). The next
/// attempt is then `retry_at`, unless this one succeeds.
pub async fn take_attempt(
    conn: &mut AnyConnection,
    r: &ReminderRecord,
    now_ms: i64,
    retry_at: i64,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE expiry_reminders SET attempts = attempts + 1, next_attempt_at = $1 \
         WHERE id = $2 AND sent_at IS NULL AND attempts = $3 AND next_attempt_at <= $4",
    )
    .bind(retry_at)
    .bind(r.id)
    .bind(r.attempts)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records how an attempt went.
pub async fn finish_attempt(
    conn: &mut AnyConnection,
    id: i64,
    sent_at: Option<i64>,
    error: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE expiry_reminders SET sent_at = $1, last_error = $2 WHERE id = $3")
        .bind(sent_at)
        .bind(error)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A workspace's latest reminders, newest first.
pub async fn recent<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    limit: i64,
) -> Result<Vec<ReminderRecord>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REMINDER_COLUMNS} FROM expiry_reminders WHERE workspace_id = $1 \
         ORDER BY id DESC LIMIT $2"
    ))
    .bind(workspace_id)
    .bind(limit)
    .fetch_all(ex)
    .await?)
}

//! The `audit_log` table. Written in the same transaction as the action it
//! records (see `server::audit`).

use super::DbError;
use sqlx::{Any, Executor};

/// One row as written; `server::audit::Entry` builds it.
#[derive(Debug, Clone, Default)]
pub struct AuditRow {
    pub workspace_id: Option<i64>,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub action: &'static str,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<i64>,
    pub target_name: Option<String>,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    row: &AuditRow,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit_log (workspace_id, at, actor_id, actor_email, action, target_kind, \
         target_id, target_name, client_addr, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.workspace_id)
    .bind(row.at)
    .bind(row.actor_id)
    .bind(row.actor_email.as_deref())
    .bind(row.action)
    .bind(row.target_kind)
    .bind(row.target_id)
    .bind(row.target_name.as_deref())
    .bind(row.client_addr.as_deref())
    .bind(row.detail.as_deref())
    .execute(ex)
    .await?;
    Ok(())
}

/// Action codes of a workspace's entries, oldest first (tests and the CLI).
pub async fn actions_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: i64,
) -> Result<Vec<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT action FROM audit_log WHERE workspace_id = $1 ORDER BY id")
            .bind(workspace_id)
            .fetch_all(ex)
            .await?,
    )
}

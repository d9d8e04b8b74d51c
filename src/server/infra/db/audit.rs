//! The `audit_log` table. Written in the same transaction as the action it
//! records (see `server::rules::audit`).

use super::DbError;
use crate::model::WorkspaceId;
use sqlx::{Any, Executor};

/// One row as written; `server::rules::audit::Entry` builds it.
#[derive(Debug, Clone, Default)]
pub struct AuditRow {
    pub workspace_id: Option<WorkspaceId>,
    pub at: i64,
    /// "user" (`actor_id` is a user, or none for the command line) or
    /// "token" (`actor_id` is an access token); as stored, like `target_*`.
    pub actor_kind: &'static str,
    pub actor_id: Option<i64>,
    /// The user's email or the token's name, as they were then.
    pub actor_name: Option<String>,
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
        "INSERT INTO audit_log (workspace_id, at, actor_kind, actor_id, actor_email, action, \
         target_kind, target_id, target_name, client_addr, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(row.workspace_id)
    .bind(row.at)
    .bind(row.actor_kind)
    .bind(row.actor_id)
    .bind(row.actor_name.as_deref())
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
    workspace_id: WorkspaceId,
) -> Result<Vec<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT action FROM audit_log WHERE workspace_id = $1 ORDER BY id")
            .bind(workspace_id)
            .fetch_all(ex)
            .await?,
    )
}

/// A stored entry as the log page shows it.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    /// The actor was an access token (`actor_email` is then its name).
    pub by_token: bool,
    pub actor_email: Option<String>,
    /// The acting member's display name, while the account exists.
    pub actor_name: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_name: Option<String>,
    /// A member target's display name, while the account exists.
    pub target_display: Option<String>,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
}

/// Which entries a page shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// Part of the target's name or the actor's email, any case.
    pub name: String,
    /// Entries older than this id (newest first), or
    pub before: Option<i64>,
    /// newer than this id (then returned oldest first).
    pub after: Option<i64>,
}

/// One page of a workspace's entries by keyset on id (no OFFSET: pages stay
/// fast and stable while entries are added).
pub async fn page<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRecord>, DbError> {
    use sqlx::Row;
    let order = if filter.after.is_some() {
        "ASC"
    } else {
        "DESC"
    };
    let pattern = super::like_contains(filter.name.trim());
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.at, a.actor_kind, a.actor_email, au.display_name AS actor_name, a.action, \
         a.target_kind, a.target_name, tu.display_name AS target_display, a.client_addr, a.detail \
         FROM audit_log a \
         LEFT JOIN users au ON au.id = a.actor_id AND a.actor_kind = 'user' \
         LEFT JOIN users tu ON tu.id = a.target_id AND a.target_kind = 'user' \
         WHERE a.workspace_id = $1 \
         AND ($2 IS NULL OR a.action = $2) \
         AND (LOWER(COALESCE(a.target_name, '')) LIKE $3 ESCAPE '\\' \
              OR LOWER(COALESCE(a.actor_email, '')) LIKE $3 ESCAPE '\\' \
              OR LOWER(COALESCE(au.display_name, '')) LIKE $3 ESCAPE '\\') \
         AND ($4 IS NULL OR a.id < $4) AND ($5 IS NULL OR a.id > $5) \
         ORDER BY a.id {order} LIMIT $6"
    ))
    .bind(workspace_id)
    .bind(filter.action.as_deref())
    .bind(pattern)
    .bind(filter.before)
    .bind(filter.after)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRecord {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                by_token: r.try_get::<String, _>("actor_kind")? == "token",
                actor_email: r.try_get("actor_email")?,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                target_kind: r.try_get("target_kind")?,
                target_name: r.try_get("target_name")?,
                target_display: r.try_get("target_display")?,
                client_addr: r.try_get("client_addr")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Deletes entries older than `cutoff_ms` in every workspace.
pub async fn delete_older_than<'e>(
    ex: impl Executor<'e, Database = Any>,
    cutoff_ms: i64,
) -> Result<u64, DbError> {
    Ok(sqlx::query("DELETE FROM audit_log WHERE at < $1")
        .bind(cutoff_ms)
        .execute(ex)
        .await?
        .rows_affected())
}

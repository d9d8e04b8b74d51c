//! The `data_keys` table: each workspace's data keys, wrapped by the master
//! key, one row per key version, with the number of seals made under it.

use super::{now_ms, Db, DbError};
use crate::model::{KeyVersion, WorkspaceId};
use sqlx::{Any, AnyConnection, Executor, Row};

/// A stored data key, still wrapped.
#[derive(sqlx::FromRow)]
pub struct WrappedKey {
    pub workspace_id: WorkspaceId,
    pub version: KeyVersion,
    pub wrapped: Vec<u8>,
    pub master_key_id: String,
}

/// Adds a key version; a version another instance added first is kept
/// (its primary key decides), so racing creators agree on one key.
pub async fn insert(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    version: KeyVersion,
    wrapped: &[u8],
    master_key_id: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO data_keys (workspace_id, version, wrapped, master_key_id, seal_count, \
         created_at) VALUES ($1, $2, $3, $4, 0, $5) \
         ON CONFLICT (workspace_id, version) DO NOTHING",
    )
    .bind(workspace_id)
    .bind(version)
    .bind(wrapped)
    .bind(master_key_id)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    version: KeyVersion,
) -> Result<Option<WrappedKey>, DbError> {
    let row = sqlx::query(
        "SELECT wrapped, master_key_id FROM data_keys WHERE workspace_id = $1 AND version = $2",
    )
    .bind(workspace_id)
    .bind(version)
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(WrappedKey {
        workspace_id,
        version,
        wrapped: row.try_get("wrapped")?,
        master_key_id: row.try_get("master_key_id")?,
    }))
}

/// Every data key, by workspace and version (for a master-key rotation).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<WrappedKey>, DbError> {
    Ok(sqlx::query_as(
        "SELECT workspace_id, version, wrapped, master_key_id FROM data_keys ORDER BY 1, 2",
    )
    .fetch_all(conn)
    .await?)
}

/// Replaces a key's wrapping (a master-key rotation).
pub async fn rewrap(conn: &mut AnyConnection, key: &WrappedKey) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE data_keys SET wrapped = $1, master_key_id = $2 \
         WHERE workspace_id = $3 AND version = $4",
    )
    .bind(&key.wrapped)
    .bind(&key.master_key_id)
    .bind(key.workspace_id)
    .bind(key.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts `n` more seals under a key; its new total, or `None` when the
/// key does not exist.
pub async fn add_seals(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    version: KeyVersion,
    n: i64,
) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE data_keys SET seal_count = seal_count + $1 \
         WHERE workspace_id = $2 AND version = $3 RETURNING seal_count",
    )
    .bind(n)
    .bind(workspace_id)
    .bind(version)
    .fetch_optional(conn)
    .await?)
}

pub async fn newest_version<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
) -> Result<Option<KeyVersion>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT MAX(version) FROM data_keys WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_one(ex)
            .await?,
    )
}

pub async fn versions<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
) -> Result<Vec<KeyVersion>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT version FROM data_keys WHERE workspace_id = $1 ORDER BY 1")
            .bind(workspace_id)
            .fetch_all(ex)
            .await?,
    )
}

/// How many versions older than `version` a workspace still has.
pub async fn count_older<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    version: KeyVersion,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_keys WHERE workspace_id = $1 AND version < $2",
    )
    .bind(workspace_id)
    .bind(version)
    .fetch_one(ex)
    .await?)
}

/// Deletes versions older than `version` that no value uses any more;
/// returns how many.
pub async fn delete_unused_older(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    version: KeyVersion,
) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "DELETE FROM data_keys WHERE workspace_id = $1 AND version < $2 AND NOT EXISTS \
         (SELECT 1 FROM variables v WHERE v.workspace_id = data_keys.workspace_id \
          AND v.key_version = data_keys.version) AND NOT EXISTS \
         (SELECT 1 FROM variable_versions h WHERE h.workspace_id = data_keys.workspace_id \
          AND h.key_version = data_keys.version) AND NOT EXISTS \
         (SELECT 1 FROM notification_webhooks n WHERE n.workspace_id = data_keys.workspace_id \
          AND n.key_version = data_keys.version)",
    )
    .bind(workspace_id)
    .bind(version)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The ids of the master keys that wrap this database's data keys (empty
/// for a new database, or one from before the keys table existed). Read
/// before migrating, so it checks that the table exists first.
pub async fn wrapping_key_ids(db: &Db) -> Result<Vec<String>, DbError> {
    let mut ids: Vec<String> = Vec::new();
    if db.table_exists("data_keys").await? {
        ids = sqlx::query_scalar("SELECT DISTINCT master_key_id FROM data_keys ORDER BY 1")
            .fetch_all(db.pool())
            .await?;
    }
    // The key the database was bound to at its first start, even before
    // any data key was made.
    if db.table_exists("app_meta").await? {
        if let Some(check) = super::meta::get(db.pool(), super::meta::MASTER_KEY_CHECK).await? {
            if !ids.contains(&check) {
                ids.push(check);
            }
        }
    }
    Ok(ids)
}

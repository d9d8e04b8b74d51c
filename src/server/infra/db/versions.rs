//! The `variable_versions` table: earlier values of a variable, each kept
//! as it was stored (a secret's sealed with the associated data of its own
//! version number), newest first, at most the configured number.

use super::DbError;
use crate::model::{KeyVersion, ValueVersion, VariableId, WorkspaceId};
use sqlx::{Any, AnyConnection, Executor};

/// An earlier value. `plain_value` for a plain variable; `ciphertext` and
/// `key_version` for a secret (only the keyring opens it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRecord {
    pub id: i64,
    pub variable_id: VariableId,
    pub value_version: ValueVersion,
    pub plain_value: Option<String>,
    pub ciphertext: Option<Vec<u8>>,
    pub key_version: Option<KeyVersion>,
    pub set_at: i64,
    pub set_by: Option<String>,
}

const COLUMNS: &str =
    "id, variable_id, value_version, plain_value, ciphertext, key_version, set_at, set_by";

/// What the current value was, about to be replaced.
pub struct Replaced<'a> {
    pub workspace_id: WorkspaceId,
    pub variable_id: VariableId,
    pub value_version: ValueVersion,
    pub plain_value: Option<&'a str>,
    pub ciphertext: Option<&'a [u8]>,
    pub key_version: Option<KeyVersion>,
    pub set_at: i64,
    pub set_by: Option<&'a str>,
}

/// Keeps `old` as a version, then forgets all but the `keep` newest.
pub async fn push(conn: &mut AnyConnection, old: &Replaced<'_>, keep: u32) -> Result<(), DbError> {
    if keep > 0 {
        sqlx::query(
            "INSERT INTO variable_versions (variable_id, workspace_id, value_version, \
             plain_value, ciphertext, key_version, set_at, set_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(old.variable_id)
        .bind(old.workspace_id)
        .bind(old.value_version)
        .bind(old.plain_value)
        .bind(old.ciphertext)
        .bind(old.key_version)
        .bind(old.set_at)
        .bind(old.set_by)
        .execute(&mut *conn)
        .await?;
    }
    // Versions are numbered one after another, so the `keep` newest are
    // those above the pushed one's number minus `keep`.
    sqlx::query("DELETE FROM variable_versions WHERE variable_id = $1 AND value_version <= $2")
        .bind(old.variable_id)
        .bind(old.value_version.0 - i64::from(keep))
        .execute(conn)
        .await?;
    Ok(())
}

/// A variable's earlier values, newest first, without their values.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    variable_id: VariableId,
) -> Result<Vec<VersionRecord>, DbError> {
    Ok(sqlx::query_as(
        // Who set it by display name while the account exists (stored: the
        // email, or a token's or the CLI's label).
        "SELECT vv.id, vv.variable_id, vv.value_version, vv.plain_value, NULL AS ciphertext, \
         vv.key_version, vv.set_at, COALESCE(u.display_name, vv.set_by) AS set_by \
         FROM variable_versions vv LEFT JOIN users u ON u.email = vv.set_by \
         WHERE vv.variable_id = $1 ORDER BY vv.value_version DESC",
    )
    .bind(variable_id)
    .fetch_all(ex)
    .await?)
}

/// One earlier value, with its (sealed) value.
pub async fn get<'e>(
    ex: impl Executor<'e, Database = Any>,
    variable_id: VariableId,
    version: ValueVersion,
) -> Result<Option<VersionRecord>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM variable_versions WHERE variable_id = $1 AND value_version = $2"
    ))
    .bind(variable_id)
    .bind(version)
    .fetch_optional(ex)
    .await?)
}

/// Sealed versions of a workspace under a key older than `version`, with
/// row ids above `after`, by id: the next batch of a rotation.
pub async fn sealed_before(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    version: KeyVersion,
    after: i64,
    limit: i64,
) -> Result<Vec<VersionRecord>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM variable_versions WHERE workspace_id = $1 \
         AND key_version < $2 AND id > $3 ORDER BY id LIMIT $4"
    ))
    .bind(workspace_id)
    .bind(version)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Every sealed version of a workspace, a page at a time (for `check`).
pub async fn sealed_after(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    after: i64,
    limit: i64,
) -> Result<Vec<VersionRecord>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM variable_versions WHERE workspace_id = $1 \
         AND ciphertext IS NOT NULL AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(workspace_id)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Stores a version re-sealed by a rotation, unless it is gone (pruned or
/// its variable deleted meanwhile).
pub async fn reseal(
    conn: &mut AnyConnection,
    id: i64,
    ciphertext: &[u8],
    key_version: KeyVersion,
) -> Result<bool, DbError> {
    let result =
        sqlx::query("UPDATE variable_versions SET ciphertext = $1, key_version = $2 WHERE id = $3")
            .bind(ciphertext)
            .bind(key_version)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Takes the version row's write lock (PostgreSQL; see `variables::lock`).
pub async fn lock(conn: &mut AnyConnection, id: i64) -> Result<bool, DbError> {
    let result = sqlx::query("UPDATE variable_versions SET set_at = set_at WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

//! The `variables` table: plain variables and secrets of a workspace.

use super::{decode_enum, now_ms, DbError};
use crate::model::{
    KeyVersion, UserId, ValueVersion, VariableId, VariableKind, VariableName, Visibility,
    WorkspaceId,
};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

/// A stored variable. `ciphertext` never leaves the server side, and only
/// the keyring turns it back into a value.
#[derive(Debug, Clone)]
pub struct VariableRecord {
    pub id: VariableId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub kind: VariableKind,
    pub visibility: Option<Visibility>,
    pub plain_value: Option<String>,
    pub ciphertext: Option<Vec<u8>>,
    pub key_version: Option<KeyVersion>,
    pub value_version: ValueVersion,
    pub description: String,
    pub allowed_hosts: String,
    pub updated_at: i64,
    pub updated_by_name: Option<String>,
    pub last_used_at: Option<i64>,
}

const SELECT: &str = "SELECT v.id, v.workspace_id, v.name, v.kind, v.visibility, v.plain_value, \
     v.ciphertext, v.key_version, v.value_version, v.description, v.allowed_hosts, \
     v.updated_at, u.display_name AS updated_by_name, v.last_used_at \
     FROM variables v LEFT JOIN users u ON u.id = v.updated_by";

fn from_row(row: &AnyRow) -> Result<VariableRecord, sqlx::Error> {
    Ok(VariableRecord {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        name: row.try_get("name")?,
        kind: decode_enum(
            &row.try_get::<String, _>("kind")?,
            VariableKind::parse,
            "kind",
        )?,
        visibility: row
            .try_get::<Option<String>, _>("visibility")?
            .map(|v| decode_enum(&v, Visibility::parse, "visibility"))
            .transpose()?,
        plain_value: row.try_get("plain_value")?,
        ciphertext: row.try_get("ciphertext")?,
        key_version: row.try_get("key_version")?,
        value_version: row.try_get("value_version")?,
        description: row.try_get("description")?,
        allowed_hosts: row.try_get("allowed_hosts")?,
        updated_at: row.try_get("updated_at")?,
        updated_by_name: row.try_get("updated_by_name")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

/// What a new row holds; a secret's ciphertext is set right after, once
/// its id (part of the associated data) is known.
pub struct NewRow<'a> {
    pub workspace_id: WorkspaceId,
    pub name: &'a VariableName,
    pub kind: VariableKind,
    pub visibility: Option<Visibility>,
    pub plain_value: Option<&'a str>,
    pub key_version: Option<KeyVersion>,
    pub description: &'a str,
    pub allowed_hosts: &'a str,
    /// The member who made it (none for an access token).
    pub actor_id: Option<UserId>,
}

/// Inserts a row; a name taken in any case is a unique violation.
pub async fn insert(conn: &mut AnyConnection, row: &NewRow<'_>) -> Result<VariableId, DbError> {
    let now = now_ms();
    let placeholder: Option<Vec<u8>> = row.key_version.map(|_| Vec::new());
    Ok(sqlx::query_scalar(
        "INSERT INTO variables (workspace_id, name, name_key, kind, visibility, plain_value, \
         ciphertext, key_version, value_version, description, allowed_hosts, created_at, \
         created_by, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $11, $12, $11, $12) RETURNING id",
    )
    .bind(row.workspace_id)
    .bind(row.name.as_str())
    .bind(row.name.key())
    .bind(row.kind.as_str())
    .bind(row.visibility.map(Visibility::as_str))
    .bind(row.plain_value)
    .bind(placeholder)
    .bind(row.key_version)
    .bind(row.description)
    .bind(row.allowed_hosts)
    .bind(now)
    .bind(row.actor_id)
    .fetch_one(conn)
    .await?)
}

/// Stores a sealed value. With `expect_version`, only if the row still
/// holds that value version (rotation must not overwrite a newer write).
pub async fn set_ciphertext(
    conn: &mut AnyConnection,
    id: VariableId,
    ciphertext: &[u8],
    key_version: KeyVersion,
    value_version: ValueVersion,
    expect_version: Option<ValueVersion>,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE variables SET ciphertext = $1, key_version = $2, value_version = $3 \
         WHERE id = $4 AND ($5 IS NULL OR value_version = $5)",
    )
    .bind(ciphertext)
    .bind(key_version)
    .bind(value_version)
    .bind(id)
    .bind(expect_version)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Takes the row's write lock for the rest of the transaction (PostgreSQL;
/// SQLite's writer holds the whole database already), so a read-then-write
/// of its value version cannot race another. False when there is no such row.
pub async fn lock(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    id: VariableId,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE variables SET value_version = value_version WHERE workspace_id = $1 AND id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn touch(
    conn: &mut AnyConnection,
    id: VariableId,
    actor_id: Option<UserId>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE variables SET updated_at = $1, updated_by = $2 WHERE id = $3")
        .bind(now_ms())
        .bind(actor_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_plain_value(
    conn: &mut AnyConnection,
    id: VariableId,
    value: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE variables SET plain_value = $1, value_version = value_version + 1 WHERE id = $2",
    )
    .bind(value)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_details(
    conn: &mut AnyConnection,
    id: VariableId,
    description: &str,
    allowed_hosts: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE variables SET description = $1, allowed_hosts = $2 WHERE id = $3")
        .bind(description)
        .bind(allowed_hosts)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: VariableId) -> Result<(), DbError> {
    sqlx::query("DELETE FROM variables WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A variable of one workspace; ids of other workspaces are not found.
pub async fn get<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    id: VariableId,
) -> Result<Option<VariableRecord>, DbError> {
    let row = sqlx::query(&format!("{SELECT} WHERE v.workspace_id = $1 AND v.id = $2"))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The stored spelling of a name, found case-insensitively.
pub async fn name_in_use<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    name: &str,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM variables WHERE workspace_id = $1 AND name_key = $2")
            .bind(workspace_id)
            .bind(name.to_ascii_lowercase())
            .fetch_optional(ex)
            .await?,
    )
}

/// Variables of a workspace by name; `search` keeps names containing it
/// (any case); `kind` keeps one kind; at most `limit` rows.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    search: &str,
    kind: Option<VariableKind>,
    limit: i64,
) -> Result<Vec<VariableRecord>, DbError> {
    // Names hold letters, digits and `_`; `_` is LIKE's wildcard: escape it.
    let pattern = super::like_contains(search);
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE v.workspace_id = $1 AND v.name_key LIKE $2 ESCAPE '\\' \
         AND ($3 IS NULL OR v.kind = $3) ORDER BY v.name_key LIMIT $4"
    ))
    .bind(workspace_id)
    .bind(pattern)
    .bind(kind.map(VariableKind::as_str))
    .bind(limit)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(DbError::from))
        .collect()
}

/// What rotation needs of a secret.
#[derive(Debug, Clone)]
pub struct SealedValue {
    pub id: VariableId,
    pub value_version: ValueVersion,
    pub key_version: KeyVersion,
    pub ciphertext: Vec<u8>,
}

/// Secrets of a workspace sealed with a key version older than `version`,
/// with ids above `after`, by id: the next batch of a rotation. Walking by
/// id keeps each batch an index range, not a sort of what remains.
pub async fn sealed_before(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    version: KeyVersion,
    after: VariableId,
    limit: i64,
) -> Result<Vec<SealedValue>, DbError> {
    let rows = sqlx::query(
        "SELECT id, value_version, key_version, ciphertext FROM variables \
         WHERE workspace_id = $1 AND kind = 'secret' AND key_version < $2 AND id > $3 \
         ORDER BY id LIMIT $4",
    )
    .bind(workspace_id)
    .bind(version)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SealedValue {
                id: r.try_get("id")?,
                value_version: r.try_get("value_version")?,
                key_version: r.try_get("key_version")?,
                ciphertext: r.try_get("ciphertext")?,
            })
        })
        .collect()
}

/// Every secret of a workspace, a page at a time (for `check`).
pub async fn secrets_after(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    after_id: VariableId,
    limit: i64,
) -> Result<Vec<VariableRecord>, DbError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE v.workspace_id = $1 AND v.kind = 'secret' AND v.id > $2 \
         ORDER BY v.id LIMIT $3"
    ))
    .bind(workspace_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(DbError::from))
        .collect()
}

/// A variable of one workspace by name, any case.
pub async fn by_name<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    name: &str,
) -> Result<Option<VariableRecord>, DbError> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE v.workspace_id = $1 AND v.name_key = $2"
    ))
    .bind(workspace_id)
    .bind(name.to_ascii_lowercase())
    .fetch_optional(ex)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

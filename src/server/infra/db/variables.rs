//! The `variables` table: plain variables and secrets of a workspace.

use super::{now_ms, DbError};
use crate::model::{
    KeyVersion, UserId, ValueVersion, VariableId, VariableKind, VariableName, Visibility,
    WorkspaceId,
};
use sqlx::{Any, AnyConnection, Executor, Row};

/// A stored variable. `ciphertext` never leaves the server side, and only
/// the keyring turns it back into a value.
#[derive(Debug, Clone, sqlx::FromRow)]
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
    /// When the current value was set, and by whom (a label).
    pub value_set_at: Option<i64>,
    pub value_set_by: Option<String>,
    pub expires_on: Option<String>,
    /// 1 when an owner or admin let agents put this secret in the URL or
    /// the body, not only in a header value.
    pub agents_anywhere: i64,
}

/// Every column but the ciphertext, which `SELECT` adds.
macro_rules! select_from {
    ($ciphertext:literal) => {
        concat!(
            "SELECT v.id, v.workspace_id, v.name, v.kind, v.visibility, v.plain_value, ",
            $ciphertext,
            " AS ciphertext, v.key_version, v.value_version, v.description, v.allowed_hosts, \
             v.updated_at, u.display_name AS updated_by_name, v.last_used_at, v.value_set_at, \
             COALESCE(sb.display_name, v.value_set_by) AS value_set_by, v.expires_on, \
             v.agents_anywhere \
             FROM variables v LEFT JOIN users u ON u.id = v.updated_by \
             LEFT JOIN users sb ON sb.email = v.value_set_by"
        )
    };
}
const SELECT: &str = select_from!("v.ciphertext");
/// For lists: no ciphertext, which only the keyring needs.
pub(super) const SELECT_LISTED: &str = select_from!("NULL");

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
    /// Who set the value, as the history shows it.
    pub actor_label: &'a str,
    pub expires_on: Option<&'a str>,
}

/// Inserts a row; a name taken in any case is a unique violation.
pub async fn insert(conn: &mut AnyConnection, row: &NewRow<'_>) -> Result<VariableId, DbError> {
    let now = now_ms();
    let placeholder: Option<Vec<u8>> = row.key_version.map(|_| Vec::new());
    Ok(sqlx::query_scalar(
        "INSERT INTO variables (workspace_id, name, name_key, sort_key, kind, visibility, \
         plain_value, ciphertext, key_version, value_version, description, allowed_hosts, \
         created_at, created_by, updated_at, updated_by, value_set_at, value_set_by, expires_on) \
         VALUES ($1, $2, $3, $15, $4, $5, $6, $7, $8, 1, $9, $10, $11, $12, $11, $12, $11, $13, \
         $14) RETURNING id",
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
    .bind(row.actor_label)
    .bind(row.expires_on)
    .bind(row.name.sort_key())
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

/// Bytes of secret values a workspace holds: its ciphertexts without
/// their format byte, nonce and tag.
pub async fn secret_value_bytes(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
) -> Result<i64, DbError> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(LENGTH(ciphertext) - 29) AS BIGINT) FROM variables \
         WHERE workspace_id = $1 AND kind = 'secret'",
    )
    .bind(workspace_id)
    .fetch_one(conn)
    .await?;
    Ok(n.unwrap_or(0))
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

/// Records who set the current value, and when (now).
pub async fn value_set_by(
    conn: &mut AnyConnection,
    id: VariableId,
    label: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE variables SET value_set_at = $1, value_set_by = $2 WHERE id = $3")
        .bind(now_ms())
        .bind(label)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_expiry(
    conn: &mut AnyConnection,
    id: VariableId,
    expires_on: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE variables SET expires_on = $1 WHERE id = $2")
        .bind(expires_on)
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

pub async fn set_agents_anywhere(
    conn: &mut AnyConnection,
    id: VariableId,
    anywhere: bool,
) -> Result<(), DbError> {
    sqlx::query("UPDATE variables SET agents_anywhere = $1 WHERE id = $2")
        .bind(i64::from(anywhere))
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
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE v.workspace_id = $1 AND v.id = $2"))
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(ex)
            .await?,
    )
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

pub use super::variable_pages::{page, ListQuery};

/// Variables of a workspace by name; `search` keeps names containing it
/// (any case); `kind` keeps one kind; at most `limit` rows.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    search: &str,
    kind: Option<VariableKind>,
    limit: i64,
) -> Result<Vec<VariableRecord>, DbError> {
    let q = ListQuery {
        search,
        kind,
        limit,
        ..ListQuery::default()
    };
    Ok(page(ex, workspace_id, &q).await?.0)
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
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE v.workspace_id = $1 AND v.kind = 'secret' AND v.id > $2 \
         ORDER BY v.id LIMIT $3"
    ))
    .bind(workspace_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A variable of one workspace by name, any case.
pub async fn by_name<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    name: &str,
) -> Result<Option<VariableRecord>, DbError> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE v.workspace_id = $1 AND v.name_key = $2"
    ))
    .bind(workspace_id)
    .bind(name.to_ascii_lowercase())
    .fetch_optional(ex)
    .await?)
}

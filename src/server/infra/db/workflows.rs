//! The `workflows`, `api_blocks` and `block_refs` tables.

use super::{now_ms, DbError};
use crate::model::{
    BlockId, KeyValue, SecretOption, UsedIn, UserId, VariableId, Visibility, WorkflowId,
    WorkspaceId,
};
use crate::template::RefKind;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

#[derive(Debug, Clone)]
pub struct BlockRecord {
    pub id: BlockId,
    pub workflow_id: WorkflowId,
    pub position: i64,
    pub name: String,
    pub method: String,
    pub url: String,
    pub query: Vec<KeyValue>,
    pub headers: Vec<KeyValue>,
    pub body: String,
}

const BLOCK_COLUMNS: &str =
    "id, workflow_id, position, name, method, url, query_params, headers, body";

fn block_from_row(row: &AnyRow) -> Result<BlockRecord, DbError> {
    let json = |col: &str| -> Result<Vec<KeyValue>, DbError> {
        let text: String = row.try_get(col)?;
        serde_json::from_str(&text).map_err(|e| DbError::Query(sqlx::Error::Decode(Box::new(e))))
    };
    Ok(BlockRecord {
        id: row.try_get("id")?,
        workflow_id: row.try_get("workflow_id")?,
        position: row.try_get("position")?,
        name: row.try_get("name")?,
        method: row.try_get("method")?,
        url: row.try_get("url")?,
        query: json("query_params")?,
        headers: json("headers")?,
        body: row.try_get("body")?,
    })
}

fn to_json(list: &[KeyValue]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

pub async fn insert_workflow(
    conn: &mut AnyConnection,
    ws: WorkspaceId,
    name: &str,
) -> Result<WorkflowId, DbError> {
    let now = now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO workflows (workspace_id, name, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         RETURNING id",
    )
    .bind(ws)
    .bind(name)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// (id, name, block count, updated at) of a workspace's workflows by name.
pub async fn list_workflows<'e>(
    ex: impl Executor<'e, Database = Any>,
    ws: WorkspaceId,
) -> Result<Vec<(WorkflowId, String, i64, i64)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT w.id, w.name, (SELECT COUNT(*) FROM api_blocks b WHERE b.workflow_id = w.id), \
         w.updated_at FROM workflows w WHERE w.workspace_id = $1 ORDER BY LOWER(w.name), w.id",
    )
    .bind(ws)
    .fetch_all(ex)
    .await?)
}

pub async fn workflow_name<'e>(
    ex: impl Executor<'e, Database = Any>,
    ws: WorkspaceId,
    id: WorkflowId,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM workflows WHERE workspace_id = $1 AND id = $2")
            .bind(ws)
            .bind(id)
            .fetch_optional(ex)
            .await?,
    )
}

pub async fn rename_workflow(
    conn: &mut AnyConnection,
    id: WorkflowId,
    name: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE workflows SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now_ms())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn touch_workflow(conn: &mut AnyConnection, id: WorkflowId) -> Result<(), DbError> {
    sqlx::query("UPDATE workflows SET updated_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_workflow(conn: &mut AnyConnection, id: WorkflowId) -> Result<(), DbError> {
    sqlx::query("DELETE FROM workflows WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn blocks_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    workflow_id: WorkflowId,
) -> Result<Vec<BlockRecord>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {BLOCK_COLUMNS} FROM api_blocks WHERE workflow_id = $1 ORDER BY position, id"
    ))
    .bind(workflow_id)
    .fetch_all(ex)
    .await?;
    rows.iter().map(block_from_row).collect()
}

/// Every block of a workspace, a page at a time (for `check`).
pub async fn blocks_after(
    conn: &mut AnyConnection,
    ws: WorkspaceId,
    after_id: BlockId,
    limit: i64,
) -> Result<Vec<BlockRecord>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {BLOCK_COLUMNS} FROM api_blocks WHERE workspace_id = $1 AND id > $2 \
         ORDER BY id LIMIT $3"
    ))
    .bind(ws)
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(block_from_row).collect()
}

pub async fn block<'e>(
    ex: impl Executor<'e, Database = Any>,
    ws: WorkspaceId,
    id: BlockId,
) -> Result<Option<BlockRecord>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {BLOCK_COLUMNS} FROM api_blocks WHERE workspace_id = $1 AND id = $2"
    ))
    .bind(ws)
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(block_from_row).transpose()
}

pub async fn insert_block(
    conn: &mut AnyConnection,
    ws: WorkspaceId,
    workflow_id: WorkflowId,
    name: &str,
    actor: Option<UserId>,
) -> Result<BlockId, DbError> {
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM api_blocks WHERE workflow_id = $1",
    )
    .bind(workflow_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO api_blocks (workflow_id, workspace_id, position, name, method, url, \
         query_params, headers, body, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, 'GET', '', '[]', '[]', '', $5, $6) RETURNING id",
    )
    .bind(workflow_id)
    .bind(ws)
    .bind(position)
    .bind(name)
    .bind(now_ms())
    .bind(actor)
    .fetch_one(conn)
    .await?)
}

pub struct BlockUpdate<'a> {
    pub name: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub query: &'a [KeyValue],
    pub headers: &'a [KeyValue],
    pub body: &'a str,
}

pub async fn update_block(
    conn: &mut AnyConnection,
    id: BlockId,
    b: &BlockUpdate<'_>,
    actor: Option<UserId>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE api_blocks SET name = $1, method = $2, url = $3, query_params = $4, headers = $5, \
         body = $6, updated_at = $7, updated_by = $8 WHERE id = $9",
    )
    .bind(b.name)
    .bind(b.method)
    .bind(b.url)
    .bind(to_json(b.query))
    .bind(to_json(b.headers))
    .bind(b.body)
    .bind(now_ms())
    .bind(actor)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_block(conn: &mut AnyConnection, id: BlockId) -> Result<(), DbError> {
    sqlx::query("DELETE FROM api_blocks WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_position(
    conn: &mut AnyConnection,
    id: BlockId,
    position: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE api_blocks SET position = $1 WHERE id = $2")
        .bind(position)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces what a block refers to: (kind, name) pairs.
pub async fn set_refs(
    conn: &mut AnyConnection,
    ws: WorkspaceId,
    block_id: BlockId,
    refs: &[(RefKind, String)],
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM block_refs WHERE block_id = $1")
        .bind(block_id)
        .execute(&mut *conn)
        .await?;
    let mut seen = std::collections::HashSet::new();
    for (kind, name) in refs {
        let key = name.to_ascii_lowercase();
        if !seen.insert((*kind, key.clone())) {
            continue;
        }
        sqlx::query(
            "INSERT INTO block_refs (block_id, workspace_id, kind, name_key, name) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(block_id)
        .bind(ws)
        .bind(kind.as_str())
        .bind(key)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A workflow's references that no variable of the right kind answers:
/// (block id, kind, name as written).
pub async fn missing_refs<'e>(
    ex: impl Executor<'e, Database = Any>,
    workflow_id: WorkflowId,
) -> Result<Vec<(BlockId, RefKind, String)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT r.block_id, r.kind, r.name FROM block_refs r \
         JOIN api_blocks b ON b.id = r.block_id \
         WHERE b.workflow_id = $1 AND NOT EXISTS (SELECT 1 FROM variables v \
           WHERE v.workspace_id = r.workspace_id AND v.name_key = r.name_key \
           AND v.kind = CASE r.kind WHEN 'secret' THEN 'secret' ELSE 'plain' END) \
         ORDER BY r.block_id, r.kind, r.name_key",
    )
    .bind(workflow_id)
    .fetch_all(ex)
    .await?)
}

/// The uses of a workspace's variables with these name keys: (kind, name
/// key, usage).
pub async fn usages<'e>(
    ex: impl Executor<'e, Database = Any>,
    ws: WorkspaceId,
    name_keys: &[String],
) -> Result<Vec<(RefKind, String, UsedIn)>, DbError> {
    if name_keys.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (0..name_keys.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT r.kind, r.name_key, w.id, w.name, b.name FROM block_refs r \
         JOIN api_blocks b ON b.id = r.block_id JOIN workflows w ON w.id = b.workflow_id \
         WHERE r.workspace_id = $1 AND r.name_key IN ({placeholders}) \
         ORDER BY LOWER(w.name), b.position"
    );
    let mut query = sqlx::query_as(&sql).bind(ws);
    for key in name_keys {
        query = query.bind(key);
    }
    let rows: Vec<(RefKind, String, WorkflowId, String, String)> = query.fetch_all(ex).await?;
    Ok(rows
        .into_iter()
        .map(|(kind, key, workflow_id, workflow, block)| {
            let used = UsedIn {
                workflow_id,
                workflow,
                block,
            };
            (kind, key, used)
        })
        .collect())
}

/// Secrets of a workspace whose name contains `search`, for the picker.
pub async fn search_secrets<'e>(
    ex: impl Executor<'e, Database = Any>,
    ws: WorkspaceId,
    search: &str,
    limit: i64,
) -> Result<Vec<SecretOption>, DbError> {
    let pattern = super::like_contains(search);
    let rows: Vec<(VariableId, String, Visibility)> = sqlx::query_as(
        "SELECT id, name, visibility FROM variables WHERE workspace_id = $1 AND kind = 'secret' \
         AND name_key LIKE $2 ESCAPE '\\' ORDER BY sort_key, name_key LIMIT $3",
    )
    .bind(ws)
    .bind(pattern)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    secret_options(rows)
}

fn secret_options(
    rows: Vec<(VariableId, String, Visibility)>,
) -> Result<Vec<SecretOption>, DbError> {
    Ok(rows
        .into_iter()
        .map(|(id, name, visibility)| SecretOption {
            id,
            name,
            visibility,
            note: None,
        })
        .collect())
}

/// The expiry dates of these secrets that have one.
pub async fn expiry_dates<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[VariableId],
) -> Result<Vec<(VariableId, String)>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers: written into the statement, never text from outside.
    let list = ids
        .iter()
        .map(|id| id.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    Ok(sqlx::query_as(&format!(
        "SELECT id, expires_on FROM variables WHERE id IN ({list}) AND expires_on IS NOT NULL"
    ))
    .fetch_all(ex)
    .await?)
}

/// Marks secrets as used just now.
pub async fn mark_used(conn: &mut AnyConnection, ids: &[VariableId]) -> Result<(), DbError> {
    for id in ids {
        sqlx::query("UPDATE variables SET last_used_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The secrets a workflow's blocks refer to.
pub async fn referenced_secrets<'e>(
    ex: impl Executor<'e, Database = Any>,
    workflow_id: WorkflowId,
) -> Result<Vec<SecretOption>, DbError> {
    let rows: Vec<(VariableId, String, Visibility)> = sqlx::query_as(
        "SELECT DISTINCT v.id, v.name, v.visibility FROM block_refs r \
         JOIN api_blocks b ON b.id = r.block_id \
         JOIN variables v ON v.workspace_id = r.workspace_id AND v.name_key = r.name_key \
         WHERE b.workflow_id = $1 AND r.kind = 'secret' AND v.kind = 'secret'",
    )
    .bind(workflow_id)
    .fetch_all(ex)
    .await?;
    secret_options(rows)
}

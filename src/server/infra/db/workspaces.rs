//! The `workspaces` and `memberships` tables.

use super::{now_ms, DbError};
use crate::model::{Role, UserId, WorkspaceId};
use sqlx::{Any, AnyConnection, Executor, FromRow, Row};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceRecord {
    pub id: WorkspaceId,
    pub slug: String,
    pub name: String,
}

/// One row of "who is in this workspace".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRecord {
    #[sqlx(rename = "id")]
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// The caller's membership of a workspace, found by slug.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRecord {
    #[sqlx(flatten)]
    pub workspace: WorkspaceRecord,
    pub role: Role,
}

pub async fn insert(
    conn: &mut AnyConnection,
    slug: &str,
    name: &str,
    created_by: UserId,
) -> Result<WorkspaceId, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO workspaces (slug, name, created_at, created_by) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(now_ms())
    .bind(created_by)
    .fetch_one(conn)
    .await?)
}

/// Slugs equal to `base` or of the form `base-N`, to pick the next free one.
pub async fn slugs_like(conn: &mut AnyConnection, base: &str) -> Result<Vec<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT slug FROM workspaces WHERE slug = $1 OR slug LIKE $2")
            .bind(base)
            .bind(format!("{base}-%"))
            .fetch_all(conn)
            .await?,
    )
}

pub async fn add_member(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    user_id: UserId,
    role: Role,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_role(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    user_id: UserId,
    role: Role,
) -> Result<(), DbError> {
    sqlx::query("UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3")
        .bind(role.as_str())
        .bind(workspace_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_member(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    user_id: UserId,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_owners(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'",
    )
    .bind(workspace_id)
    .fetch_one(conn)
    .await?)
}

pub async fn membership<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: UserId,
    slug: &str,
) -> Result<Option<MembershipRecord>, DbError> {
    Ok(sqlx::query_as(
        "SELECT w.id, w.slug, w.name, m.role FROM workspaces w \
         JOIN memberships m ON m.workspace_id = w.id \
         WHERE w.slug = $1 AND m.user_id = $2",
    )
    .bind(slug)
    .bind(user_id)
    .fetch_optional(ex)
    .await?)
}

/// A workspace's id by its slug.
pub async fn id_by_slug<'e>(
    ex: impl Executor<'e, Database = Any>,
    slug: &str,
) -> Result<Option<WorkspaceId>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
            .bind(slug)
            .fetch_optional(ex)
            .await?,
    )
}

pub async fn slug_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: WorkspaceId,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT slug FROM workspaces WHERE id = $1")
            .bind(id)
            .fetch_optional(ex)
            .await?,
    )
}

/// Every workspace (id, slug), by slug.
pub async fn all<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(WorkspaceId, String)>, DbError> {
    Ok(
        sqlx::query_as("SELECT id, slug FROM workspaces ORDER BY slug")
            .fetch_all(ex)
            .await?,
    )
}

/// Takes a workspace row's write lock for the rest of the transaction
/// (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the database).
pub async fn lock(conn: &mut AnyConnection, id: WorkspaceId) -> Result<(), DbError> {
    sqlx::query("UPDATE workspaces SET name = name WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who a signed-in user is, and their membership of workspace `slug` if
/// any, in one query (every server function of a workspace asks this).
/// `None` when the user no longer exists.
pub async fn user_and_membership<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: UserId,
    slug: &str,
) -> Result<Option<(super::users::UserRecord, Option<MembershipRecord>)>, DbError> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.password_hash, \
         w.id AS ws_id, w.slug AS ws_slug, w.name AS ws_name, m.role \
         FROM users u \
         LEFT JOIN workspaces w ON w.slug = $2 \
         LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = u.id \
         WHERE u.id = $1",
    )
    .bind(user_id)
    .bind(slug)
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user = super::users::UserRecord::from_row(&row)?;
    let membership = match row.try_get::<Option<Role>, _>("role")? {
        Some(role) => Some(MembershipRecord {
            workspace: WorkspaceRecord {
                id: row.try_get("ws_id")?,
                slug: row.try_get("ws_slug")?,
                name: row.try_get("ws_name")?,
            },
            role,
        }),
        None => None,
    };
    Ok(Some((user, membership)))
}

/// Every workspace of a user with their role there, by name.
pub async fn of_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: UserId,
) -> Result<Vec<MembershipRecord>, DbError> {
    Ok(sqlx::query_as(
        "SELECT w.id, w.slug, w.name, m.role FROM workspaces w \
         JOIN memberships m ON m.workspace_id = w.id \
         WHERE m.user_id = $1 ORDER BY w.name, w.id",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

pub async fn members<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
) -> Result<Vec<MemberRecord>, DbError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, m.role FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 \
         ORDER BY u.display_name, u.email",
    )
    .bind(workspace_id)
    .fetch_all(ex)
    .await?)
}

pub async fn member_role(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    user_id: UserId,
) -> Result<Option<Role>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2")
            .bind(workspace_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Ids of the workspaces a user belongs to (sign-in audit goes to each).
pub async fn ids_of_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: UserId,
) -> Result<Vec<WorkspaceId>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT workspace_id FROM memberships WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(ex)
            .await?,
    )
}

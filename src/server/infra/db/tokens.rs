//! The `access_tokens` table. A token is found by the hash of what was
//! presented; the token itself is never stored.

use super::workspaces::WorkspaceRecord;
use super::{decode_enum, DbError};
use crate::model::{Scope, TokenId, UserId, WorkspaceId};
use crate::server::web::client::{canonical, parse_net, IpNet};
use sqlx::{Any, AnyConnection, Executor, Row};
use std::net::IpAddr;

/// A live token as a caller presents it: decoded at the row, so an unknown
/// scope or a malformed network is an error, never a silent default.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub id: TokenId,
    pub name: String,
    pub workspace: WorkspaceRecord,
    pub scopes: Vec<Scope>,
    /// Empty: any network.
    pub networks: Vec<IpNet>,
}

impl LiveToken {
    pub fn allows(&self, client: IpAddr) -> bool {
        let client = canonical(client);
        self.networks.is_empty() || self.networks.iter().any(|n| n.contains(&client))
    }
}

pub struct NewToken<'a> {
    pub workspace_id: WorkspaceId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub scopes: &'a [Scope],
    pub expires_at: Option<i64>,
    pub networks: &'a [IpNet],
    pub created_by: UserId,
    pub now: i64,
}

pub async fn insert(conn: &mut AnyConnection, token: &NewToken<'_>) -> Result<TokenId, DbError> {
    let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
    let networks: Vec<String> = token.networks.iter().map(|n| n.to_string()).collect();
    Ok(sqlx::query_scalar(
        "INSERT INTO access_tokens (workspace_id, name, prefix, hash, scopes, expires_at, \
         allowed_networks, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(token.workspace_id)
    .bind(token.name)
    .bind(token.prefix)
    .bind(token.hash)
    .bind(scopes.join(" "))
    .bind(token.expires_at)
    .bind(networks.join("\n"))
    .bind(token.created_by)
    .bind(token.now)
    .fetch_one(conn)
    .await?)
}

/// The token with this hash, unless it is revoked or expired at `now`.
pub async fn find_live<'e>(
    ex: impl Executor<'e, Database = Any>,
    hash: &str,
    now: i64,
) -> Result<Option<LiveToken>, DbError> {
    let row = sqlx::query(
        "SELECT t.id, t.name, t.scopes, t.allowed_networks, w.id AS workspace_id, w.slug, w.name \
         AS workspace_name FROM access_tokens t JOIN workspaces w ON w.id = t.workspace_id \
         WHERE t.hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let scopes: String = row.try_get("scopes")?;
    let networks: String = row.try_get("allowed_networks")?;
    Ok(Some(LiveToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        workspace: WorkspaceRecord {
            id: row.try_get("workspace_id")?,
            slug: row.try_get("slug")?,
            name: row.try_get("workspace_name")?,
        },
        scopes: scopes
            .split_whitespace()
            .map(|code| decode_enum(code, Scope::parse, "token scope"))
            .collect::<Result<_, _>>()?,
        networks: networks
            .lines()
            .map(|net| decode_enum(net, parse_net, "token network"))
            .collect::<Result<_, _>>()?,
    }))
}

/// Records a use; at most once a minute, so a busy token does not turn
/// every read into a write.
pub async fn touch<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: TokenId,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE access_tokens SET last_used_at = $1 \
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1 - 60000)",
    )
    .bind(now)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

/// Revokes a token of the workspace; its name, or `None` when there is no
/// such live token.
pub async fn revoke(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    id: TokenId,
    now: i64,
) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE access_tokens SET revoked_at = $1 \
         WHERE id = $2 AND workspace_id = $3 AND revoked_at IS NULL RETURNING name",
    )
    .bind(now)
    .bind(id)
    .bind(workspace_id)
    .fetch_optional(conn)
    .await?)
}

/// Every token of a workspace, live ones first, newest first.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
) -> Result<Vec<crate::model::TokenView>, DbError> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.prefix, t.scopes, t.allowed_networks, t.created_at, \
         u.email AS created_by, t.expires_at, t.last_used_at, t.revoked_at \
         FROM access_tokens t LEFT JOIN users u ON u.id = t.created_by \
         WHERE t.workspace_id = $1 ORDER BY (t.revoked_at IS NULL) DESC, t.id DESC",
    )
    .bind(workspace_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let scopes: String = r.try_get("scopes")?;
            let networks: String = r.try_get("allowed_networks")?;
            Ok(crate::model::TokenView {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                prefix: r.try_get("prefix")?,
                scopes: scopes
                    .split_whitespace()
                    .map(|code| decode_enum(code, Scope::parse, "token scope"))
                    .collect::<Result<_, _>>()?,
                allowed_networks: networks.lines().map(str::to_string).collect(),
                created_at: r.try_get("created_at")?,
                created_by: r.try_get("created_by")?,
                expires_at: r.try_get("expires_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Revokes the live tokens `user` made in a workspace (they lost the right
/// to make them); returns how many.
pub async fn revoke_made_by(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    user: UserId,
    now: i64,
) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE access_tokens SET revoked_at = $1 \
         WHERE workspace_id = $2 AND created_by = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(workspace_id)
    .bind(user)
    .execute(conn)
    .await?
    .rows_affected())
}

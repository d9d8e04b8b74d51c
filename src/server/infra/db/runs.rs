//! The `secret_runs` table: the last runs that sent each secret (status
//! code and when, never any part of a body), for its health.

use super::DbError;
use crate::model::{BlockId, VariableId};
use sqlx::{Any, AnyConnection, Executor, Row};

/// Runs kept per secret.
pub const KEPT: i64 = 10;

/// One run that sent a secret; `status` is `None` when no answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub variable_id: VariableId,
    pub block_name: String,
    pub status: Option<u16>,
    pub at: i64,
}

/// Records a run's outcome for each secret it sent, keeping the last
/// [`KEPT`] of each.
pub async fn record(
    conn: &mut AnyConnection,
    secrets: &[VariableId],
    block_id: Option<BlockId>,
    block_name: &str,
    status: Option<u16>,
    at: i64,
) -> Result<(), DbError> {
    for id in secrets {
        sqlx::query(
            "INSERT INTO secret_runs (variable_id, block_id, block_name, status, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(block_id)
        .bind(block_name)
        .bind(status.map(i64::from))
        .bind(at)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "DELETE FROM secret_runs WHERE variable_id = $1 AND id NOT IN \
             (SELECT id FROM secret_runs WHERE variable_id = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(id)
        .bind(KEPT)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The kept runs of these secrets, newest first for each.
pub async fn recent<'e>(
    ex: impl Executor<'e, Database = Any>,
    secrets: &[VariableId],
) -> Result<Vec<RunRecord>, DbError> {
    if secrets.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers: written into the statement, never text from outside.
    let ids = secrets
        .iter()
        .map(|id| id.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let rows = sqlx::query(&format!(
        "SELECT variable_id, block_name, status, at FROM secret_runs \
         WHERE variable_id IN ({ids}) ORDER BY variable_id, id DESC"
    ))
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RunRecord {
                variable_id: r.try_get("variable_id")?,
                block_name: r.try_get("block_name")?,
                status: r
                    .try_get::<Option<i64>, _>("status")?
                    .and_then(|s| u16::try_from(s).ok()),
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Forgets a secret's runs: they said how its previous value fared.
pub async fn forget(conn: &mut AnyConnection, secret: VariableId) -> Result<(), DbError> {
    sqlx::query("DELETE FROM secret_runs WHERE variable_id = $1")
        .bind(secret)
        .execute(conn)
        .await?;
    Ok(())
}

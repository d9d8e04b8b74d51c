//! The second half of migration 0010: the natural-order key of variables
//! made before it, written by the app (SQL cannot compute it on both
//! databases). Idempotent: only rows without a key are touched, so two
//! instances starting together write the same values.

use super::{Db, DbError};
use crate::model::natural_sort_key;
use crate::model::VariableId;

/// Fills `sort_key` where migration 0010 left it empty; returns how many.
pub async fn backfill(db: &Db) -> Result<u64, DbError> {
    let rows: Vec<(VariableId, String)> =
        sqlx::query_as("SELECT id, name_key FROM variables WHERE sort_key = ''")
            .fetch_all(db.pool())
            .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin_write().await?;
    for (id, key) in &rows {
        sqlx::query("UPDATE variables SET sort_key = $1 WHERE id = $2 AND sort_key = ''")
            .bind(natural_sort_key(key))
            .bind(*id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(rows = rows.len(), "natural-order keys written");
    Ok(rows.len() as u64)
}

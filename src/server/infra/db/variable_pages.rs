//! The Variables page's query: a page of a workspace's variables in
//! natural name order from a keyset cursor, searched and filtered in the
//! database.

use super::variables::{VariableRecord, SELECT_LISTED};
use super::DbError;
use crate::model::{VariableKind, WorkspaceId};
use sqlx::{Any, Executor};

/// Which rows [`page`] returns.
#[derive(Debug, Clone, Default)]
pub struct ListQuery<'a> {
    /// Names containing it (any case).
    pub search: &'a str,
    pub kind: Option<VariableKind>,
    /// Only secrets expiring on or before this day (`YYYY-MM-DD`).
    pub expiring_by: Option<&'a str>,
    /// Only secrets whose last runs were all refused.
    pub failing: bool,
    /// Keyset cursors (name keys): rows after `after`, or before `before`.
    pub after: Option<&'a str>,
    pub before: Option<&'a str>,
    pub limit: i64,
}

/// Up to `limit` rows of a workspace in natural name order, from a cursor, and
/// whether there are more in the direction read (one row more is read to
/// know). Each filter is an index range or a cheap test per row: this is
/// the Variables page's query, at 10,000 secrets too.
pub async fn page<'e>(
    ex: impl Executor<'e, Database = Any>,
    workspace_id: WorkspaceId,
    q: &ListQuery<'_>,
) -> Result<(Vec<VariableRecord>, bool), DbError> {
    // Only the conditions that apply are written, each with its own
    // placeholder: PostgreSQL plans a prepared statement once for any
    // values, and `$n IS NULL OR …` would make that plan a full scan and a
    // sort. With them out, each shape of query walks the name index.
    let mut sql = format!("{SELECT_LISTED} WHERE v.workspace_id = $1");
    let mut texts: Vec<String> = Vec::new();
    let mut arg = |sql: &mut String, condition: &str, value: String| {
        texts.push(value);
        sql.push_str(&condition.replace('?', &format!("${}", texts.len() + 1)));
    };
    if !q.search.is_empty() {
        // Names hold letters, digits and `_`; `_` is LIKE's wildcard: escaped.
        arg(
            &mut sql,
            " AND v.name_key LIKE ? ESCAPE '\\'",
            super::like_contains(q.search),
        );
    }
    if let Some(kind) = q.kind {
        arg(&mut sql, " AND v.kind = ?", kind.as_str().to_string());
    }
    if let Some(day) = q.expiring_by {
        arg(
            &mut sql,
            " AND v.kind = 'secret' AND v.expires_on <= ?",
            day.to_string(),
        );
    }
    if q.failing {
        sql.push_str(&format!(
            " AND v.kind = 'secret' AND (SELECT COUNT(*) FROM (SELECT r.status FROM secret_runs r \
             WHERE r.variable_id = v.id ORDER BY r.id DESC LIMIT {n}) last \
             WHERE last.status IN (401, 403)) = {n}",
            n = crate::model::FAILING_AFTER
        ));
    }
    // Natural order (`TOKEN_2` before `TOKEN_10`), ties by name key; a
    // cursor is a name key, whose natural key is computed from it.
    let backwards = q.before.is_some() && q.after.is_none();
    let cursor = match (backwards, q.after, q.before) {
        (true, _, Some(before)) => Some(("<", before)),
        (false, Some(after), _) => Some((">", after)),
        _ => None,
    };
    if let Some((op, key)) = cursor {
        let n = texts.len();
        // A row value: both databases walk the index from it.
        sql.push_str(&format!(
            " AND (v.sort_key, v.name_key) {op} (${}, ${})",
            n + 2,
            n + 3
        ));
        texts.push(crate::model::natural_sort_key(key));
        texts.push(key.to_string());
    }
    let order = if backwards { "DESC" } else { "ASC" };
    sql.push_str(&format!(
        " ORDER BY v.sort_key {order}, v.name_key {order} LIMIT {}",
        q.limit + 1
    ));
    let mut query = sqlx::query_as::<_, VariableRecord>(&sql).bind(workspace_id);
    for text in &texts {
        query = query.bind(text);
    }
    let mut records = query.fetch_all(ex).await?;
    let more = records.len() as i64 > q.limit;
    records.truncate(q.limit as usize);
    if backwards {
        records.reverse();
    }
    Ok((records, more))
}

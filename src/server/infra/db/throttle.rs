//! The `login_throttle` table: failed attempts and the next free turn per
//! key (a hash), shared by every instance.

use super::DbError;
use sqlx::{Any, Executor};

/// Takes the next turn of `key` in one statement, and counts the attempt
/// then, before anything is checked (so parallel guesses are slowed down
/// as they arrive, not once their hashes are done): the turn is
/// `max(now, next_allowed_at) + delay`, where `delay_ms[f]` is the wait
/// after `f` attempts since `since_ms` (the last entry for more). A
/// success gives its attempt back (`clear`). Returns the turn, or
/// `None` when a delay applies and the turn would be later than
/// `now_ms + horizon_ms` (then nothing changes and nothing is counted). A
/// key with no delay is never refused: its turn can only be ahead of a
/// `now_ms` that went stale while the statement waited for the database,
/// not because of guesses.
pub async fn reserve<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    now_ms: i64,
    since_ms: i64,
    delay_ms: &[i64],
    horizon_ms: i64,
) -> Result<Option<i64>, DbError> {
    reserve_as(
        ex,
        Count::Attempts,
        key,
        now_ms,
        since_ms,
        delay_ms,
        horizon_ms,
    )
    .await
}

/// What a key counts: every attempt as it starts (the account a guess is
/// aimed at), or only failures, once known (an address many people may
/// share: a burst of right passwords there must not slow anyone down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Attempts,
    Failures,
}

/// [`reserve`], counting as `count` says.
pub async fn reserve_as<'e>(
    ex: impl Executor<'e, Database = Any>,
    count: Count,
    key: &str,
    now_ms: i64,
    since_ms: i64,
    delay_ms: &[i64],
    horizon_ms: i64,
) -> Result<Option<i64>, DbError> {
    // One upsert: a key seen for the first time gets a row, one attempt
    // and the turn `now`; an existing one its next turn and one attempt
    // more (a streak older than `since_ms` starts over). An insert, then
    // an update, would lose the row to a sign-in that clears it in
    // between, on a database that runs them concurrently.
    let delay = format!(
        "(CASE WHEN login_throttle.last_failure_at < $3 THEN 0 {} END)",
        delay_case(delay_ms)
    );
    let turn = format!(
        "(CASE WHEN login_throttle.next_allowed_at > $2 THEN login_throttle.next_allowed_at \
         ELSE $2 END) + {delay}"
    );
    let sql = match count {
        Count::Attempts => format!(
            "INSERT INTO login_throttle (key, failures, last_failure_at, next_allowed_at) \
             VALUES ($1, 1, $2, $2) ON CONFLICT (key) DO UPDATE SET next_allowed_at = {turn}, \
               failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
                               ELSE login_throttle.failures + 1 END, \
               last_failure_at = $2 \
             WHERE {delay} = 0 OR {turn} <= $4 RETURNING next_allowed_at"
        ),
        Count::Failures => format!(
            "INSERT INTO login_throttle (key, failures, last_failure_at, next_allowed_at) \
             VALUES ($1, 0, 0, $2) ON CONFLICT (key) DO UPDATE SET next_allowed_at = {turn} \
             WHERE {delay} = 0 OR {turn} <= $4 RETURNING next_allowed_at"
        ),
    };
    Ok(sqlx::query_scalar(&sql)
        .bind(key)
        .bind(now_ms)
        .bind(since_ms)
        .bind(now_ms + horizon_ms)
        .fetch_optional(ex)
        .await?)
}

/// Counts one more failure; a streak older than `since_ms` starts over.
pub async fn record_failure<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    now_ms: i64,
    since_ms: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, last_failure_at, next_allowed_at) \
         VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
                           ELSE login_throttle.failures + 1 END, \
           last_failure_at = $2",
    )
    .bind(key)
    .bind(now_ms)
    .bind(since_ms)
    .execute(ex)
    .await?;
    Ok(())
}

/// Attempts counted against `key` since `since_ms`.
pub async fn attempts<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    since_ms: i64,
) -> Result<i64, DbError> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT failures FROM login_throttle WHERE key = $1 AND last_failure_at >= $2",
    )
    .bind(key)
    .bind(since_ms)
    .fetch_optional(ex)
    .await?;
    Ok(n.unwrap_or(0))
}

/// `WHEN failures = 0 THEN d0 ... ELSE dn` from the table (whole numbers
/// only, so nothing from outside reaches the SQL text).
fn delay_case(delay_ms: &[i64]) -> String {
    let (last, steps) = delay_ms.split_last().unwrap_or((&0, &[]));
    let mut case = String::new();
    for (failures, delay) in steps.iter().enumerate() {
        case.push_str(&format!(
            "WHEN login_throttle.failures = {failures} THEN {delay} "
        ));
    }
    case.push_str(&format!("ELSE {last}"));
    case
}

pub async fn clear<'e>(ex: impl Executor<'e, Database = Any>, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
}

/// Deletes streaks whose last failure is older than `before_ms` and whose
/// turns have passed.
pub async fn sweep<'e>(
    ex: impl Executor<'e, Database = Any>,
    before_ms: i64,
    now_ms: i64,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM login_throttle WHERE last_failure_at < $1 AND next_allowed_at < $2")
        .bind(before_ms)
        .bind(now_ms)
        .execute(ex)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_delay_table_becomes_a_case() {
        assert_eq!(
            super::delay_case(&[0, 0, 250, 5000]),
            "WHEN login_throttle.failures = 0 THEN 0 WHEN login_throttle.failures = 1 THEN 0 \
             WHEN login_throttle.failures = 2 THEN 250 ELSE 5000"
        );
    }
}

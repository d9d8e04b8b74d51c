//! The database: one code path for SQLite and PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver with portable SQL (`$1`
//! placeholders, times as integer milliseconds, ids as BIGINT), so every
//! query is written and tested once and the same suite runs on both
//! backends. What differs per backend stays in this module: connection
//! set-up, the migration folder and how a write transaction begins.

pub mod audit;
pub mod data_keys;
pub mod meta;
pub mod natural_order;
pub mod reminders;
pub mod runs;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;
mod variable_pages;
pub mod variables;
pub mod versions;
pub mod withheld;
pub mod workflows;
pub mod workspaces;

use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long SQLite waits for another writer before giving up. Long enough
/// for a batch of a key rotation to finish.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 30_000;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl(redact_url(url)))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot create the directory {path} for the database: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("a database task stopped before it finished: {0}")]
    Task(String),
}

/// Why the database could not serve a request, when that is no fault of
/// the request: the answer is a 503, not a 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Down, unreachable, or no connection came free in time.
    Unreachable,
    /// The disk (or SQLite's page limit) is full.
    Full,
}

impl DbError {
    /// Whether this is an outage rather than a bug or bad data.
    pub fn outage(&self) -> Option<Outage> {
        let err = match self {
            DbError::Query(err) | DbError::Connect { source: err, .. } => err,
            _ => return None,
        };
        match err {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => Some(Outage::Unreachable),
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                match code.as_ref() {
                    // SQLite: SQLITE_FULL (13, with extended codes).
                    c if c == "13" || c.parse::<i32>().is_ok_and(|n| n & 0xff == 13) => {
                        Some(Outage::Full)
                    }
                    // PostgreSQL: disk full.
                    "53100" => Some(Outage::Full),
                    // PostgreSQL: out of memory, too many connections,
                    // shutting down, cannot connect now.
                    "53200" | "53300" | "57P01" | "57P02" | "57P03" => Some(Outage::Unreachable),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// True when the database refused a row because a unique constraint
    /// already holds that value: the race-free way to say "already exists".
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Query(sqlx::Error::Database(err)) => err.is_unique_violation(),
            _ => false,
        }
    }
}

/// A pool of connections to the app's database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer: writers of this process queue here, in
    /// order, instead of in SQLite's busy handler, which sleeps in steps of
    /// up to 100 ms (the p99 of concurrent writes was ~60 ms without it).
    writer: Arc<Mutex<()>>,
}

/// A write transaction (see [`Db::begin_write`]). Derefs to the
/// connection, like sqlx's `Transaction`.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits in a task of its own, so a caller dropped mid-commit leaves
    /// the write either whole or absent, never a connection in between.
    pub async fn commit(self) -> Result<(), DbError> {
        let done = tokio::spawn(async move { self.tx.commit().await })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("commit task: {e}")))?;
        Ok(done?)
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Db {
    /// Opens the database at `url`, creating a SQLite file (and its
    /// directory) when missing.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                // SQLite has one writer; a few readers suffice in WAL mode.
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            // A connection that comes back inside a transaction nobody owns
            // (a future dropped between BEGIN and its `Transaction`) would
            // hold SQLite's write lock or PostgreSQL's row locks forever:
            // close it instead of handing it out.
            .before_acquire(|conn, _meta| {
                Box::pin(async move {
                    if conn.is_in_transaction() {
                        tracing::error!(
                            "closed a database connection that was returned inside an open \
                             transaction (an interrupted write); its transaction is rolled back"
                        );
                        return Ok(false);
                    }
                    Ok(true)
                })
            });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
                        )
                        .as_str(),
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|source| DbError::Connect {
                url: redact_url(&url),
                source,
            })?;
        Ok(Db {
            pool,
            backend,
            writer: Arc::new(Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending migrations. On PostgreSQL sqlx holds an advisory lock
    /// meanwhile, so instances starting together migrate once.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        match migrator.run(&self.pool).await {
            Ok(()) => {}
            // SQLite has no migration lock: two processes starting on a new
            // file race, and the loser fails on a table the winner made.
            // Once the winner has committed, a second run finds its work.
            Err(first) if self.backend == Backend::Sqlite => {
                tracing::info!(error = %first, "migrations raced another process; running them again");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                migrator.run(&self.pool).await?;
            }
            Err(err) => return Err(err.into()),
        }
        // What a migration needs from the app (keys SQL cannot compute).
        natural_order::backfill(self).await?;
        Ok(())
    }

    /// Answers whether the database responds to a trivial query.
    pub async fn ping(&self) -> Result<(), DbError> {
        let _: AnyQueryResult = sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// [`Db::ping`] within `limit`: a database that does not answer in
    /// time is as down as one that refuses.
    pub async fn ping_within(&self, limit: Duration) -> Result<(), DbError> {
        match tokio::time::timeout(limit, self.ping()).await {
            Ok(result) => result,
            Err(_) => Err(DbError::Query(sqlx::Error::PoolTimedOut)),
        }
    }

    /// Whether a table exists (before migrations, to check the master key
    /// without writing anything).
    pub async fn table_exists(&self, table: &str) -> Result<bool, DbError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1"
            }
        };
        let n: i64 = sqlx::query_scalar(sql)
            .bind(table)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Starts a transaction that will write. On SQLite it waits for this
    /// process's turn, then takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so a read-then-write transaction cannot fail half-way
    /// with SQLITE_BUSY when another writer commits. Never call it while
    /// holding another `WriteTx`: on SQLite that waits forever.
    ///
    /// The transaction begins in a task of its own, which always runs to
    /// its end: a caller dropped mid-`BEGIN` (its client went away) cannot
    /// leave a connection in a transaction that nobody owns. If the caller
    /// is gone when it ends, the `WriteTx` is dropped, which rolls back.
    pub async fn begin_write(&self) -> Result<WriteTx, DbError> {
        let db = self.clone();
        tokio::spawn(async move { db.begin_write_here().await })
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }

    async fn begin_write_here(&self) -> Result<WriteTx, DbError> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let turn = self.writer.clone().lock_owned().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Decodes a stored enum (kind, visibility, role): a value this version
/// does not know is an error, never a silent default.
pub fn decode_enum<T>(
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, sqlx::Error> {
    parse(text).ok_or_else(|| sqlx::Error::Decode(format!("unknown {what} {text:?}").into()))
}

/// A `LIKE ... ESCAPE '\'` pattern for "contains `text`, any case":
/// `%`, `_` and `\` in the text match only themselves.
pub fn like_contains(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Milliseconds since the Unix epoch: how every time is stored.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Makes sure a SQLite file can be created: its directory exists and the
/// URL asks for create-if-missing.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, params) = match rest.split_once('?') {
        Some((path, params)) => (path, Some(params)),
        None => (rest, None),
    };
    let in_memory = path.is_empty() || path == ":memory:";
    if !in_memory {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    Ok(match params {
        Some(params) if params.split('&').any(|p| p.starts_with("mode=")) => url.to_string(),
        Some(_) => format!("{url}&mode=rwc"),
        None => format!("{url}?mode=rwc"),
    })
}

/// A URL fit for messages: any password is replaced.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}://{masked}{}", &rest[at..])
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_only_the_password() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/vv"),
            "postgres://app:***@db:5432/vv"
        );
        assert_eq!(redact_url("postgres://app@db/vv"), "postgres://app@db/vv");
        assert_eq!(
            redact_url("sqlite://data/varvault.db"),
            "sqlite://data/varvault.db"
        );
    }

    #[test]
    fn an_unknown_stored_value_is_an_error_not_a_default() {
        use crate::model::{VariableKind, Visibility};
        assert_eq!(
            decode_enum("secret", VariableKind::parse, "kind").unwrap(),
            VariableKind::Secret
        );
        // The tables' CHECK constraints keep these out; a row written by
        // another version must still not read as a secret or restricted.
        let err = decode_enum("weird", VariableKind::parse, "kind").unwrap_err();
        assert!(err.to_string().contains("unknown kind \"weird\""), "{err}");
        assert!(decode_enum("hidden", Visibility::parse, "visibility").is_err());
    }

    #[tokio::test]
    async fn rows_decode_stored_codes_and_refuse_unknown_ones() {
        use crate::model::{Role, VariableKind, Visibility};
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect("sqlite::memory:").await.unwrap();
        let (kind, visibility, role): (VariableKind, Option<Visibility>, Role) =
            sqlx::query_as("SELECT 'secret', NULL, 'admin'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            (kind, visibility, role),
            (VariableKind::Secret, None, Role::Admin)
        );
        let err = sqlx::query_scalar::<_, Visibility>("SELECT 'hidden'")
            .fetch_one(&pool)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown Visibility \"hidden\""),
            "{err}"
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("N_T"), "%n\\_t%");
        assert_eq!(like_contains("50%"), "%50\\%%");
        assert_eq!(like_contains(""), "%%");
    }

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn sqlite_url_gains_create_mode_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sub/x.db");
        let url = format!("sqlite://{}", db.display());
        assert_eq!(prepare_sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(db.parent().unwrap().is_dir(), "directory created");
        let ro = format!("{url}?mode=ro");
        assert_eq!(prepare_sqlite_url(&ro).unwrap(), ro);
    }
}

//! Sessions: tower-sessions with a store in the app's own database, so any
//! instance serves any user and revocation is one `DELETE` that every
//! instance sees at the next request.

use crate::error::AppError;
use crate::model::UserId;
use crate::server::infra::db::{self, now_ms, Db};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use time::OffsetDateTime;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// Keys in a session's data.
const USER_ID: &str = "uid";
const SIGNED_IN_AT: &str = "since";
const SEEN_AT: &str = "seen";

/// Activity refreshes the idle deadline at most this often, so reading a
/// page is not a database write each time.
const TOUCH_EVERY_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle_minutes: i64,
    pub max_hours: i64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle_minutes: 60,
            max_hours: 12,
        }
    }
}

/// The cookie and expiry settings of SPEC §7.
pub fn layer(db: Db, limits: SessionLimits, secure: bool) -> SessionManagerLayer<DbSessionStore> {
    // `__Host-` binds the cookie to this exact host over https.
    let name = if secure {
        "__Host-varvault_session"
    } else {
        "varvault_session"
    };
    SessionManagerLayer::new(DbSessionStore { db })
        .with_name(name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            limits.idle_minutes,
        )))
}

/// The session id as stored: a hash, so the table alone cannot be replayed.
pub fn id_hash(id: &Id) -> String {
    let digest = Sha256::digest(id.to_string().as_bytes());
    hex::encode(digest)
}

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

fn store_err(err: db::DbError) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn encode(record: &Record) -> session_store::Result<(Option<UserId>, String, i64)> {
    let user_id = record
        .data
        .get(USER_ID)
        .and_then(|v| v.as_i64())
        .map(UserId);
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires_at = (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64;
    Ok((user_id, data, expires_at))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (user_id, data, expires_at) = encode(record)?;
            let inserted = db::sessions::insert(
                self.db.pool(),
                &id_hash(&record.id),
                user_id,
                &data,
                expires_at,
            )
            .await
            .map_err(store_err)?;
            if inserted {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (user_id, data, expires_at) = encode(record)?;
        db::sessions::update(
            self.db.pool(),
            &id_hash(&record.id),
            user_id,
            &data,
            expires_at,
        )
        .await
        .map_err(store_err)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some((data, expires_at)) = db::sessions::load(self.db.pool(), &id_hash(id))
            .await
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp_nanos(expires_at as i128 * 1_000_000)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        db::sessions::delete(self.db.pool(), &id_hash(id))
            .await
            .map_err(store_err)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(String);

impl From<tower_sessions::session::Error> for SessionError {
    fn from(err: tower_sessions::session::Error) -> Self {
        SessionError(err.to_string())
    }
}

/// The answer to a failed session read or write. The store reports only
/// text, so ask the database itself: when it does not answer, this is an
/// outage (503), not a bug.
pub async fn failed(db: &crate::server::infra::db::Db, err: SessionError) -> AppError {
    tracing::error!(error = %err, "session");
    match db.ping_within(std::time::Duration::from_secs(2)).await {
        Ok(()) => AppError::Internal,
        Err(db_err) => AppError::from(db_err),
    }
}

/// Signs `user_id` in: a fresh session id (no fixation), then the user.
pub async fn start(session: &Session, user_id: UserId) -> Result<(), SessionError> {
    session.cycle_id().await?;
    let now = now_ms();
    session.insert(USER_ID, user_id).await?;
    session.insert(SIGNED_IN_AT, now).await?;
    session.insert(SEEN_AT, now).await?;
    Ok(())
}

/// Signs out: deletes the session on the server and clears the cookie.
pub async fn end(session: &Session) -> Result<(), SessionError> {
    session.flush().await?;
    Ok(())
}

/// The signed-in user of this session, if any, enforcing the idle and the
/// absolute timeout. Refreshes the idle deadline at most once a minute.
pub async fn user_id(
    session: &Session,
    limits: SessionLimits,
) -> Result<Option<UserId>, SessionError> {
    let Some(user_id) = session.get::<UserId>(USER_ID).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let since = session.get::<i64>(SIGNED_IN_AT).await?.unwrap_or(0);
    let seen = session.get::<i64>(SEEN_AT).await?.unwrap_or(0);
    let too_old = now - since > limits.max_hours * 3_600_000;
    let idle = now - seen > limits.idle_minutes * 60_000;
    if too_old || idle {
        session.flush().await?;
        return Ok(None);
    }
    if now - seen > TOUCH_EVERY_MS {
        session.insert(SEEN_AT, now).await?;
    }
    Ok(Some(user_id))
}

/// The stored form of the current session's id, to keep it when ending a
/// user's other sessions.
pub fn current_id_hash(session: &Session) -> Option<String> {
    session.id().as_ref().map(id_hash)
}

//! Per-workspace data keys: created on first use, wrapped by the master
//! key, unwrapped on demand and cached in memory (zeroized on drop).
//!
//! The newest version of a workspace's key seals; every version still
//! referenced by a value opens. Versions are read from the database on
//! every seal, so an instance notices a rotation made by another one.

use super::aead::{self, data_key_aad, secret_aad};
use super::{CryptoError, Key32, MasterKey, SecretValue};
use crate::server::db::now_ms;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Seals per data key before writes are refused: far below the 2^32
/// random-nonce limit of AES-GCM.
pub const SEAL_LIMIT: i64 = 1 << 31;

pub struct Keyring {
    master: MasterKey,
    cache: RwLock<HashMap<(i64, i64), Arc<Key32>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring(master {})", self.master.id())
    }
}

impl Keyring {
    pub fn new(master: MasterKey) -> Self {
        Keyring {
            master,
            cache: RwLock::new(HashMap::new()),
        }
    }

    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// The newest key version of a workspace, creating version 1 on first
    /// use (racing creators agree on one through the primary key).
    pub async fn current_version(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
    ) -> Result<i64, CryptoError> {
        if let Some(v) = newest_version(conn, workspace_id).await? {
            return Ok(v);
        }
        self.insert_version(conn, workspace_id, 1).await?;
        newest_version(conn, workspace_id)
            .await?
            .ok_or(CryptoError::MissingKey {
                workspace: workspace_id,
                version: 1,
            })
    }

    /// Adds the next key version (a rotation's first step) and returns it.
    pub async fn add_version(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
    ) -> Result<i64, CryptoError> {
        let next = newest_version(conn, workspace_id).await?.unwrap_or(0) + 1;
        self.insert_version(conn, workspace_id, next).await?;
        Ok(next)
    }

    async fn insert_version(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
        version: i64,
    ) -> Result<(), CryptoError> {
        let key = Key32::random();
        let aad = data_key_aad(workspace_id, version, self.master.id());
        let wrapped = aead::seal(self.master.key(), key.bytes(), &aad);
        sqlx::query(
            "INSERT INTO data_keys (workspace_id, version, wrapped, master_key_id, seal_count, \
             created_at) VALUES ($1, $2, $3, $4, 0, $5) \
             ON CONFLICT (workspace_id, version) DO NOTHING",
        )
        .bind(workspace_id)
        .bind(version)
        .bind(wrapped)
        .bind(self.master.id())
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The unwrapped data key of `workspace_id` at `version`.
    pub async fn data_key(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
        version: i64,
    ) -> Result<Arc<Key32>, CryptoError> {
        if let Some(key) = self
            .cache
            .read()
            .expect("keyring cache lock")
            .get(&(workspace_id, version))
        {
            return Ok(key.clone());
        }
        let row = sqlx::query(
            "SELECT wrapped, master_key_id FROM data_keys WHERE workspace_id = $1 AND version = $2",
        )
        .bind(workspace_id)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CryptoError::MissingKey {
            workspace: workspace_id,
            version,
        })?;
        let wrapped: Vec<u8> = row.try_get("wrapped")?;
        let master_key_id: String = row.try_get("master_key_id")?;
        let aad = data_key_aad(workspace_id, version, &master_key_id);
        let bytes = aead::open(self.master.key(), &wrapped, &aad)?;
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::Format("a data key is not 32 bytes"))?;
        let key = Arc::new(Key32::from_bytes(array));
        self.cache
            .write()
            .expect("keyring cache lock")
            .insert((workspace_id, version), key.clone());
        Ok(key)
    }

    /// Seals a secret value under the workspace's newest key and counts the
    /// seal. Returns the key version used and the sealed bytes.
    pub async fn seal_value(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
        secret_id: i64,
        value_version: i64,
        value: &SecretValue,
    ) -> Result<(i64, Vec<u8>), CryptoError> {
        let version = self.current_version(conn, workspace_id).await?;
        self.seal_with(conn, workspace_id, version, secret_id, value_version, value)
            .await
            .map(|blob| (version, blob))
    }

    /// Seals under a given key version (rotation re-encrypts to the version
    /// it started, even if a newer one appears meanwhile).
    pub async fn seal_with(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
        version: i64,
        secret_id: i64,
        value_version: i64,
        value: &SecretValue,
    ) -> Result<Vec<u8>, CryptoError> {
        self.count_seals(conn, workspace_id, version, 1).await?;
        self.seal_counted(conn, workspace_id, version, secret_id, value_version, value)
            .await
    }

    /// Counts `n` seals against a key before they are made, refusing past
    /// [`SEAL_LIMIT`]. Rotation counts a whole batch at once.
    pub async fn count_seals(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
        version: i64,
        n: i64,
    ) -> Result<(), CryptoError> {
        let count: i64 = sqlx::query_scalar(
            "UPDATE data_keys SET seal_count = seal_count + $1 \
             WHERE workspace_id = $2 AND version = $3 RETURNING seal_count",
        )
        .bind(n)
        .bind(workspace_id)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CryptoError::MissingKey {
            workspace: workspace_id,
            version,
        })?;
        if count > SEAL_LIMIT {
            return Err(CryptoError::KeyWornOut {
                workspace: workspace_id,
                count,
            });
        }
        Ok(())
    }

    /// Seals with a key whose seals [`Keyring::count_seals`] already counted.
    pub async fn seal_counted(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
        version: i64,
        secret_id: i64,
        value_version: i64,
        value: &SecretValue,
    ) -> Result<Vec<u8>, CryptoError> {
        let key = self.data_key(conn, workspace_id, version).await?;
        let aad = secret_aad(workspace_id, secret_id, value_version);
        Ok(aead::seal(&key, value.expose().as_bytes(), &aad))
    }

    /// Opens a stored secret value.
    pub async fn open_value(
        &self,
        conn: &mut AnyConnection,
        workspace_id: i64,
        secret_id: i64,
        value_version: i64,
        key_version: i64,
        blob: &[u8],
    ) -> Result<SecretValue, CryptoError> {
        let key = self.data_key(conn, workspace_id, key_version).await?;
        let aad = secret_aad(workspace_id, secret_id, value_version);
        let bytes = aead::open(&key, blob, &aad)?;
        SecretValue::from_utf8(bytes).ok_or(CryptoError::Format("a value is not UTF-8"))
    }

    /// Forgets cached keys of a workspace (after old versions are deleted).
    pub fn forget(&self, workspace_id: i64) {
        self.cache
            .write()
            .expect("keyring cache lock")
            .retain(|(ws, _), _| *ws != workspace_id);
    }
}

pub async fn newest_version(
    conn: &mut AnyConnection,
    workspace_id: i64,
) -> Result<Option<i64>, CryptoError> {
    Ok(
        sqlx::query_scalar("SELECT MAX(version) FROM data_keys WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_one(conn)
            .await?,
    )
}

/// The ids of the master keys that wrap this database's data keys (empty
/// for a new database, or one from before the keys table existed).
pub async fn wrapping_key_ids(db: &crate::server::db::Db) -> Result<Vec<String>, CryptoError> {
    if !db.table_exists("data_keys").await? {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_scalar("SELECT DISTINCT master_key_id FROM data_keys ORDER BY 1")
            .fetch_all(db.pool())
            .await?,
    )
}

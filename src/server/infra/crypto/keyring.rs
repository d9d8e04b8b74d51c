//! Per-workspace data keys: created on first use, wrapped by the master
//! key, unwrapped on demand and cached in memory (zeroized on drop).
//!
//! The newest version of a workspace's key seals; every version still
//! referenced by a value opens. Versions are read from the database on
//! every seal, so an instance notices a rotation made by another one.

use super::aead::{self, data_key_aad, secret_aad};
use super::{CryptoError, DataKey, MasterKey, SecretValue};
use crate::model::{KeyVersion, ValueVersion, VariableId, WorkspaceId};
use crate::server::infra::db::data_keys;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Seals per data key before writes are refused: far below the 2^32
/// random-nonce limit of AES-GCM.
pub const SEAL_LIMIT: i64 = 1 << 31;

pub struct Keyring {
    master: MasterKey,
    cache: RwLock<HashMap<(WorkspaceId, KeyVersion), Arc<DataKey>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring(master {})", self.master.id())
    }
}

/// Which secret value, at which value version, a ciphertext belongs to:
/// bound into its associated data.
#[derive(Debug, Clone, Copy)]
pub struct ValueSlot {
    pub workspace: WorkspaceId,
    pub secret: VariableId,
    pub version: ValueVersion,
}

impl ValueSlot {
    fn aad(self) -> Vec<u8> {
        secret_aad(self.workspace, self.secret, self.version)
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
        workspace: WorkspaceId,
    ) -> Result<KeyVersion, CryptoError> {
        if let Some(v) = data_keys::newest_version(&mut *conn, workspace).await? {
            return Ok(v);
        }
        self.insert_version(conn, workspace, KeyVersion(1)).await?;
        data_keys::newest_version(&mut *conn, workspace)
            .await?
            .ok_or(CryptoError::MissingKey {
                workspace,
                version: KeyVersion(1),
            })
    }

    /// Adds the next key version (a rotation's first step) and returns it.
    pub async fn add_version(
        &self,
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
    ) -> Result<KeyVersion, CryptoError> {
        let next = data_keys::newest_version(&mut *conn, workspace)
            .await?
            .unwrap_or_default()
            .next();
        self.insert_version(conn, workspace, next).await?;
        Ok(next)
    }

    async fn insert_version(
        &self,
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
        version: KeyVersion,
    ) -> Result<(), CryptoError> {
        let key = DataKey::random();
        let aad = data_key_aad(workspace, version, self.master.id());
        let wrapped = aead::wrap(&self.master, &key, &aad);
        data_keys::insert(conn, workspace, version, &wrapped, self.master.id()).await?;
        Ok(())
    }

    /// The unwrapped data key of `workspace` at `version`.
    pub async fn data_key(
        &self,
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
        version: KeyVersion,
    ) -> Result<Arc<DataKey>, CryptoError> {
        if let Some(key) = self
            .cache
            .read()
            .expect("keyring cache lock")
            .get(&(workspace, version))
        {
            return Ok(key.clone());
        }
        let stored = data_keys::get(&mut *conn, workspace, version)
            .await?
            .ok_or(CryptoError::MissingKey { workspace, version })?;
        let aad = data_key_aad(workspace, version, &stored.master_key_id);
        let key = Arc::new(aead::unwrap(&self.master, &stored.wrapped, &aad)?);
        self.cache
            .write()
            .expect("keyring cache lock")
            .insert((workspace, version), key.clone());
        Ok(key)
    }

    /// Seals a secret value under the workspace's newest key and counts the
    /// seal. Returns the key version used and the sealed bytes.
    pub async fn seal_value(
        &self,
        conn: &mut AnyConnection,
        slot: ValueSlot,
        value: &SecretValue,
    ) -> Result<(KeyVersion, Vec<u8>), CryptoError> {
        let version = self.current_version(conn, slot.workspace).await?;
        self.seal_with(conn, version, slot, value)
            .await
            .map(|blob| (version, blob))
    }

    /// Seals under a given key version (rotation re-encrypts to the version
    /// it started, even if a newer one appears meanwhile).
    pub async fn seal_with(
        &self,
        conn: &mut AnyConnection,
        version: KeyVersion,
        slot: ValueSlot,
        value: &SecretValue,
    ) -> Result<Vec<u8>, CryptoError> {
        self.count_seals(conn, slot.workspace, version, 1).await?;
        self.seal_counted(conn, version, slot, value).await
    }

    /// Counts `n` seals against a key before they are made, refusing past
    /// [`SEAL_LIMIT`]. Rotation counts a whole batch at once.
    pub async fn count_seals(
        &self,
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
        version: KeyVersion,
        n: i64,
    ) -> Result<(), CryptoError> {
        let count = data_keys::add_seals(conn, workspace, version, n)
            .await?
            .ok_or(CryptoError::MissingKey { workspace, version })?;
        if count > SEAL_LIMIT {
            return Err(CryptoError::KeyWornOut { workspace, count });
        }
        Ok(())
    }

    /// Seals with a key whose seals [`Keyring::count_seals`] already counted.
    pub async fn seal_counted(
        &self,
        conn: &mut AnyConnection,
        version: KeyVersion,
        slot: ValueSlot,
        value: &SecretValue,
    ) -> Result<Vec<u8>, CryptoError> {
        let key = self.data_key(conn, slot.workspace, version).await?;
        Ok(aead::seal_value(
            &key,
            value.expose().as_bytes(),
            &slot.aad(),
        ))
    }

    /// Opens a stored secret value sealed under key `version`.
    pub async fn open_value(
        &self,
        conn: &mut AnyConnection,
        version: KeyVersion,
        slot: ValueSlot,
        blob: &[u8],
    ) -> Result<SecretValue, CryptoError> {
        let key = self.data_key(conn, slot.workspace, version).await?;
        let bytes = aead::open_value(&key, blob, &slot.aad())?;
        SecretValue::from_utf8(bytes).ok_or(CryptoError::Format("a value is not UTF-8"))
    }

    /// Seals a workspace's notification webhook URL (a credential) under
    /// key `version`, counting the seal.
    pub async fn seal_webhook(
        &self,
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
        version: KeyVersion,
        url: &SecretValue,
    ) -> Result<Vec<u8>, CryptoError> {
        self.count_seals(conn, workspace, version, 1).await?;
        let key = self.data_key(conn, workspace, version).await?;
        Ok(aead::seal_value(
            &key,
            url.expose().as_bytes(),
            &aead::webhook_aad(workspace),
        ))
    }

    pub async fn open_webhook(
        &self,
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
        version: KeyVersion,
        blob: &[u8],
    ) -> Result<SecretValue, CryptoError> {
        let key = self.data_key(conn, workspace, version).await?;
        let bytes = aead::open_value(&key, blob, &aead::webhook_aad(workspace))?;
        SecretValue::from_utf8(bytes).ok_or(CryptoError::Format("a webhook URL is not UTF-8"))
    }

    /// Forgets cached keys of a workspace (after old versions are deleted).
    pub fn forget(&self, workspace: WorkspaceId) {
        self.cache
            .write()
            .expect("keyring cache lock")
            .retain(|(ws, _), _| *ws != workspace);
    }
}

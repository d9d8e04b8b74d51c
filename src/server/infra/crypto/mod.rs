//! Encryption at rest (SPEC §3): a master key wraps per-workspace data
//! keys; data keys seal secret values with AES-256-GCM. Nothing here is
//! `Serialize`, and every type holding key or plaintext bytes zeroizes on
//! drop and prints `[REDACTED]`.

pub mod aead;
pub mod keyring;
pub mod master;
pub mod secret;

use crate::model::{KeyVersion, WorkspaceId};
pub use keyring::Keyring;
pub use master::{MasterKey, MasterKeySource};
pub use secret::{DataKey, Key32, SecretValue};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Wrong key, altered bytes, or a ciphertext moved to another row.
    #[error("decryption failed: the data or its key does not match")]
    Open,
    #[error("malformed ciphertext: {0}")]
    Format(&'static str),
    #[error("the data key of workspace {workspace} version {version} is missing")]
    MissingKey {
        workspace: WorkspaceId,
        version: KeyVersion,
    },
    #[error(
        "the data key of workspace {workspace} has sealed {count} values; \
         rotate it (varvault rotate-workspace-key) before writing more"
    )]
    KeyWornOut { workspace: WorkspaceId, count: i64 },
    #[error(transparent)]
    Db(#[from] crate::server::infra::db::DbError),
}

impl From<sqlx::Error> for CryptoError {
    fn from(err: sqlx::Error) -> Self {
        CryptoError::Db(err.into())
    }
}

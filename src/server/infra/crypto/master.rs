//! The master key (key-encryption key): 32 random bytes, never stored in
//! the database. It only wraps data keys.

use super::Key32;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Where the master key comes from.
#[derive(Clone)]
pub enum MasterKeySource {
    /// `VARVAULT_MASTER_KEY`, already decoded.
    Env(Key32),
    /// `VARVAULT_MASTER_KEY_FILE`: must exist.
    File(PathBuf),
    /// The embedded default, `data/master.key`: generated when the database
    /// holds no wrapped keys yet.
    Default(PathBuf),
}

impl fmt::Debug for MasterKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MasterKeySource::Env(_) => f.write_str("Env([REDACTED])"),
            MasterKeySource::File(p) => write!(f, "File({})", p.display()),
            MasterKeySource::Default(p) => write!(f, "Default({})", p.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("{what} is not standard base64 of 32 bytes")]
    Malformed { what: String },
    #[error("the master key file {0} does not exist (it is never created when named)")]
    Missing(PathBuf),
    #[error(
        "the master key file {path} can be read by other users (mode {mode:o}); \
         run: chmod 600 {path}"
    )]
    LoosePermissions { path: PathBuf, mode: u32 },
    #[error("cannot read the master key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the master key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the database holds encrypted keys but no master key was given: set \
         VARVAULT_MASTER_KEY or VARVAULT_MASTER_KEY_FILE (varvault never generates a \
         second key for an encrypted database)"
    )]
    NotGiven,
    #[error(
        "the master key (id {given}) is not the one this database was encrypted with \
         (id {expected}); nothing was changed"
    )]
    WrongKey { given: String, expected: String },
}

/// The master key and its id (a short hash stored beside every key it
/// wraps, so a wrong key is caught before anything is written).
#[derive(Clone)]
pub struct MasterKey {
    key: Key32,
    id: String,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(id {}, [REDACTED])", self.id)
    }
}

impl MasterKey {
    pub fn new(key: Key32) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"varvault/master-key-id/v1");
        hasher.update(key.bytes());
        let digest = hasher.finalize();
        let id = hex::encode(&digest[..8]);
        MasterKey { key, id }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Only wraps data keys (see `aead::wrap`), never a value.
    pub(super) fn key(&self) -> &Key32 {
        &self.key
    }

    /// A key for another purpose, derived with HKDF-SHA256 under `label`
    /// (every instance derives the same; the master key itself is used
    /// only to wrap data keys).
    pub fn derive(&self, label: &str) -> Key32 {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"varvault/derive/v1"), self.key.bytes());
        let mut out = [0u8; 32];
        hk.expand(label.as_bytes(), &mut out)
            .expect("32 bytes is a valid HKDF length");
        Key32::from_bytes(out)
    }

    /// The base64 text an operator stores.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.key.bytes()))
    }
}

/// Decodes the base64 text of a key; surrounding whitespace is ignored.
pub fn parse_base64(text: &str, what: &str) -> Result<Key32, MasterKeyError> {
    let malformed = || MasterKeyError::Malformed {
        what: what.to_string(),
    };
    let bytes = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| malformed())?);
    let array: [u8; 32] = bytes.as_slice().try_into().map_err(|_| malformed())?;
    Ok(Key32::from_bytes(array))
}

/// Reads a key file: it must exist and be readable by its owner only.
pub fn read_file(path: &Path) -> Result<Key32, MasterKeyError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MasterKeyError::Missing(path.to_path_buf()))
        }
        Err(source) => {
            return Err(MasterKeyError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(MasterKeyError::LoosePermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| MasterKeyError::Read {
                path: path.to_path_buf(),
                source,
            })?,
        );
    parse_base64(&text, &format!("the master key file {}", path.display()))
}

/// Writes a new random key to `path` (mode 0600), refusing to overwrite.
pub fn generate_file(path: &Path) -> Result<Key32, MasterKeyError> {
    use std::io::Write;
    let write_err = |source| MasterKeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let key = Key32::random();
    let text = Zeroizing::new(format!("{}\n", STANDARD.encode(key.bytes())));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(write_err)?;
    file.write_all(text.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    Ok(key)
}

/// Reads the key a source names, generating nothing (for rotation, where
/// the database may already be under either the old or the new key).
pub fn load(source: &MasterKeySource) -> Result<MasterKey, MasterKeyError> {
    let key = match source {
        MasterKeySource::Env(key) => key.clone(),
        MasterKeySource::File(path) | MasterKeySource::Default(path) => read_file(path)?,
    };
    Ok(MasterKey::new(key))
}

/// Finds the master key for a database. `wrapped_by` lists the key ids of
/// the wrapped keys the database holds (empty for a new database).
/// Returns the key and whether it was generated just now.
pub fn resolve(
    source: &MasterKeySource,
    wrapped_by: &[String],
) -> Result<(MasterKey, bool), MasterKeyError> {
    let (key, generated) = match source {
        MasterKeySource::Env(key) => (key.clone(), false),
        MasterKeySource::File(path) => (read_file(path)?, false),
        MasterKeySource::Default(path) => {
            if path.exists() {
                (read_file(path)?, false)
            } else if wrapped_by.is_empty() {
                (generate_file(path)?, true)
            } else {
                return Err(MasterKeyError::NotGiven);
            }
        }
    };
    let master = MasterKey::new(key);
    if let Some(expected) = wrapped_by.iter().find(|id| *id != master.id()) {
        return Err(MasterKeyError::WrongKey {
            given: master.id().to_string(),
            expected: expected.clone(),
        });
    }
    Ok((master, generated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_base64_with_whitespace() {
        let key = Key32::random();
        let text = format!("  {}\n", STANDARD.encode(key.bytes()));
        assert_eq!(parse_base64(&text, "k").unwrap(), key);
        assert!(parse_base64(&STANDARD.encode([1u8; 31]), "k").is_err());
        assert!(parse_base64("not base64!", "k").is_err());
    }

    #[test]
    fn the_default_key_is_generated_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/master.key");
        let source = MasterKeySource::Default(path.clone());
        let (first, generated) = resolve(&source, &[]).unwrap();
        assert!(generated);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (again, generated) = resolve(&source, &[first.id().to_string()]).unwrap();
        assert!(!generated);
        assert_eq!(again.id(), first.id());
    }

    #[test]
    fn an_encrypted_database_without_a_key_never_gets_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let err = resolve(&MasterKeySource::Default(path.clone()), &["abcd".into()]).unwrap_err();
        assert!(matches!(err, MasterKeyError::NotGiven));
        assert!(!path.exists());
    }

    #[test]
    fn a_named_file_must_exist_and_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("given.key");
        let err = resolve(&MasterKeySource::File(path.clone()), &[]).unwrap_err();
        assert!(matches!(err, MasterKeyError::Missing(_)));
        assert!(!path.exists(), "a named file is never created");
        std::fs::write(&path, STANDARD.encode([5u8; 32])).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = resolve(&MasterKeySource::File(path.clone()), &[]).unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        resolve(&MasterKeySource::File(path), &[]).unwrap();
    }

    #[test]
    fn a_wrong_key_is_refused_by_id() {
        let right = MasterKey::new(Key32::random());
        let wrong = MasterKeySource::Env(Key32::random());
        let err = resolve(&wrong, &[right.id().to_string()]).unwrap_err();
        assert!(err.to_string().contains(right.id()), "{err}");
    }
}

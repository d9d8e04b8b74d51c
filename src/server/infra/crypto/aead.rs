//! AES-256-GCM with a versioned binary format and associated data that
//! names what a ciphertext belongs to.
//!
//! Format v1: `0x01 || nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! The associated data is not stored: each caller rebuilds it from the
//! row (namespace, workspace, record, version), so a ciphertext copied onto
//! another row, version or workspace fails to open instead of leaking.

use super::{CryptoError, DataKey, Key32, MasterKey};
use crate::model::{KeyVersion, ValueVersion, VariableId, WorkspaceId};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

pub const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The parts of a sealed value, borrowed from its bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Sealed<'a> {
    pub nonce: &'a [u8; NONCE_LEN],
    /// Ciphertext followed by the tag.
    pub body: &'a [u8],
}

/// Splits a stored blob into its parts; any input gives an error or the
/// parts, never a panic.
pub fn parse(blob: &[u8]) -> Result<Sealed<'_>, CryptoError> {
    let (&version, rest) = blob.split_first().ok_or(CryptoError::Format("empty"))?;
    if version != FORMAT_V1 {
        return Err(CryptoError::Format("unknown format version"));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Format("too short"));
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let nonce = nonce
        .try_into()
        .map_err(|_| CryptoError::Format("bad nonce"))?;
    Ok(Sealed { nonce, body })
}

/// Seals `plaintext` under `key` with a fresh random nonce. Callers use
/// the typed functions below: a value under a data key, a data key under
/// the master key.
fn seal(key: &Key32, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    use rand::RngCore;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let cipher = Aes256Gcm::new(key.bytes().into());
    let body = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + body.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&body);
    out
}

/// Opens a blob made by [`seal`] with the same key and associated data.
fn open(key: &Key32, blob: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let sealed = parse(blob)?;
    let cipher = Aes256Gcm::new(key.bytes().into());
    cipher
        .decrypt(
            Nonce::from_slice(sealed.nonce),
            Payload {
                msg: sealed.body,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Open)
}

/// Associated data of a secret value: its workspace, its row and the
/// version of the value.
pub fn secret_aad(
    workspace_id: WorkspaceId,
    secret_id: VariableId,
    value_version: ValueVersion,
) -> Vec<u8> {
    let mut aad = b"varvault/secret-value/v1".to_vec();
    for n in [workspace_id.get(), secret_id.get(), value_version.get()] {
        aad.extend_from_slice(&n.to_be_bytes());
    }
    aad
}

/// Associated data of a workspace's notification webhook URL.
pub fn webhook_aad(workspace_id: WorkspaceId) -> Vec<u8> {
    let mut aad = b"varvault/webhook-url/v1".to_vec();
    aad.extend_from_slice(&workspace_id.get().to_be_bytes());
    aad
}

/// Associated data of a wrapped data key: its workspace, its version and
/// the master key that wraps it.
pub fn data_key_aad(
    workspace_id: WorkspaceId,
    key_version: KeyVersion,
    master_key_id: &str,
) -> Vec<u8> {
    let mut aad = b"varvault/data-key/v1".to_vec();
    aad.extend_from_slice(&workspace_id.get().to_be_bytes());
    aad.extend_from_slice(&key_version.get().to_be_bytes());
    aad.extend_from_slice(master_key_id.as_bytes());
    aad
}

/// Seals a secret value under a data key.
pub fn seal_value(key: &DataKey, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    seal(key.key(), plaintext, aad)
}

/// Opens a secret value sealed by [`seal_value`].
pub fn open_value(
    key: &DataKey,
    blob: &[u8],
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    open(key.key(), blob, aad)
}

/// Wraps a data key under the master key.
pub fn wrap(master: &MasterKey, key: &DataKey, aad: &[u8]) -> Vec<u8> {
    seal(master.key(), key.key().bytes(), aad)
}

/// Unwraps a data key wrapped by [`wrap`].
pub fn unwrap(master: &MasterKey, blob: &[u8], aad: &[u8]) -> Result<DataKey, CryptoError> {
    let bytes = open(master.key(), blob, aad)?;
    let array: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::Format("a data key is not 32 bytes"))?;
    Ok(DataKey::from_bytes(array))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn aad(ws: i64, id: i64, version: i64) -> Vec<u8> {
        secret_aad(WorkspaceId(ws), VariableId(id), ValueVersion(version))
    }

    #[test]
    fn values_seal_under_data_keys_and_data_keys_under_the_master_key() {
        let data_key = DataKey::random();
        let blob = seal_value(&data_key, b"v", &aad(1, 2, 3));
        assert_eq!(
            open_value(&data_key, &blob, &aad(1, 2, 3))
                .unwrap()
                .as_slice(),
            b"v"
        );
        let master = MasterKey::new(Key32::random());
        let ctx = data_key_aad(WorkspaceId(1), KeyVersion(1), master.id());
        let wrapped = wrap(&master, &data_key, &ctx);
        assert_eq!(unwrap(&master, &wrapped, &ctx).unwrap(), data_key);
        assert!(unwrap(&MasterKey::new(Key32::random()), &wrapped, &ctx).is_err());
    }

    #[test]
    fn a_sealed_value_opens_with_the_same_key_and_context() {
        let key = Key32::random();
        let aad = aad(1, 2, 3);
        let blob = seal(&key, b"hello", &aad);
        assert_eq!(open(&key, &blob, &aad).unwrap().as_slice(), b"hello");
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let key = Key32::random();
        let aad = aad(1, 2, 3);
        assert_ne!(seal(&key, b"same", &aad), seal(&key, b"same", &aad));
    }

    #[test]
    fn flipping_any_byte_makes_open_fail() {
        let key = Key32::random();
        let aad = aad(1, 2, 3);
        let blob = seal(&key, b"a secret worth keeping", &aad);
        for i in 0..blob.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = blob.clone();
                bad[i] ^= bit;
                assert!(open(&key, &bad, &aad).is_err(), "byte {i} bit {bit:#x}");
            }
        }
    }

    #[test]
    fn a_ciphertext_moved_to_another_record_fails() {
        let key = Key32::random();
        let blob = seal(&key, b"value", &aad(1, 2, 3));
        for other in [aad(1, 9, 3), aad(1, 2, 4), aad(7, 2, 3)] {
            assert!(matches!(open(&key, &blob, &other), Err(CryptoError::Open)));
        }
        assert!(open(&Key32::random(), &blob, &aad(1, 2, 3)).is_err());
        let wrapped = seal(
            &key,
            b"k",
            &data_key_aad(WorkspaceId(1), KeyVersion(1), "aaaa"),
        );
        assert!(open(
            &key,
            &wrapped,
            &data_key_aad(WorkspaceId(1), KeyVersion(1), "bbbb")
        )
        .is_err());
    }

    #[test]
    fn the_format_is_versioned() {
        let key = Key32::random();
        let blob = seal(&key, b"x", b"");
        assert_eq!(blob[0], FORMAT_V1);
        assert_eq!(blob.len(), 1 + 12 + 1 + 16);
        let mut v2 = blob.clone();
        v2[0] = 2;
        assert!(matches!(parse(&v2), Err(CryptoError::Format(_))));
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn open_of_arbitrary_bytes_is_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let key = Key32::from_bytes([7; 32]);
            prop_assert!(open(&key, &bytes, b"ctx").is_err());
        }

        #[test]
        fn seal_then_open_round_trips(plain in proptest::collection::vec(any::<u8>(), 0..2048),
                                       ws in any::<i64>(), id in any::<i64>(), ver in any::<i64>()) {
            let key = Key32::from_bytes([3; 32]);
            let aad = aad(ws, id, ver);
            let blob = seal(&key, &plain, &aad);
            let opened = open(&key, &blob, &aad).unwrap();
            prop_assert_eq!(opened.as_slice(), plain.as_slice());
        }
    }
}

//! Types that hold plaintext: zeroized on drop, `[REDACTED]` when printed,
//! never serializable.

use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// A secret's plaintext value, alive only as long as needed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    pub fn new(value: String) -> Self {
        SecretValue(Zeroizing::new(value))
    }

    /// The plaintext. Every call site is a place a secret leaves this type:
    /// keep them few (sealing, the audited reveal, the API block).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes decrypted bytes; invalid UTF-8 is an error (and the bytes are
    /// zeroized either way).
    pub fn from_utf8(bytes: Zeroizing<Vec<u8>>) -> Option<Self> {
        let text = std::str::from_utf8(&bytes).ok()?.to_string();
        Some(SecretValue::new(text))
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// A workspace's data key (content-encryption key): it seals secret
/// values and nothing else. A distinct type from the master key, so one
/// cannot be passed where the other belongs.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey(Key32);

impl DataKey {
    pub fn random() -> Self {
        DataKey(Key32::random())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DataKey(Key32::from_bytes(bytes))
    }

    pub(super) fn key(&self) -> &Key32 {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

/// 32 bytes of key material (inside a master key or a data key).
#[derive(Clone, PartialEq, Eq)]
pub struct Key32(Zeroizing<[u8; 32]>);

impl Key32 {
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let key = Key32(Zeroizing::new(bytes));
        bytes.zeroize();
        key
    }

    pub fn random() -> Self {
        use rand::RngCore;
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        Key32(bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_never_shows_the_value() {
        let s = SecretValue::new("canary-123".into());
        assert_eq!(format!("{s}"), "[REDACTED]");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([REDACTED])");
        let k = Key32::random();
        assert_eq!(format!("{k:?}"), "[REDACTED]");
    }
}

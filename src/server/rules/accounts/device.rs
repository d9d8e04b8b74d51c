//! Device cookies (OWASP's remedy for account lockout): after a successful
//! sign-in the browser gets a cookie that says "this account signed in
//! from here before". An attempt that brings one for the account it signs
//! into takes its turn on the device's own counter, not the account's or
//! the address's, and hashes in a slot of its own: guesses from elsewhere
//! can slow everyone else down, never the owner's browser.
//!
//! The cookie is `v1.USER.ISSUED_MS.NONCE.MAC`: an HMAC-SHA256, under a key
//! derived from the master key (HKDF, so every instance checks it), of the
//! account, the time, a random nonce and a hash of the account's password
//! hash, so a password change or reset revokes every device at once. It
//! lasts 90 days; its failures count in the database (`login_throttle`,
//! by the nonce) and after [`FAILURES_ALLOWED`] it is no longer trusted.

use crate::model::UserId;
use crate::server::infra::crypto::MasterKey;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub const COOKIE: &str = "varvault_device";
/// How long a device is trusted after its last sign-in.
pub const LIFETIME_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// Wrong passwords from a trusted device before it is trusted no more.
pub const FAILURES_ALLOWED: i64 = 5;

/// The key device cookies are signed with.
pub struct DeviceKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey([REDACTED])")
    }
}

/// A device a cookie names: its nonce, which keys its counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device(pub String);

impl DeviceKey {
    pub fn from_master(master: &MasterKey) -> DeviceKey {
        DeviceKey(Zeroizing::new(*master.derive("device cookie v1").bytes()))
    }

    fn mac(&self, user: UserId, issued: i64, nonce: &str, password_hash: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&*self.0).expect("any key length");
        let bound = Sha256::digest(password_hash.as_bytes());
        mac.update(format!("v1|{user}|{issued}|{nonce}|").as_bytes());
        mac.update(&bound);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A new cookie value for `user`, whose password hash is `password_hash`.
    pub fn issue(&self, user: UserId, password_hash: &str, now_ms: i64) -> String {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let mac = self.mac(user, now_ms, &nonce, password_hash);
        format!("v1.{user}.{now_ms}.{nonce}.{mac}")
    }

    /// The device of a cookie that is this key's, for `user` with its
    /// current password, and not older than [`LIFETIME_MS`].
    pub fn verify(
        &self,
        cookie: &str,
        user: UserId,
        password_hash: &str,
        now_ms: i64,
    ) -> Option<Device> {
        let mut parts = cookie.split('.');
        let (Some("v1"), Some(u), Some(issued), Some(nonce), Some(mac), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let issued: i64 = issued.parse().ok()?;
        if u != user.to_string() || !(0..=LIFETIME_MS).contains(&(now_ms - issued)) {
            return None;
        }
        let want = self.mac(user, issued, nonce, password_hash);
        let same: bool = subtle::ConstantTimeEq::ct_eq(want.as_bytes(), mac.as_bytes()).into();
        same.then(|| Device(nonce.to_string()))
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value that stores `value` for 90 days (or, empty,
/// clears the cookie). Only sign-in and "change password" read it.
pub fn set_cookie(value: &str, secure: bool) -> String {
    let max_age = if value.is_empty() {
        0
    } else {
        LIFETIME_MS / 1000
    };
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Path=/api/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::infra::crypto::Key32;

    fn key() -> DeviceKey {
        DeviceKey::from_master(&MasterKey::new(Key32::from_bytes([7; 32])))
    }

    #[test]
    fn a_cookie_is_bound_to_its_account_password_and_age() {
        let k = key();
        let now = 1_800_000_000_000;
        let c = k.issue(UserId(3), "$argon2id$hash-a", now);
        let device = k
            .verify(&c, UserId(3), "$argon2id$hash-a", now + 1000)
            .unwrap();
        assert_eq!(device.0.len(), 22);
        assert!(
            k.verify(&c, UserId(4), "$argon2id$hash-a", now).is_none(),
            "another account"
        );
        assert!(
            k.verify(&c, UserId(3), "$argon2id$hash-b", now).is_none(),
            "a new password"
        );
        assert!(k
            .verify(&c, UserId(3), "$argon2id$hash-a", now + LIFETIME_MS + 1)
            .is_none());
        let other = DeviceKey::from_master(&MasterKey::new(Key32::from_bytes([8; 32])));
        assert!(
            other
                .verify(&c, UserId(3), "$argon2id$hash-a", now)
                .is_none(),
            "another key"
        );
        let forged = c
            .replace(".v1", "")
            .replacen(&now.to_string(), &(now + 1).to_string(), 1);
        assert!(k
            .verify(&forged, UserId(3), "$argon2id$hash-a", now)
            .is_none());
        assert!(!format!("{k:?}").contains('7'));
    }

    #[test]
    fn the_cookie_header_is_read_and_written() {
        assert_eq!(
            cookie_value("a=1; varvault_device=v1.x; b=2", COOKIE),
            Some("v1.x")
        );
        assert_eq!(cookie_value("varvault_devices=1", COOKIE), None);
        let set = set_cookie("v1.x", true);
        assert!(set.contains("HttpOnly") && set.contains("Secure") && set.contains("Path=/api/"));
        assert!(set_cookie("", false).contains("Max-Age=0"));
    }
}

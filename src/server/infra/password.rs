//! Password hashing: argon2id at OWASP's minimum (m = 19 MiB, t = 2,
//! p = 1), off the async threads, with a bound on concurrent hashes so a
//! burst of sign-ins cannot exhaust memory.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use password_hash::rand_core::OsRng;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

/// Hashes at once at most this many: 2 × 19 MiB at the peak; one more for
/// browsers a user signed in with before (a device cookie), so a burst of
/// guesses from elsewhere never holds their owner's sign-in in a queue.
const MAX_CONCURRENT_HASHES: usize = 2;
const TRUSTED_HASHES: usize = 1;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Too many checks are already waiting for a hashing slot.
    #[error("too many password checks are waiting")]
    Busy,
}

/// Checks that may wait for a slot at once; past it, one is turned away
/// at once (a bounded queue: a burst cannot pile up tasks and memory).
const MAX_WAITING: usize = 64;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Which hashing slots a check takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slots {
    Shared,
    /// A browser with a valid device cookie for the account.
    Trusted,
}

fn permits(slots: Slots) -> &'static Arc<Semaphore> {
    static SHARED: OnceLock<Arc<Semaphore>> = OnceLock::new();
    static TRUSTED: OnceLock<Arc<Semaphore>> = OnceLock::new();
    match slots {
        Slots::Shared => SHARED.get_or_init(|| Arc::new(Semaphore::new(MAX_CONCURRENT_HASHES))),
        Slots::Trusted => TRUSTED.get_or_init(|| Arc::new(Semaphore::new(TRUSTED_HASHES))),
    }
}

/// Runs `f` on the blocking pool once a hashing permit is free.
async fn bounded<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    bounded_in(Slots::Shared, f).await
}

async fn bounded_in<T: Send + 'static>(
    slots: Slots,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static WAITING: AtomicUsize = AtomicUsize::new(0);
    struct Waiting;
    impl Drop for Waiting {
        fn drop(&mut self) {
            WAITING.fetch_sub(1, Ordering::SeqCst);
        }
    }
    if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Err(PasswordError::Busy);
    }
    let waiting = Waiting;
    let _permit = permits(slots)
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    drop(waiting);
    Ok(tokio::task::spawn_blocking(f).await?)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) for `password`.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    bounded(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await?
}

/// Whether `password` matches `phc`. Unknown users are checked against a
/// dummy hash (see [`verify_or_dummy`]) so both cost the same time.
pub async fn verify(password: String, phc: String) -> Result<bool, PasswordError> {
    verify_in(Slots::Shared, password, phc).await
}

/// [`verify`] in the given hashing slots.
pub async fn verify_in(slots: Slots, password: String, phc: String) -> Result<bool, PasswordError> {
    bounded_in(slots, move || {
        let parsed = PasswordHash::new(&phc).map_err(|e| PasswordError::Hash(e.to_string()))?;
        Ok(argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// Verifies against `phc`, or against a fixed dummy hash when the account
/// does not exist, and then answers false: the same work either way.
pub async fn verify_or_dummy(password: String, phc: Option<String>) -> Result<bool, PasswordError> {
    match phc {
        Some(phc) => verify(password, phc).await,
        None => {
            verify(password, dummy_hash().await?).await?;
            Ok(false)
        }
    }
}

async fn dummy_hash() -> Result<String, PasswordError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hash("varvault-dummy-password-for-timing".to_string()))
        .await
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let phc = hash("correct horse battery".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery".into(), phc.clone())
            .await
            .unwrap());
        assert!(!verify("wrong horse battery".into(), phc.clone())
            .await
            .unwrap());
        let again = hash("correct horse battery".into()).await.unwrap();
        assert_ne!(phc, again, "salts differ");
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(!verify_or_dummy("anything at all".into(), None)
            .await
            .unwrap());
    }
}

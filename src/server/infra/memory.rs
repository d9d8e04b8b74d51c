//! Giving freed memory back to the system. glibc's malloc keeps what its
//! per-thread arenas grew to: after a burst of large answers (20 editors
//! running 1 MiB blocks, `bench/abuse.py`) the idle process stayed at
//! 440 MiB. `malloc_trim` returns the free pages of every arena; a task
//! calls it every few seconds, off the async workers. (mimalloc, tried
//! instead, held 176 MiB after the 10,000-secret list load, where this
//! holds 54–56 MiB: BENCHMARKS.md.)

use std::time::Duration;

/// How often free memory is returned.
const EVERY: Duration = Duration::from_secs(10);

/// Returns free memory to the system every [`EVERY`], for good.
pub async fn trim_periodically() {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        let _ = tokio::task::spawn_blocking(trim).await;
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks the allocator's own free lists; it
    // is thread-safe in glibc and takes no pointer from us.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

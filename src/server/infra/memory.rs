//! Giving freed memory back to the system. glibc's malloc keeps what its
//! per-thread arenas grew to: after a burst of large answers (20 editors
//! running 1 MiB blocks, `bench/abuse.py`) the idle process stayed at
//! 440 MiB. Two things bring it back to 35 MiB: at most one arena per
//! core, four at most ([`limit_arenas`], before any thread starts; glibc
//! makes up to eight per core, each keeping its own free pages), and
//! `malloc_trim` every few seconds, off the async workers, which returns
//! the free pages of every arena. (mimalloc, tried instead, held 176 MiB
//! after the 10,000-secret list load: BENCHMARKS.md.)

use std::time::Duration;

/// How often free memory is returned.
const EVERY: Duration = Duration::from_secs(10);

/// Caps glibc's malloc arenas at one per core, four at most, unless the
/// operator set `MALLOC_ARENA_MAX`. Call before any thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = cores.clamp(1, 4) as libc::c_int;
        // SAFETY: mallopt only sets an allocator parameter; called before
        // the runtime's threads exist.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

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

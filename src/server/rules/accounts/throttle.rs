//! The slow-down of password checks (sign-in, and the current password of
//! "change password"), shared by every instance through the database.
//!
//! Each attempt first takes its turn per key in one statement (see
//! `db::throttle::reserve`), then waits for it: parallel guesses queue one
//! after another. A turn is never more than [`MAX_DELAY`] ahead; an attempt
//! that would need a later one is refused at once, without hashing.

use super::*;
use crate::server::infra::db::throttle as table;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Attempts older than this no longer slow new ones down.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Free attempts before the slow-down starts.
const FREE_FAILURES: i64 = 3;
/// The furthest ahead a turn may be (SPEC §7: "by seconds at most").
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// How long an attempt waits after `failures` recent failures.
pub fn delay(failures: i64) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let steps = (failures - FREE_FAILURES).min(10) as u32;
    Duration::from_millis(250 * 2u64.pow(steps)).min(MAX_DELAY)
}

/// [`delay`] as a table by failure count, in ms, up to the ceiling.
fn delay_table() -> Vec<i64> {
    let mut table = Vec::new();
    for failures in 0.. {
        let ms = delay(failures).as_millis() as i64;
        table.push(ms);
        if ms >= MAX_DELAY.as_millis() as i64 {
            break;
        }
    }
    table
}

/// A throttle key: what is counted (`kind`) and for whom. Stored as a
/// hash, so the table holds neither emails nor addresses, and its keys are
/// short whatever was typed.
pub fn key(kind: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"varvault/throttle/v1\0");
    hasher.update(kind.as_bytes());
    hasher.update(b"\0");
    hasher.update(value.as_bytes());
    hex::encode(hasher.finalize())
}

/// The network a client address counts for: IPv6 clients by their /64
/// (one host usually holds the whole prefix), others as they are.
pub fn client_network(client_addr: &str) -> String {
    match client_addr.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        _ => client_addr.to_string(),
    }
}

pub use table::Count;

/// Takes a turn for each key and waits for the latest. False when any key
/// has no turn within [`MAX_DELAY`]: refuse the attempt without checking.
pub async fn wait_turn(db: &Db, keys: &[(String, Count)]) -> Result<bool, AppError> {
    let table = delay_table();
    // The clock is read once the transaction holds the database: waiting
    // for it is no part of anyone's turn.
    let mut tx = db.begin_write().await?;
    let mut latest = now_ms();
    for (key, count) in keys {
        let now = now_ms();
        let turn = table::reserve_as(
            &mut *tx,
            *count,
            key,
            now,
            now - WINDOW_MS,
            &table,
            MAX_DELAY.as_millis() as i64,
        )
        .await?;
        match turn {
            Some(turn) => latest = latest.max(turn),
            None => {
                // Keep the turns already taken: they cost the caller.
                tx.commit().await?;
                return Ok(false);
            }
        }
    }
    tx.commit().await?;
    let wait = (latest - now_ms()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    Ok(true)
}

/// After a check: a success gives back what its attempt counted; a
/// failure counts against the keys that count failures.
pub async fn settle(
    conn: &mut AnyConnection,
    keys: &[(String, Count)],
    ok: bool,
) -> Result<(), DbError> {
    let now = now_ms();
    for (key, count) in keys {
        match (count, ok) {
            (Count::Attempts, true) => table::clear(&mut *conn, key).await?,
            (Count::Failures, false) => {
                table::record_failure(&mut *conn, key, now, now - WINDOW_MS).await?
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_down_grows_and_stops_at_seconds() {
        assert_eq!(delay(0), Duration::ZERO);
        assert_eq!(delay(2), Duration::ZERO);
        assert_eq!(delay(3), Duration::from_millis(250));
        assert_eq!(delay(5), Duration::from_millis(1000));
        assert_eq!(delay(100), MAX_DELAY);
        assert_eq!(
            delay_table(),
            vec![0, 0, 0, 250, 500, 1000, 2000, 4000, 5000]
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(
            client_network("2001:db8:1:2:aaaa::1"),
            client_network("2001:db8:1:2:ffff:1:2:3")
        );
        assert_ne!(
            client_network("2001:db8:1:2::1"),
            client_network("2001:db8:1:3::1")
        );
        assert_eq!(client_network("192.0.2.7"), "192.0.2.7");
        assert_eq!(client_network("::ffff:192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn keys_are_hashes_of_fixed_length() {
        let long = "x".repeat(100_000);
        assert_eq!(key("acct", &long).len(), 64);
        assert_ne!(key("acct", "a"), key("addr", "a"));
    }
}

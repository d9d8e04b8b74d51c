//! The fingerprints of every window of every secret of a workspace, and
//! the scan that looks for them in an answer. The set holds keyed hashes
//! and the secrets' names, never plaintext. A bitmap in front of the
//! sorted entries turns most lookups away in one memory read.

use super::roller::{HashKey, Roller};
use super::views::{self, Sink, Units};
use super::windows::windows;
use crate::model::VariableId;
use crate::server::crypto::SecretValue;

/// Bits of the prefilter: 2^23 (1 MiB).
const FILTER_BITS: u32 = 23;

/// What a set is built from: a secret's id, name and value.
pub struct Source<'a> {
    pub id: VariableId,
    pub name: &'a str,
    pub value: &'a SecretValue,
}

/// A secret something of which was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seen {
    pub name: String,
    pub id: VariableId,
}

/// Window fingerprints of a workspace's secrets.
pub struct Fingerprints {
    key: HashKey,
    lengths: Vec<usize>,
    filter: Vec<u64>,
    /// (fingerprint, index into `secrets`), sorted.
    entries: Vec<(u64, u32)>,
    secrets: Vec<Seen>,
    /// The workspace's secret generation the set was built at.
    pub generation: i64,
}

impl std::fmt::Debug for Fingerprints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Fingerprints({} windows of {} secrets)",
            self.entries.len(),
            self.secrets.len()
        )
    }
}

fn filter_slot(fp: u64) -> (usize, u64) {
    let bit = fp >> (64 - FILTER_BITS);
    ((bit / 64) as usize, 1 << (bit % 64))
}

impl Fingerprints {
    /// The set of `sources`' windows under `key`. CPU-bound: call it off
    /// the async workers when there are many.
    pub fn build<'a>(
        key: HashKey,
        generation: i64,
        sources: impl IntoIterator<Item = Source<'a>>,
    ) -> Fingerprints {
        let mut entries = Vec::new();
        let mut secrets = Vec::new();
        let mut lengths = Vec::new();
        for source in sources {
            let index = secrets.len() as u32;
            secrets.push(Seen {
                name: source.name.to_string(),
                id: source.id,
            });
            for w in windows(source.value.expose()).windows {
                lengths.push(w.len());
                entries.push((key.of(&w), index));
            }
        }
        entries.sort_unstable();
        entries.dedup();
        lengths.sort_unstable();
        lengths.dedup();
        let mut filter = if entries.is_empty() {
            Vec::new()
        } else {
            vec![0u64; 1 << (FILTER_BITS - 6)]
        };
        for &(fp, _) in &entries {
            let (word, bit) = filter_slot(fp);
            filter[word] |= bit;
        }
        Fingerprints {
            key,
            lengths,
            filter,
            entries,
            secrets,
            generation,
        }
    }

    pub fn key(&self) -> HashKey {
        self.key
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The secret a fingerprint belongs to (the first, if several share it).
    fn lookup(&self, fp: u64) -> Option<u32> {
        if self.filter.is_empty() {
            return None;
        }
        let (word, bit) = filter_slot(fp);
        if self.filter[word] & bit == 0 {
            return None;
        }
        let at = self.entries.partition_point(|&(f, _)| f < fp);
        self.entries
            .get(at)
            .filter(|&&(f, _)| f == fp)
            .map(|&(_, i)| i)
    }

    /// Bytes the set holds.
    pub fn memory_bytes(&self) -> usize {
        self.filter.len() * 8
            + self.entries.len() * std::mem::size_of::<(u64, u32)>()
            + self
                .secrets
                .iter()
                .map(|s| s.name.len() + std::mem::size_of::<Seen>())
                .sum::<usize>()
    }
}

/// Looks for the windows of several sets (built under one key) in views.
pub struct Scanner<'a> {
    sets: Vec<&'a Fingerprints>,
    roller: Roller,
    /// Per set, which of its secrets were seen.
    seen: Vec<Vec<bool>>,
}

impl<'a> Scanner<'a> {
    pub fn new(sets: Vec<&'a Fingerprints>) -> Scanner<'a> {
        let key = sets.first().map(|s| s.key).unwrap_or_else(HashKey::random);
        debug_assert!(sets.iter().all(|s| s.key == key), "one key");
        let mut lengths: Vec<usize> = sets.iter().flat_map(|s| s.lengths.clone()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        let seen = sets.iter().map(|s| vec![false; s.secrets.len()]).collect();
        Scanner {
            roller: Roller::new(key, &lengths),
            sets,
            seen,
        }
    }

    pub fn scan(&mut self, text: &str) {
        views::scan(text, self);
    }

    /// The secrets seen, by name.
    pub fn seen(&self) -> Vec<Seen> {
        let mut all: Vec<Seen> = self
            .sets
            .iter()
            .zip(&self.seen)
            .flat_map(|(set, seen)| {
                seen.iter()
                    .enumerate()
                    .filter(|(_, s)| **s)
                    .map(|(i, _)| set.secrets[i].clone())
            })
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

impl Sink for Scanner<'_> {
    fn begin(&mut self, _units: Units) {
        self.roller.reset();
    }

    fn push(&mut self, c: char, start: u32, _end: u32) {
        self.roller.push(c, start);
        let (sets, seen) = (&self.sets, &mut self.seen);
        // Every length and every set, hit or not: the time a scan takes
        // does not depend on what it finds.
        self.roller.each(|len, fp| {
            for (set, seen) in sets.iter().zip(seen.iter_mut()) {
                if set.lengths.binary_search(&len).is_ok() {
                    if let Some(i) = set.lookup(fp) {
                        seen[i as usize] = true;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(key: HashKey, secrets: &[(&str, &str)]) -> Fingerprints {
        let values: Vec<(String, SecretValue)> = secrets
            .iter()
            .map(|(n, v)| (n.to_string(), SecretValue::new(v.to_string())))
            .collect();
        Fingerprints::build(
            key,
            1,
            values.iter().enumerate().map(|(i, (name, value))| Source {
                id: VariableId(i as i64 + 1),
                name,
                value,
            }),
        )
    }

    fn seen(set: &Fingerprints, text: &str) -> Vec<String> {
        let mut s = Scanner::new(vec![set]);
        s.scan(text);
        s.seen().into_iter().map(|s| s.name).collect()
    }

    #[test]
    fn a_window_in_any_spelling_is_seen_and_named() {
        let key = HashKey::random();
        let fp = set(key, &[("A", "tok-9f8e7d6c5b4a3921"), ("B", "Zq!8#Lm2^Xp0")]);
        assert!(!format!("{fp:?}").contains("9f8e"));
        assert_eq!(seen(&fp, "nothing here"), Vec::<String>::new());
        for text in [
            "id=9F8E7D6C5B4A end",
            "x%39f8e7d6c5b4a3 y",
            "OWY4ZTdkNmM1YjRhMzkyMQ==",
            "3966386537643663356234613339",
        ] {
            assert_eq!(seen(&fp, text), ["A"], "{text}");
        }
        assert_eq!(
            seen(&fp, "lm2^xp0 and Zq!8#lM2 and tok-9f8e7d6c5b4a"),
            ["A", "B"]
        );
    }
}

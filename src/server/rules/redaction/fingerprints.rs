//! The fingerprints of every window of every secret of a workspace, and
//! the scan that looks for them in an answer. The set holds keyed hashes
//! and the secrets' names, never plaintext. A bitmap in front of the
//! sorted entries turns most lookups away in one memory read.

use super::roller::HashKey;
use super::windows::windows;
use crate::model::VariableId;
use crate::server::infra::crypto::SecretValue;

/// Bits of the prefilter: about 16 per entry, a power of two between
/// 2^12 (512 bytes) and 2^23 (1 MiB). Small enough to stay in a cache for
/// the usual workspace: the scan looks it up several times a character.
fn filter_bits(entries: usize) -> u32 {
    (entries * 16)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(12, 23)
}

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
    filter_bits: u32,
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

fn filter_slot(fp: u64, bits: u32) -> (usize, u64) {
    let bit = fp >> (64 - bits);
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
        let filter_bits = filter_bits(entries.len());
        let mut filter = if entries.is_empty() {
            Vec::new()
        } else {
            vec![0u64; 1 << (filter_bits - 6)]
        };
        for &(fp, _) in &entries {
            let (word, bit) = filter_slot(fp, filter_bits);
            filter[word] |= bit;
        }
        Fingerprints {
            key,
            lengths,
            filter,
            filter_bits,
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

    pub(super) fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    pub(super) fn seen(&self, i: u32) -> &Seen {
        &self.secrets[i as usize]
    }

    /// The secret whose window of `len` characters has fingerprint `fp`.
    #[inline]
    pub(super) fn find(&self, len: usize, fp: u64) -> Option<u32> {
        if self.lengths.binary_search(&len).is_err() {
            return None;
        }
        self.lookup(fp)
    }

    /// The secret a fingerprint belongs to (the first, if several share it).
    fn lookup(&self, fp: u64) -> Option<u32> {
        if self.filter.is_empty() {
            return None;
        }
        let (word, bit) = filter_slot(fp, self.filter_bits);
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

    /// Every secret something of which is in `text`.
    fn seen(set: &Fingerprints, text: &str) -> Vec<String> {
        let empty = Fingerprints::build(set.key(), 1, []);
        let sets = [set, &empty];
        let scan = super::super::pass::scan(set.key(), &[], sets, text);
        scan.all_leaked(sets, text.len())
            .into_iter()
            .map(|s| s.name.clone())
            .collect()
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

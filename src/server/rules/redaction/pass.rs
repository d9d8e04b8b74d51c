//! One pass over an answer's views that finds, at once, the whole values
//! of the secrets a run sent (to replace) and the windows of every secret
//! (to withhold the answer). A window found inside a replaced value is
//! not a leak; anything else is. One pass, whatever the text holds: the
//! same work for a body of right guesses as for a random one.

use super::fingerprints::{Fingerprints, Seen};
use super::roller::{HashKey, Roller};
use super::views::{self, Sink, Units};
use zeroize::Zeroizing;

/// A canonical spelling of a sent secret's whole value.
pub struct Candidate {
    pub chars: Zeroizing<Vec<char>>,
    pub fp: u64,
    pub label: usize,
}

/// What one pass found, in byte offsets of the text.
#[derive(Debug, Default)]
pub struct Scan {
    /// Whole values to replace: start, end, label index.
    spans: Vec<(usize, usize, usize)>,
    /// Windows seen: start, end, which set and which of its secrets.
    /// Overlapping windows of one secret are kept as one.
    hits: Vec<(usize, usize, u8, u32)>,
}

struct Pass<'a> {
    candidates: &'a [Candidate],
    sets: [&'a Fingerprints; 2],
    roller: Roller,
    units: Units,
    scan: Scan,
}

/// Scans `text` for `candidates` and the windows of `sets` (all made
/// under `key`).
pub fn scan(key: HashKey, candidates: &[Candidate], sets: [&Fingerprints; 2], text: &str) -> Scan {
    let mut lengths: Vec<usize> = candidates.iter().map(|c| c.chars.len()).collect();
    lengths.extend(sets.iter().flat_map(|s| s.lengths().iter().copied()));
    lengths.sort_unstable();
    lengths.dedup();
    let mut pass = Pass {
        candidates,
        sets,
        roller: Roller::new(key, &lengths),
        units: Units::Bytes,
        scan: Scan::default(),
    };
    views::scan(text, &mut pass);
    let mut scan = pass.scan;
    scan.spans.sort_unstable();
    scan
}

impl Sink for Pass<'_> {
    fn begin(&mut self, units: Units) {
        self.units = units;
        self.roller.reset();
    }

    fn push(&mut self, c: char, start: u32, end: u32) {
        self.roller.push(c, start);
        let (roller, units, candidates, sets, scan) = (
            &self.roller,
            self.units,
            self.candidates,
            self.sets,
            &mut self.scan,
        );
        // Every length and every set, hit or not.
        roller.each(|len, fp| {
            let span = || units.bytes(roller.start_of(len), end);
            for cand in candidates
                .iter()
                .filter(|c| c.fp == fp && c.chars.len() == len)
            {
                if roller.ends_with(&cand.chars) {
                    if let Some((s, e)) = span() {
                        scan.spans.push((s, e, cand.label));
                    }
                }
            }
            for (n, set) in sets.iter().enumerate() {
                if let Some(i) = set.find(len, fp) {
                    if let Some((s, e)) = span() {
                        scan.hit(s, e, n as u8, i);
                    }
                }
            }
        });
    }
}

impl Scan {
    fn hit(&mut self, s: usize, e: usize, set: u8, i: u32) {
        if let Some(last) = self.hits.last_mut() {
            if last.2 == set && last.3 == i && s <= last.1 && last.0 <= s {
                last.1 = last.1.max(e);
                return;
            }
        }
        self.hits.push((s, e, set, i));
    }

    /// The replaced spans, merged, that end within `limit`.
    fn merged(&self, limit: usize) -> Vec<(usize, usize, usize)> {
        let mut out: Vec<(usize, usize, usize)> = Vec::new();
        for &(s, e, label) in &self.spans {
            match out.last_mut() {
                Some(last) if s < last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e, label)),
            }
        }
        out.retain(|&(_, e, _)| e <= limit);
        out
    }

    /// `text[..limit]` with each whole value replaced by its label; a
    /// value that runs past `limit` is cut before it starts.
    pub fn redacted(&self, text: &str, labels: &[String], limit: usize) -> String {
        let spans = self.merged(usize::MAX);
        let mut out = String::with_capacity(limit);
        let mut copied = 0;
        let mut limit = limit.min(text.len());
        for (s, e, label) in spans {
            if s >= limit {
                break;
            }
            if e > limit {
                limit = s;
                break;
            }
            out.push_str(&text[copied..s]);
            out.push_str(&labels[label]);
            copied = e;
        }
        while !text.is_char_boundary(limit) {
            limit -= 1;
        }
        if copied < limit {
            out.push_str(&text[copied..limit]);
        }
        out
    }

    /// The secrets with a window within `limit` that no replaced value
    /// covers, by name.
    pub fn all_leaked<'s>(&self, sets: [&'s Fingerprints; 2], limit: usize) -> Vec<&'s Seen> {
        let spans = self.merged(usize::MAX);
        let covered = |s: usize, e: usize| {
            let i = spans.partition_point(|&(start, _, _)| start <= s);
            i > 0 && spans[i - 1].1 >= e
        };
        let mut seen: Vec<&Seen> = self
            .hits
            .iter()
            .filter(|&&(s, e, _, _)| e <= limit && !covered(s, e))
            .map(|&(_, _, set, i)| sets[set as usize].seen(i))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen
    }
}

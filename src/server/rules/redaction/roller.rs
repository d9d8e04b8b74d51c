//! A keyed polynomial hash over canonical characters, rolled over a
//! stream: the fingerprint of every window ending at the last character,
//! for each length wanted, in constant time per length. The key (base and
//! salt) is random per process, so fingerprints hold no plaintext and an
//! outsider cannot aim for a collision.

use rand::Rng;

/// The keys of the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashKey {
    base: u64,
    salt: u64,
}

/// splitmix64's finaliser: every bit of the input moves every bit out.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl HashKey {
    pub fn random() -> HashKey {
        let mut rng = rand::thread_rng();
        HashKey {
            base: rng.gen::<u64>() | 1,
            salt: rng.gen(),
        }
    }

    fn step(self, h: u64, c: char) -> u64 {
        h.wrapping_mul(self.base).wrapping_add(c as u64 + 1)
    }

    /// The fingerprint of a window's hash and length.
    fn finish(self, h: u64, len: usize) -> u64 {
        mix(h.wrapping_add(self.salt.wrapping_mul(len as u64)))
    }

    /// The fingerprint of `chars`, as a roller finds it.
    pub fn of(self, chars: &[char]) -> u64 {
        let h = chars.iter().fold(0, |h, &c| self.step(h, c));
        self.finish(h, chars.len())
    }

    fn power(self, n: usize) -> u64 {
        (0..n).fold(1u64, |p, _| p.wrapping_mul(self.base))
    }
}

/// The rolling state over one stretch of a view.
pub struct Roller {
    key: HashKey,
    /// The lengths asked for, with the base to their power.
    lengths: Vec<(usize, u64)>,
    mask: usize,
    /// Prefix hashes, characters and their span starts, in rings.
    hashes: Vec<u64>,
    chars: Vec<char>,
    starts: Vec<u32>,
    count: usize,
}

impl Roller {
    pub fn new(key: HashKey, lengths: &[usize]) -> Roller {
        let longest = lengths.iter().copied().max().unwrap_or(0);
        let size = (longest + 1).next_power_of_two();
        Roller {
            key,
            lengths: lengths.iter().map(|&n| (n, key.power(n))).collect(),
            mask: size - 1,
            hashes: vec![0; size],
            chars: vec!['\0'; size],
            starts: vec![0; size],
            count: 0,
        }
    }

    /// Starts a new stretch.
    pub fn reset(&mut self) {
        self.count = 0;
        self.hashes[0] = 0;
    }

    pub fn push(&mut self, c: char, start: u32) {
        let prev = self.hashes[self.count & self.mask];
        // Slot `count` holds the prefix before this character; the new
        // prefix goes one further. The character and its start go in the
        // slot of its own index.
        self.chars[self.count & self.mask] = c;
        self.starts[self.count & self.mask] = start;
        self.count += 1;
        self.hashes[self.count & self.mask] = self.key.step(prev, c);
    }

    /// Calls `f(length, fingerprint)` for each length whose window has
    /// ended at the last character pushed.
    pub fn each(&self, mut f: impl FnMut(usize, u64)) {
        let now = self.hashes[self.count & self.mask];
        for &(len, power) in &self.lengths {
            if len == 0 || len > self.count {
                continue;
            }
            let before = self.hashes[(self.count - len) & self.mask];
            let h = now.wrapping_sub(before.wrapping_mul(power));
            f(len, self.key.finish(h, len));
        }
    }

    /// Whether the last `len` characters are `want`.
    pub fn ends_with(&self, want: &[char]) -> bool {
        let len = want.len();
        len <= self.count
            && want
                .iter()
                .enumerate()
                .all(|(k, &c)| self.chars[(self.count - len + k) & self.mask] == c)
    }

    /// The span start of the window of `len` that ends here.
    pub fn start_of(&self, len: usize) -> u32 {
        self.starts[(self.count - len) & self.mask]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rolled_window_has_the_fingerprint_of_its_characters() {
        let key = HashKey::random();
        let text: Vec<char> = "xx secret-window yy".chars().collect();
        let want: Vec<char> = "secret-window".chars().collect();
        let mut r = Roller::new(key, &[4, want.len()]);
        let mut found = Vec::new();
        for (i, &c) in text.iter().enumerate() {
            r.push(c, i as u32);
            r.each(|len, fp| {
                if fp == key.of(&want) {
                    found.push((len, r.start_of(len), r.ends_with(&want)));
                }
            });
        }
        assert_eq!(found, vec![(want.len(), 3, true)]);
        // The same text under another key gives other fingerprints.
        assert_ne!(HashKey::random().of(&want), key.of(&want));
    }

    #[test]
    fn a_reset_forgets_what_came_before() {
        let key = HashKey::random();
        let mut r = Roller::new(key, &[3]);
        for c in "ab".chars() {
            r.push(c, 0);
        }
        r.reset();
        r.push('c', 0);
        let mut n = 0;
        r.each(|_, _| n += 1);
        assert_eq!(n, 0);
    }
}

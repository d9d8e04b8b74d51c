//! An answer read the ways an upstream may have written a secret in it:
//! as it is, with its escapes decoded, and with its base64 and hex runs
//! decoded at every alignment. Each view is a stream of canonical
//! characters (`escapes::fold`), each carrying the span of the text it was
//! read from, so a match can be replaced where it stands. Views are
//! streamed, never stored: the work and memory of a scan are linear in
//! the text whatever it holds.

use super::escapes::{decode_at, fold, Kinds};

/// Base64 and hex runs shorter than this are not decoded: they hold less
/// than the shortest window (8 characters: 11 of base64, 16 of hex).
const MIN_BASE64_RUN: usize = 10;
const MIN_HEX_RUN: usize = 16;

/// How a view's spans map back to bytes of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Spans are byte offsets of the text.
    Bytes,
    /// Spans are bit offsets into the base64 characters that start at
    /// this byte; a range of bits maps to the characters made only of
    /// those bits (the others mix in neighbours).
    Base64Bits { from: usize },
}

impl Units {
    /// The bytes of the text a span of this view stands for; `None` when
    /// no character of the text is made only of it.
    pub fn bytes(self, start: u32, end: u32) -> Option<(usize, usize)> {
        match self {
            Units::Bytes => Some((start as usize, end as usize)),
            Units::Base64Bits { from } => {
                let first = (start as usize).div_ceil(6);
                let last = end as usize / 6;
                (first < last).then_some((from + first, from + last))
            }
        }
    }
}

/// What consumes a view.
pub trait Sink {
    /// A new stretch starts: nothing pushed before joins what follows.
    fn begin(&mut self, units: Units);
    /// The next canonical character and the span it was read from.
    fn push(&mut self, c: char, start: u32, end: u32);
}

/// Streams every view of `text` into `sink`. Escapes are read in every
/// combination of the kinds the text holds (all of them, and each subset):
/// a value's own `\\` beside a `"` of the text is no JSON escape, its `%`
/// beside two hex digits no percent one, whatever else is escaped.
pub fn scan(text: &str, sink: &mut impl Sink) {
    raw(text, sink);
    let has = |c: u8| text.bytes().any(|b| b == c);
    let present = [has(b'%'), has(b'\\'), has(b'&')];
    // Each non-empty subset of the kinds present (the empty one is raw).
    for mask in 1u8..8 {
        let pick = |i: usize| mask & (1 << i) != 0;
        if (0..3).any(|i| pick(i) && !present[i]) {
            continue;
        }
        let kinds = Kinds {
            percent: pick(0),
            json: pick(1),
            html: pick(2),
        };
        decoded(text, kinds, sink);
    }
    base64_runs(text, sink);
    hex_runs(text, sink);
}

fn push_folded(sink: &mut impl Sink, c: char, start: usize, end: usize) {
    fold(c, |f| sink.push(f, start as u32, end as u32));
}

/// The text as it is.
fn raw(text: &str, sink: &mut impl Sink) {
    sink.begin(Units::Bytes);
    for (i, c) in text.char_indices() {
        if c.is_ascii() {
            let f = if c == ' ' {
                '+'
            } else {
                c.to_ascii_lowercase()
            };
            sink.push(f, i as u32, i as u32 + 1);
        } else {
            push_folded(sink, c, i, i + c.len_utf8());
        }
    }
}

/// Every escape of `kinds` read, each character on its own, so any mix of
/// escaped and plain characters reads as the text it writes.
fn decoded(text: &str, kinds: Kinds, sink: &mut impl Sink) {
    sink.begin(Units::Bytes);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (c, len) = decode_at(&bytes[i..], kinds).unwrap_or_else(|| {
            let c = text[i..].chars().next().expect("a char boundary");
            (c, c.len_utf8())
        });
        push_folded(sink, c, i, i + len);
        i += len;
    }
}

/// Bytes decoded from a run, turned into characters as UTF-8 (controls
/// too, as the raw view has them); anything that is not UTF-8 starts a
/// new stretch.
struct Utf8Stream {
    buf: [u8; 4],
    len: usize,
    need: usize,
    /// Unit where the pending character started.
    start: u32,
    units: Units,
}

impl Utf8Stream {
    fn new(units: Units) -> Utf8Stream {
        Utf8Stream {
            buf: [0; 4],
            len: 0,
            need: 0,
            start: 0,
            units,
        }
    }

    /// One decoded byte spanning units `start..end`.
    #[inline]
    fn byte(&mut self, b: u8, start: u32, end: u32, sink: &mut impl Sink) {
        if self.len == 0 && b < 0x80 {
            // ASCII, the common case: no buffering.
            let c = if b == b' ' {
                '+'
            } else {
                b.to_ascii_lowercase() as char
            };
            sink.push(c, start, end);
            return;
        }
        if self.len == 0 {
            self.need = match b {
                0x00..=0x7F => 1,
                0xC2..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF4 => 4,
                _ => {
                    sink.begin(self.units);
                    return;
                }
            };
            self.start = start;
        } else if b & 0xC0 != 0x80 {
            self.len = 0;
            sink.begin(self.units);
            return self.byte(b, start, end, sink);
        }
        self.buf[self.len] = b;
        self.len += 1;
        if self.len < self.need {
            return;
        }
        self.len = 0;
        match std::str::from_utf8(&self.buf[..self.need]) {
            Ok(s) => {
                let c = s.chars().next().expect("one char");
                fold(c, |f| sink.push(f, self.start, end));
            }
            Err(_) => sink.begin(self.units),
        }
    }
}

/// Maximal runs of bytes accepted by `is_member`, at least `min` long.
fn runs<'t>(
    text: &'t str,
    min: usize,
    is_member: impl Fn(u8) -> bool + 't,
) -> impl Iterator<Item = (usize, usize)> + 't {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !is_member(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_member(bytes[i]) {
                i += 1;
            }
            if i - start >= min {
                return Some((start, i));
            }
        }
        None
    })
}

fn base64_value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Runs of base64 (either alphabet), decoded from each of the four
/// characters a quantum may start at.
fn base64_runs(text: &str, sink: &mut impl Sink) {
    let bytes = text.as_bytes();
    for (start, end) in runs(text, MIN_BASE64_RUN, |b| base64_value(b).is_some()) {
        for align in 0..4 {
            let from = start + align;
            if end - from < MIN_BASE64_RUN {
                break;
            }
            let units = Units::Base64Bits { from };
            sink.begin(units);
            let mut utf8 = Utf8Stream::new(units);
            let (mut acc, mut bits, mut at) = (0u32, 0u32, 0u32);
            for &b in &bytes[from..end] {
                acc = (acc << 6) | base64_value(b).expect("a run member");
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    let byte = (acc >> bits) as u8;
                    acc &= (1 << bits) - 1;
                    utf8.byte(byte, at, at + 8, sink);
                    at += 8;
                }
            }
        }
    }
}

/// Runs of hex digits, decoded from both characters a byte may start at.
fn hex_runs(text: &str, sink: &mut impl Sink) {
    let bytes = text.as_bytes();
    for (start, end) in runs(text, MIN_HEX_RUN, |b| b.is_ascii_hexdigit()) {
        for align in 0..2 {
            let from = start + align;
            sink.begin(Units::Bytes);
            let mut utf8 = Utf8Stream::new(Units::Bytes);
            for (k, pair) in bytes[from..end].chunks_exact(2).enumerate() {
                let hi = (pair[0] as char).to_digit(16).expect("a hex digit");
                let lo = (pair[1] as char).to_digit(16).expect("a hex digit");
                let at = (from + 2 * k) as u32;
                utf8.byte((hi * 16 + lo) as u8, at, at + 2, sink);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stretch as text.
    #[derive(Default)]
    struct Collect {
        stretches: Vec<String>,
    }

    impl Sink for Collect {
        fn begin(&mut self, _units: Units) {
            self.stretches.push(String::new());
        }
        fn push(&mut self, c: char, _start: u32, _end: u32) {
            self.stretches.last_mut().expect("begun").push(c);
        }
    }

    fn views(text: &str) -> Vec<String> {
        let mut c = Collect::default();
        scan(text, &mut c);
        c.stretches
    }

    #[test]
    fn escapes_case_base64_and_hex_read_as_the_text_they_write() {
        let all = views("Token: %53e&#99;\\u0072et value");
        assert!(all.contains(&"token:+secret+value".to_string()), "{all:?}");
        let all = views("auth dXNlcjpTM2NyM3QtVmFsdWU= end");
        assert!(
            all.iter().any(|v| v.contains("user:s3cr3t-value")),
            "{all:?}"
        );
        let all = views("x 7333637233742d76616c7565 y");
        assert!(all.iter().any(|v| v.contains("s3cr3t")), "{all:?}");
        // Each of the four alignments of a run is read.
        let all = views("QUJDRGVmZ2hpamtsbW5vcA");
        assert!(
            all.iter().any(|v| v.contains("abcdefghijklmnop")),
            "{all:?}"
        );
        let all = views("xQUJDRGVmZ2hpamtsbW5vcA");
        assert!(
            all.iter().any(|v| v.contains("abcdefghijklmnop")),
            "{all:?}"
        );
    }

    #[test]
    fn base64_spans_map_to_the_characters_made_only_of_a_match() {
        // "user:abc" at the start of a run: bytes 5..8 hold "abc".
        let text = "dXNlcjphYmM=";
        let units = Units::Base64Bits { from: 0 };
        let (s, e) = units.bytes(5 * 8, 8 * 8).unwrap();
        // Bits 40..64 are characters 7..10 ("hYmM"), of which only the
        // ones fully inside count: 40/6 rounds up to 7, 64/6 down to 10.
        assert_eq!(&text[s..e], "hYm");
        assert_eq!(units.bytes(8, 12), None);
    }

    #[test]
    fn bytes_that_are_not_text_break_the_stream() {
        let mut c = Collect::default();
        hex_runs("41424344ff4546474849", &mut c);
        let texts: Vec<&str> = c.stretches.iter().map(String::as_str).collect();
        assert!(texts.contains(&"abcd"), "{texts:?}");
        assert!(texts.contains(&"efghi"), "{texts:?}");
    }
}

//! Redaction of the secrets a run used, in every form an upstream might
//! echo them (SPEC §5).
//!
//! Each secret gives a few *forms*: the value itself (matched in any
//! letter case), its hex (any case), and its base64 in both alphabets at
//! each of the three byte alignments, so `Basic base64(user:TOKEN)` is
//! caught too (only the characters fully determined by the value's bits,
//! so padding and neighbours do not matter). Every character of a form may
//! be written raw or escaped: percent-encoding (`%XX`, `+` for a space),
//! JSON (`\uXXXX`, `\"`, `\/`, …) or an HTML entity (`&#65;`, `&#x41;`,
//! `&amp;`, …), in any mix. At each position the longest match wins.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use zeroize::Zeroizing;

/// The most bytes one character of a form can take when escaped
/// (`%F0%9F%98%80`, `\ud83d\ude00`, `&#x0001F600;`).
const MAX_SPELLING: usize = 12;
/// Digits an HTML character reference may have.
const MAX_ENTITY_DIGITS: usize = 8;

/// One form of a secret and what replaces it.
struct Form {
    chars: Zeroizing<Vec<char>>,
    fold_case: bool,
    label: String,
}

pub struct Redactor {
    forms: Vec<Form>,
    /// Which bytes can start a match, to skip the rest quickly.
    starts: [bool; 256],
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms, [REDACTED])", self.forms.len())
    }
}

/// The base64 characters of `value` placed `align` bytes into a stream,
/// keeping only those made of the value's own bits.
fn base64_inner(engine: &impl Engine, value: &[u8], align: usize) -> String {
    let mut stream = Zeroizing::new(vec![0u8; align]);
    stream.extend_from_slice(value);
    stream.extend_from_slice(&[0, 0]);
    let encoded = Zeroizing::new(engine.encode(&*stream));
    let first = (8 * align).div_ceil(6);
    let end_bits = 8 * (align + value.len());
    let last = (end_bits / 6).saturating_sub(1); // last char ending within the value
    if end_bits < 6 || last < first {
        return String::new();
    }
    encoded[first..=last].to_string()
}

fn hex_lower(value: &[u8]) -> String {
    hex::encode(value)
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut forms: Vec<Form> = Vec::new();
        for (name, value) in secrets {
            if value.is_empty() {
                continue;
            }
            let label = format!("[REDACTED:{name}]");
            let mut add = |text: String, fold_case: bool| {
                let text = Zeroizing::new(text);
                let chars = Zeroizing::new(text.chars().collect::<Vec<char>>());
                if chars.is_empty()
                    || forms
                        .iter()
                        .any(|f| f.chars == chars && f.fold_case == fold_case)
                {
                    return;
                }
                forms.push(Form {
                    chars,
                    fold_case,
                    label: label.clone(),
                });
            };
            add(value.to_string(), true);
            add(hex_lower(value.as_bytes()), true);
            for align in 0..3 {
                add(base64_inner(&STANDARD, value.as_bytes(), align), false);
                add(base64_inner(&URL_SAFE, value.as_bytes(), align), false);
            }
        }
        let mut starts = [false; 256];
        for b in [b'%', b'+', b'\\', b'&'] {
            starts[b as usize] = true;
        }
        for form in &forms {
            let c = form.chars[0];
            if c.is_ascii() {
                starts[c as usize] = true;
                if form.fold_case {
                    starts[c.to_ascii_lowercase() as usize] = true;
                    starts[c.to_ascii_uppercase() as usize] = true;
                }
            }
            // A letter whose other case is several, starting with an
            // ASCII one (ß → SS).
            if form.fold_case {
                for first in [c.to_uppercase().next(), c.to_lowercase().next()]
                    .into_iter()
                    .flatten()
                    .filter(char::is_ascii)
                {
                    starts[first.to_ascii_lowercase() as usize] = true;
                    starts[first.to_ascii_uppercase() as usize] = true;
                }
            }
            // Any UTF-8 lead byte: case variants may differ in length.
            if !c.is_ascii() || (form.fold_case && c.is_alphabetic()) {
                starts[0xC0..].fill(true);
            }
        }
        Redactor { forms, starts }
    }

    /// `text` with every form of every secret replaced by its label.
    pub fn redact(&self, text: &str) -> String {
        if self.forms.is_empty() {
            return text.to_string();
        }
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !self.starts[bytes[i] as usize] || !text.is_char_boundary(i) {
                i += 1;
                continue;
            }
            let best = self
                .forms
                .iter()
                .filter_map(|f| match_form(&text[i..], f).map(|len| (len, f)))
                .max_by_key(|(len, _)| *len);
            match best {
                Some((len, form)) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(&form.label);
                    i += len;
                    copied = i;
                }
                None => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// How many bytes at the end of a text cut short may hold an
    /// unfinished spelling of a secret (what to drop before showing it).
    pub fn margin(&self) -> usize {
        self.forms
            .iter()
            .map(|f| {
                f.chars
                    .iter()
                    .map(|&c| MAX_SPELLING * if f.fold_case { case_expansion(c) } else { 1 })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0)
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }
}

/// Length in bytes of the spelling of `form` that starts `text`, if any.
fn match_form(text: &str, form: &Form) -> Option<usize> {
    let mut at = 0;
    for &want in form.chars.iter() {
        at += spell(&text[at..], want, form.fold_case)?;
    }
    Some(at)
}

fn same(a: char, b: char, fold_case: bool) -> bool {
    a == b
        || (fold_case
            && if a.is_ascii() && b.is_ascii() {
                a.eq_ignore_ascii_case(&b)
            } else {
                a.to_lowercase().eq(b.to_lowercase())
            })
}

/// Bytes at the start of `text` that write the character `want`, raw or
/// escaped, or (folding case) as the several letters some letters become
/// in the other case (ß → SS, İ → i̇).
fn spell(text: &str, want: char, fold_case: bool) -> Option<usize> {
    if let Some(len) = spell_one(text, want, fold_case) {
        return Some(len);
    }
    if !fold_case || want.is_ascii() {
        return None;
    }
    let upper: Vec<char> = want.to_uppercase().collect();
    let lower: Vec<char> = want.to_lowercase().collect();
    [upper, lower]
        .into_iter()
        .filter(|expanded| expanded.len() > 1)
        .find_map(|expanded| {
            let mut at = 0;
            for c in expanded {
                at += spell_one(&text[at..], c, true)?;
            }
            Some(at)
        })
}

/// How many letters `c` may become in the other case (ß → SS: 2).
fn case_expansion(c: char) -> usize {
    c.to_uppercase().count().max(c.to_lowercase().count())
}

fn spell_one(text: &str, want: char, fold_case: bool) -> Option<usize> {
    let first = text.chars().next()?;
    if same(first, want, fold_case) {
        return Some(first.len_utf8());
    }
    let bytes = text.as_bytes();
    match bytes[0] {
        b'+' if want == ' ' => Some(1),
        b'%' => {
            let (c, len) = percent_char(bytes)?;
            same(c, want, fold_case).then_some(len)
        }
        b'\\' => {
            let (c, len) = json_escape(bytes)?;
            same(c, want, fold_case).then_some(len)
        }
        b'&' => {
            let (c, len) = html_entity(bytes)?;
            same(c, want, fold_case).then_some(len)
        }
        _ => None,
    }
}

fn hex_digit(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn percent_byte(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [b'%', h, l, ..] => Some((hex_digit(*h)? * 16 + hex_digit(*l)?) as u8),
        _ => None,
    }
}

/// One character written as `%XX` escapes of its UTF-8 bytes.
fn percent_char(bytes: &[u8]) -> Option<(char, usize)> {
    let lead = percent_byte(bytes)?;
    let n = match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let mut buf = [0u8; 4];
    for (k, slot) in buf.iter_mut().enumerate().take(n) {
        *slot = percent_byte(bytes.get(3 * k..)?)?;
    }
    let c = std::str::from_utf8(&buf[..n]).ok()?.chars().next()?;
    Some((c, 3 * n))
}

fn json_unit(bytes: &[u8]) -> Option<u32> {
    match bytes {
        [b'\\', b'u', a, b, c, d, ..] => {
            Some(hex_digit(*a)? << 12 | hex_digit(*b)? << 8 | hex_digit(*c)? << 4 | hex_digit(*d)?)
        }
        _ => None,
    }
}

/// A JSON escape: `\uXXXX` (a surrogate pair for characters past U+FFFF)
/// or a short one like `\"`.
fn json_escape(bytes: &[u8]) -> Option<(char, usize)> {
    if let Some(unit) = json_unit(bytes) {
        if (0xD800..0xDC00).contains(&unit) {
            let low = json_unit(bytes.get(6..)?)?;
            if !(0xDC00..0xE000).contains(&low) {
                return None;
            }
            let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            return Some((char::from_u32(c)?, 12));
        }
        return Some((char::from_u32(unit)?, 6));
    }
    let c = match bytes.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'\'' => '\'',
        _ => return None,
    };
    Some((c, 2))
}

/// An HTML character reference: `&#65;`, `&#x41;` or one of the names
/// escapers use.
fn html_entity(bytes: &[u8]) -> Option<(char, usize)> {
    for (name, c) in [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&apos;", '\''),
    ] {
        if bytes.starts_with(name.as_bytes()) {
            return Some((c, name.len()));
        }
    }
    let rest = bytes.strip_prefix(b"&#")?;
    let (radix, digits_at) = match rest.first()? {
        b'x' | b'X' => (16, 3),
        _ => (10, 2),
    };
    let digits = &bytes[digits_at..];
    let n = digits
        .iter()
        .take(MAX_ENTITY_DIGITS + 1)
        .take_while(|b| (**b as char).is_digit(radix))
        .count();
    if n == 0 || n > MAX_ENTITY_DIGITS || digits.get(n) != Some(&b';') {
        return None;
    }
    let mut code: u32 = 0;
    for b in &digits[..n] {
        code = code * radix + (*b as char).to_digit(radix)?;
    }
    Some((char::from_u32(code)?, digits_at + n + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

    const VALUE: &str = "s3cr3t Value/with+chars?";

    fn percent(value: &str, all: bool) -> String {
        value
            .bytes()
            .map(|b| {
                if !all && b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    fn redacted(r: &Redactor, echo: &str) {
        let out = r.redact(&format!("before {echo} after"));
        assert_eq!(out, "before [REDACTED:TOKEN] after", "{echo}");
    }

    #[test]
    fn every_encoding_is_replaced() {
        let r = Redactor::new([("TOKEN", VALUE)]);
        let json = serde_json::to_string(VALUE).unwrap();
        for echo in [
            VALUE.to_string(),
            VALUE.to_uppercase(),
            VALUE.to_lowercase(),
            STANDARD.encode(VALUE),
            STANDARD_NO_PAD.encode(VALUE),
            URL_SAFE.encode(VALUE),
            URL_SAFE_NO_PAD.encode(VALUE),
            hex::encode(VALUE),
            hex::encode_upper(VALUE),
            percent(VALUE, false),
            percent(VALUE, true),
            percent(VALUE, true).to_lowercase(),
            VALUE.replace(' ', "+"),
            json.trim_matches('"').to_string(),
            json.trim_matches('"').replace('/', "\\/"),
            VALUE
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect(),
            VALUE.chars().map(|c| format!("&#{};", c as u32)).collect(),
            VALUE
                .chars()
                .map(|c| format!("&#X{:X};", c as u32))
                .collect(),
        ] {
            redacted(&r, &echo);
        }
    }

    #[test]
    fn base64_is_caught_at_every_alignment() {
        let r = Redactor::new([("TOKEN", VALUE)]);
        for prefix in ["", "u:", "us:", "user:"] {
            let echo = STANDARD.encode(format!("{prefix}{VALUE}"));
            let out = r.redact(&echo);
            assert!(out.contains("[REDACTED:TOKEN]"), "{prefix}: {out}");
            // What is left are the few characters that mix in the prefix.
            assert!(out.len() < "[REDACTED:TOKEN]".len() + 12, "{out}");
        }
    }

    #[test]
    fn any_mix_of_escapes_and_cases_is_caught() {
        let value = "canary-api/9f+e7 d";
        let r = Redactor::new([("T", value)]);
        for echo in [
            "canary%2Dapi%2F9f%2Be7%20d",
            "CANARY-api%2f9f%2be7+d",
            "%63%61%6E%61%72%79%2D%61%70%69%2F%39%66%2B%65%37%20%64",
            "canary-api\\/9f+e7 d",
            "\\u0063anary-api/9f+e7 d",
            "canary&#45;api&#x2f;9f+e7&#32;d",
        ] {
            assert_eq!(
                r.redact(&format!("x={echo}&y")),
                "x=[REDACTED:T]&y",
                "{echo}"
            );
        }
    }

    #[test]
    fn letters_that_change_length_with_case_are_caught() {
        // Found by the redactor fuzz target: Unicode upper case turns ß
        // into SS, so a per-character comparison missed it.
        let value = "straße-İnfo-tokén";
        let r = Redactor::new([("T", value)]);
        for echo in [
            value.to_uppercase(),
            value.to_lowercase(),
            "STRASSE-i\\u0307nfo-TOKÉN".to_string(),
            "Stras%53e-İnfo-tokén".to_string(),
        ] {
            assert_eq!(r.redact(&format!("<{echo}>")), "<[REDACTED:T]>", "{echo}");
        }
        // Ordinary text with the same letters stays.
        assert_eq!(r.redact("strasse-info"), "strasse-info");
    }

    #[test]
    fn non_ascii_values_are_caught_in_every_escape() {
        let value = "pässwörd-😀-token";
        let r = Redactor::new([("T", value)]);
        let json_ascii: String = value
            .encode_utf16()
            .map(|u| format!("\\u{u:04X}"))
            .collect();
        for echo in [
            value.to_string(),
            value.to_uppercase(),
            percent(value, true),
            json_ascii,
            value
                .chars()
                .map(|c| format!("&#x{:x};", c as u32))
                .collect(),
        ] {
            assert_eq!(r.redact(&format!("<{echo}>")), "<[REDACTED:T]>", "{echo}");
        }
    }

    #[test]
    fn nothing_else_changes() {
        let r = Redactor::new([("T", "abc12345")]);
        for text in [
            "no secret here",
            "abc1234 abc",
            "%zz &#; &#x; \\u12 \\q & % +",
            "",
            "ab😀c",
        ] {
            assert_eq!(r.redact(text), text);
        }
        assert_eq!(r.redact("x abc12345 y"), "x [REDACTED:T] y");
        assert!(Redactor::new([]).redact("x").eq("x"));
    }

    #[test]
    fn the_margin_covers_the_longest_spelling() {
        let r = Redactor::new([("T", "abcdefgh")]);
        let spelled: String = "abcdefgh"
            .chars()
            .map(|c| format!("&#x{:08x};", c as u32))
            .collect();
        assert_eq!(r.redact(&spelled), "[REDACTED:T]");
        assert!(spelled.len() <= r.margin());
    }
}

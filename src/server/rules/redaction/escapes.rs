//! The escapes upstreams write text in (percent-encoding, JSON, HTML and
//! XML character references) and the canonical form text is compared in:
//! letters folded to lower case and spaces read as `+`, so a form decoder
//! that turned `+` into a space changes nothing.

/// Which escapes to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    pub percent: bool,
    pub json: bool,
    pub html: bool,
}

impl Kinds {
    pub const ALL: Kinds = Kinds {
        percent: true,
        json: true,
        html: true,
    };
}

/// Digits an HTML character reference may have.
const MAX_ENTITY_DIGITS: usize = 8;

/// The character one escape at the start of `bytes` writes, and its
/// length, if one of `kinds` starts there.
pub fn decode_at(bytes: &[u8], kinds: Kinds) -> Option<(char, usize)> {
    match bytes.first()? {
        b'%' if kinds.percent => percent_char(bytes),
        b'\\' if kinds.json => json_escape(bytes),
        b'&' if kinds.html => html_entity(bytes),
        _ => None,
    }
}

/// `text` with every escape of `kinds` read.
pub fn decode_all(text: &str, kinds: Kinds) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some((c, len)) = decode_at(&bytes[i..], kinds) {
            out.push(c);
            i += len;
            continue;
        }
        let c = text[i..].chars().next().expect("a char boundary");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The canonical characters `c` compares as: the lower case of its upper
/// case (so ß is `ss`, ı and ſ are `i` and `s`), and a space as `+`.
pub fn fold(c: char, mut out: impl FnMut(char)) {
    match c {
        ' ' => out('+'),
        c if c.is_ascii() => out(c.to_ascii_lowercase()),
        c => c.to_uppercase().flat_map(char::to_lowercase).for_each(out),
    }
}

/// `text` in canonical characters.
pub fn canonical(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        fold(c, |f| out.push(f));
    }
    out
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

/// An HTML or XML character reference: `&#65;`, `&#x41;` or one of the
/// names escapers use.
fn html_entity(bytes: &[u8]) -> Option<(char, usize)> {
    for (name, c) in [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&apos;", '\''),
        ("&nbsp;", '\u{a0}'),
    ] {
        if bytes.len() >= name.len() && bytes[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
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

    #[test]
    fn each_escape_is_read_and_the_rest_kept() {
        let text = "a%2Fb\\u0041\\/&amp;&#x42;&#67;%F0%9F%98%80 %zz &q; \\x";
        assert_eq!(decode_all(text, Kinds::ALL), "a/bA/&BC😀 %zz &q; \\x");
        let no_html = Kinds {
            html: false,
            ..Kinds::ALL
        };
        assert_eq!(decode_all("%41&amp;", no_html), "A&amp;");
        assert_eq!(decode_at(b"&AMP;", Kinds::ALL), Some(('&', 5)));
        assert_eq!(decode_at(b"\\ud83d\\ude00", Kinds::ALL), Some(('😀', 12)));
        assert_eq!(decode_at(b"\\ud83d", Kinds::ALL), None);
        assert_eq!(decode_at(b"&#123456789;", Kinds::ALL), None);
    }

    #[test]
    fn canonical_text_folds_case_and_reads_spaces_as_plus() {
        assert_eq!(
            canonical("AbC Straße-İ-ı").into_iter().collect::<String>(),
            "abc+strasse-i\u{307}-i"
        );
    }
}

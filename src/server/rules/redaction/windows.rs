//! The windows of a secret's value: its shortest pieces that still carry
//! 48 bits (SPEC §5). An answer holding one of them, in any spelling, is
//! withheld. Pieces are taken inside the value's segments (split at
//! whitespace and punctuation), sized by the segment's alphabet after case
//! folding: 8 characters when it mixes in symbols, 10 of letters and
//! digits, 12 of hex, 15 of digits. Letter-only segments (words) and a
//! fixed table of public boilerplate are skipped, or ordinary answers
//! would be withheld. A segment of base64 that decodes to text (a JWT's
//! header and claims) is windowed as that text, so the structure every
//! JWT shares (`eyJhbGciOi…`) is not a window. A value that yields no
//! window is matched whole.

use super::escapes::canonical;
use super::pem;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};

/// Public text that secrets share with ordinary answers: URL schemes,
/// PEM armour, vendors' key prefixes, and the DER
/// structure that every RSA or EC key and certificate of a size begins
/// with (as base64). Compared without case; removed before windowing.
const BOILERPLATE: &[&str] = &[
    "https://",
    "http://",
    "postgres://",
    "postgresql://",
    "mysql://",
    "-----BEGIN",
    "-----END",
    "PRIVATE KEY-----",
    "PUBLIC KEY-----",
    "CERTIFICATE-----",
    "sk_live_",
    "sk_test_",
    "pk_live_",
    "pk_test_",
    "rk_live_",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "AKIA",
    "SG.",
    // DER of keys and certificates, as base64.
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASC",
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASC",
    "MIIEpAIBAAKCAQEA",
    "MIIEowIBAAKCAQEA",
    "MIIEogIBAAKCAQEA",
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
    "ANBgkqhkiG9w0BAQ",
    "BgkqhkiG9w0BAQ",
    "gkqhkiG9w0BAQ",
    "AgEAAoIBAQ",
    "AoIBAQ",
    "ggEKAoIBAQ",
    "AgMBAAE",
    "IDAQAB",
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg",
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    "MHcCAQEEI",
    "oAoGCCqGSM49AwEHoUQDQgAE",
];

/// Split everywhere: whitespace, the punctuation around tokens in URLs,
/// JSON and markup, and a backslash (escapes).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || "/:.@=&?,;\"'{}[]()<>\\".contains(c)
}

/// Split inside a token (`sk_live_x`, `glpat-x`), after base64 was tried.
fn is_joiner(c: char) -> bool {
    c == '-' || c == '_'
}

/// The window length for a segment of canonical characters, or `None`
/// when it is a word.
fn window_len(segment: &[char]) -> Option<usize> {
    if segment.iter().all(|c| c.is_alphabetic()) {
        return None;
    }
    let len = if segment.iter().all(char::is_ascii_digit) {
        15
    } else if segment.iter().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
        12
    } else if segment.iter().all(char::is_ascii_alphanumeric) {
        10
    } else {
        8
    };
    Some(len)
}

/// Where windowing stops: the value has none longer than this to match
/// whole; a longer value without windows is windowed at this length.
pub const WHOLE_MAX: usize = 64;
const FALLBACK_WINDOW: usize = 16;

/// The windows of a value, in canonical characters. `whole` when none
/// could be found by the rules and the value is matched as it is.
#[derive(Debug, Default)]
pub struct Windows {
    pub windows: Vec<Vec<char>>,
    pub whole: bool,
}

/// Lenient base64: either alphabet (the caller maps `-`/`_`), padding
/// optional.
pub(super) fn lenient() -> GeneralPurpose {
    GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

/// The text a base64 segment holds, when it holds text.
fn as_base64_text(segment: &str) -> Option<String> {
    if segment.len() < 16 {
        return None;
    }
    let std: String = segment
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bytes = lenient().decode(std.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || c.is_ascii_whitespace());
    printable.then_some(text)
}

/// `value` with every piece of boilerplate turned into spaces.
fn without_boilerplate(value: &str) -> String {
    let mut out = value.to_string();
    let lower = value.to_ascii_lowercase();
    for b in BOILERPLATE {
        let b = b.to_ascii_lowercase();
        for (at, _) in lower.match_indices(&b) {
            out.replace_range(at..at + b.len(), &" ".repeat(b.len()));
        }
    }
    out
}

fn windows_of_segment(segment: &str, out: &mut Vec<Vec<char>>) {
    let chars = canonical(segment);
    let Some(len) = window_len(&chars) else {
        return;
    };
    for w in chars.windows(len) {
        out.push(w.to_vec());
    }
}

/// Windows of text: tokens between separators; a token that is base64
/// of text is read as that text (once); otherwise split at joiners.
fn windows_of_text(text: &str, decode: bool, out: &mut Vec<Vec<char>>) {
    for token in text.split(is_separator).filter(|t| !t.is_empty()) {
        if decode {
            if let Some(inner) = as_base64_text(token) {
                windows_of_text(&without_boilerplate(&inner), false, out);
                continue;
            }
        }
        for segment in token.split(is_joiner).filter(|s| !s.is_empty()) {
            windows_of_segment(segment, out);
        }
    }
}

/// The windows of `value`.
pub fn windows(value: &str) -> Windows {
    let mut found = Vec::new();
    // Private keys first, by their private parts; the rest as text.
    let mut rest = value.to_string();
    for key in pem::private_keys(value) {
        found.extend(pem::key_windows(&key.body).into_iter().map(canonical));
        rest.replace_range(key.start..key.end, &" ".repeat(key.end - key.start));
    }
    windows_of_text(&without_boilerplate(&rest), true, &mut found);
    found.sort();
    found.dedup();
    if !found.is_empty() {
        return Windows {
            windows: found,
            whole: false,
        };
    }
    let whole = canonical(value);
    let windows = if whole.len() <= WHOLE_MAX {
        vec![whole]
    } else {
        let mut w: Vec<Vec<char>> = whole
            .windows(FALLBACK_WINDOW)
            .map(<[char]>::to_vec)
            .collect();
        w.sort();
        w.dedup();
        w
    };
    Windows {
        windows,
        whole: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(w: &Windows) -> Vec<String> {
        w.windows.iter().map(|w| w.iter().collect()).collect()
    }

    #[test]
    fn windows_are_sized_by_the_alphabet() {
        let w = windows("x9!Kq#2m");
        assert_eq!(texts(&w), ["x9!kq#2m"]);
        let w = windows("abcd1234EFGH");
        assert_eq!(w.windows.len(), 3, "{:?}", texts(&w));
        assert!(w.windows.iter().all(|w| w.len() == 10));
        let w = windows("0123456789abcdef0123");
        assert!(w.windows.iter().all(|w| w.len() == 12));
        let w = windows("1234567890123456");
        assert_eq!(w.windows.len(), 2);
    }

    #[test]
    fn words_boilerplate_and_short_pieces_are_skipped() {
        // Words, and digits too short to carry 48 bits: matched whole.
        let w = windows("correct-horse_battery staple");
        assert!(w.whole);
        assert_eq!(texts(&w), ["correct-horse_battery+staple"]);
        let w = windows("12345678");
        assert!(w.whole);
        // The vendor prefix is public; the rest is windowed.
        let w = windows("sk_live_51HxQ2aB9cD8eF");
        assert!(
            texts(&w).iter().all(|t| !t.contains("live")),
            "{:?}",
            texts(&w)
        );
        assert!(!w.whole);
        // A URL's scheme, host words and short parts are not windows.
        let w = windows(
            "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcDEF123ghiJKL456mnoPQR",
        );
        assert!(texts(&w)
            .iter()
            .all(|t| t.len() == 10 && !t.contains("hooks")));
        assert_eq!(w.windows.len(), 24 - 10 + 1);
    }

    #[test]
    fn a_jwt_is_windowed_as_the_json_it_holds() {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890","name":"John Doe","iat":1516239022} . signature
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
                   eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
                   SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let w = texts(&windows(jwt));
        assert!(!w.is_empty());
        // Only the signature's pieces: the header and claims are public.
        assert!(
            w.iter().all(
                |t| "sflkxwrjsmekkf2qt4fwpmejf36pok6yjv".contains(t.as_str())
                    || "adqssw5c".contains(t.as_str())
            ),
            "{w:?}"
        );
    }
}

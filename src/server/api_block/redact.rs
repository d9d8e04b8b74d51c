//! Redaction of the secrets a run used, in every form an upstream might
//! echo them: raw, base64 (both alphabets, with and without padding), and
//! any mix of raw and escaped bytes: percent-encoding (whatever the
//! encoder chose to escape, any case, `+` for a space) and JSON escapes.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use zeroize::Zeroizing;

pub struct Redactor {
    /// (form of a value, its replacement), longest forms first.
    forms: Vec<(Zeroizing<String>, String)>,
    /// (raw value, replacement), matched byte by byte through escapes.
    values: Vec<(Zeroizing<String>, String)>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms, [REDACTED])", self.forms.len())
    }
}

fn percent_encode(value: &str, space_as_plus: bool) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' if space_as_plus => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut forms = Vec::new();
        let mut values = Vec::new();
        for (name, value) in secrets {
            if value.is_empty() {
                continue;
            }
            let label = format!("[REDACTED:{name}]");
            values.push((Zeroizing::new(value.to_string()), label.clone()));
            let json = serde_json::to_string(value).unwrap_or_default();
            let candidates = [
                value.to_string(),
                STANDARD.encode(value),
                STANDARD_NO_PAD.encode(value),
                URL_SAFE.encode(value),
                URL_SAFE_NO_PAD.encode(value),
                percent_encode(value, false),
                percent_encode(value, true),
                percent_encode(value, false).to_lowercase(),
                json.trim_matches('"').to_string(),
                json.trim_matches('"').replace('/', "\\/"),
            ];
            for form in candidates {
                if !form.is_empty()
                    && !forms
                        .iter()
                        .any(|(f, _): &(Zeroizing<String>, String)| **f == form)
                {
                    forms.push((Zeroizing::new(form), label.clone()));
                }
            }
        }
        // Longest first, so a value inside a longer form is not cut in two.
        forms.sort_by_key(|f| std::cmp::Reverse(f.0.len()));
        values.sort_by_key(|v| std::cmp::Reverse(v.0.len()));
        Redactor { forms, values }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (value, label) in &self.values {
            out = replace_escaped(&out, value.as_bytes(), label);
        }
        for (form, label) in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), label);
            }
        }
        out
    }

    /// The longest form, to keep that much past a cut before redacting.
    pub fn longest(&self) -> usize {
        self.forms.first().map(|(f, _)| f.len()).unwrap_or(0)
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Length of the text at `text` that spells `value`, each byte written raw
/// or escaped (`%XX`, `+` for a space, `\"`-style or `\u00XX`).
fn spelled_len(text: &[u8], value: &[u8]) -> Option<usize> {
    let mut k = 0;
    for &want in value {
        let rest = &text[k..];
        let step = match rest {
            [b, ..] if *b == want => 1,
            [b'%', h, l, ..] if hex(*h).zip(hex(*l)).map(|(h, l)| h * 16 + l) == Some(want) => 3,
            [b'+', ..] if want == b' ' => 1,
            [b'\\', c, ..] if *c == want && matches!(want, b'"' | b'\\' | b'/') => 2,
            [b'\\', b'u', b'0', b'0', h, l, ..]
                if hex(*h).zip(hex(*l)).map(|(h, l)| h * 16 + l) == Some(want) =>
            {
                6
            }
            _ => return None,
        };
        k += step;
    }
    Some(k)
}

/// Replaces every spelling of `value` in `text` with `label`.
fn replace_escaped(text: &str, value: &[u8], label: &str) -> String {
    let bytes = text.as_bytes();
    let first = value[0];
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let could_start = matches!(bytes[i], b'%' | b'+' | b'\\') || bytes[i] == first;
        if could_start {
            if let Some(len) = spelled_len(&bytes[i..], value) {
                out.extend_from_slice(label.as_bytes());
                i += len;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    // Matches start and end on ASCII or on the value's own UTF-8 bounds.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_replaced() {
        let value = "s3cr3t value/with+chars?";
        let r = Redactor::new([("TOKEN", value)]);
        let echoes = [
            value.to_string(),
            STANDARD.encode(value),
            URL_SAFE_NO_PAD.encode(value),
            percent_encode(value, false),
            percent_encode(value, true),
            serde_json::to_string(&serde_json::json!({ "auth": value })).unwrap(),
        ];
        for echo in echoes {
            let out = r.redact(&format!("before {echo} after"));
            assert!(out.contains("[REDACTED:TOKEN]"), "{out}");
            assert!(!out.contains(value), "{out}");
        }
    }

    #[test]
    fn any_mix_of_escapes_is_caught() {
        let value = "canary-api/9f+e7 d";
        let r = Redactor::new([("T", value)]);
        for echo in [
            "canary%2Dapi%2F9f%2Be7%20d",
            "canary-api%2f9f%2be7+d",
            "%63%61%6E%61%72%79%2D%61%70%69%2F%39%66%2B%65%37%20%64",
            "canary-api\\/9f+e7 d",
            "\\u0063anary-api/9f+e7 d",
        ] {
            assert_eq!(
                r.redact(&format!("x={echo}&y")),
                "x=[REDACTED:T]&y",
                "{echo}"
            );
        }
    }

    #[test]
    fn nothing_else_changes() {
        let r = Redactor::new([("T", "abc123")]);
        assert_eq!(r.redact("no secret here"), "no secret here");
        assert_eq!(r.redact("x abc123 y"), "x [REDACTED:T] y");
    }
}

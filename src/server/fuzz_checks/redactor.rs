use super::parts;
use crate::model::VariableId;
use crate::server::infra::crypto::SecretValue;
use crate::server::rules::redaction::windows::windows;
use crate::server::rules::redaction::{Fingerprints, HashKey, Screen, Source};
use std::sync::Arc;

/// Spellings the fuzz input may choose for a text.
fn spell(text: &str, how: u8) -> String {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    match how % 12 {
        0 => text.to_string(),
        1 => text.to_uppercase(),
        2 => text.to_lowercase(),
        3 => hex::encode(text),
        4 => hex::encode_upper(text),
        5 => STANDARD.encode(format!("us:{text}")),
        6 => URL_SAFE_NO_PAD.encode(text),
        7 => text.bytes().map(|b| format!("%{b:02X}")).collect(),
        8 => text.encode_utf16().map(|u| format!("\\u{u:04x}")).collect(),
        9 => text.chars().map(|c| format!("&#{};", c as u32)).collect(),
        10 => text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
        _ => text
            .chars()
            .enumerate()
            .map(|(i, c)| match i % 3 {
                0 => c.to_string(),
                1 => format!("&#x{:X};", c as u32),
                _ => {
                    let mut b = [0u8; 4];
                    c.encode_utf8(&mut b)
                        .bytes()
                        .map(|b| format!("%{b:02x}"))
                        .collect()
                }
            })
            .collect(),
    }
}

/// Filler that cannot spell anything of `secrets`: no character of
/// theirs in either case, nothing an escape, base64 or hex is made of.
fn filler_of(text: &str, secrets: &[&str]) -> String {
    text.chars()
        .filter(|c| {
            let folded: String = c.to_lowercase().collect();
            let upper: String = c.to_uppercase().collect();
            !c.is_ascii_alphanumeric()
                && !"%&#;\\+/=_-".contains(*c)
                && !c.is_control()
                && secrets.iter().all(|s| {
                    !s.to_lowercase().contains(folded.as_str())
                        && !s.to_uppercase().contains(upper.as_str())
                })
        })
        .collect()
}

/// The screen of an answer (SPEC §5): with a secret S the run sent and a
/// secret O it did not, in a text of filler and spellings of either,
/// - every whole spelling of S is gone once redacted (when S has
///   windows; one without is never replaced, only ever withheld);
/// - a window of O, in any spelling, is never shown: the answer is
///   withheld;
/// - filler alone comes back unchanged and is not withheld.
pub fn redactor(data: &[u8]) {
    let [sent, other, filler, choices] =
        <[String; 4]>::try_from(parts(data, 4)).expect("four parts");
    if !(8..=200).contains(&sent.len()) || sent.contains('\u{FFFD}') {
        return;
    }
    let other = if other.len() >= 8 && other.len() <= 200 && !other.contains('\u{FFFD}') {
        other
    } else {
        // A valid secret: at least 8 bytes.
        format!("o{:03}!Zq8#x", sent.len())
    };
    let values = [
        ("S", SecretValue::new(sent.clone())),
        ("O", SecretValue::new(other.clone())),
    ];
    let workspace = Arc::new(Fingerprints::build(
        HashKey::random(),
        1,
        values.iter().enumerate().map(|(i, (name, value))| Source {
            id: VariableId(i as i64 + 1),
            name,
            value,
        }),
    ));
    let screen = Screen::new(workspace, &[(VariableId(1), "S", &values[0].1)]);
    let filler = filler_of(&filler, &[&sent, &other]);
    let label = "[REDACTED:S]";
    if filler.contains("[REDACTED") {
        return;
    }
    // Filler alone.
    assert_eq!(screen.redact(&filler), filler);
    assert_eq!(screen.leaked([filler.as_str()]), None, "{filler:?}");

    // Filler with spellings of S.
    let chunks: Vec<&str> = filler.split('|').collect();
    let mut text = String::new();
    let mut inserted = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        text.push_str(chunk);
        if i + 1 < chunks.len() {
            let how = choices.as_bytes().get(i).copied().unwrap_or(i as u8);
            let form = spell(&sent, how);
            text.push_str(&form);
            inserted.push((how % 12, form));
        }
    }
    // As a run does: one scan; what it shows, and whether it withholds.
    let scan = screen.scan(&text);
    let out = screen.redacted(&scan, &text, text.len());
    let withheld = screen.leaked_in(&scan, text.len()).is_some();
    let sent_windows = windows(&sent);
    if sent_windows.whole {
        assert_eq!(out, text, "a secret without windows is never replaced");
        if !inserted.is_empty() {
            assert!(withheld, "{text:?}");
        }
    } else {
        let marked = out.replace(label, "\u{FFFF}");
        // A value's own `\`, `%` or `&` written raw (spellings 0-2) can
        // join the escape right after it, so the next spelling reads
        // another way: no escaper writes that mix, and it may be replaced
        // or else withheld, never shown.
        let raw_starters =
            sent.contains(['\\', '%', '&']) && inserted.iter().any(|(how, _)| *how <= 2);
        for (how, form) in &inserted {
            match how {
                5 => {} // its first and last characters mix in neighbours
                0..=4 => assert!(
                    !marked.to_lowercase().contains(&form.to_lowercase()),
                    "{form:?} left in {out:?}"
                ),
                // A mix no escaper writes (a value's own `%`, `&` or `\`
                // left raw among escaped characters) may be ambiguous: it
                // is replaced, or else the answer is withheld.
                11 => assert!(
                    withheld || !marked.contains(form.as_str()),
                    "{form:?} left in {out:?} and shown"
                ),
                _ if raw_starters => assert!(
                    withheld || !marked.contains(form.as_str()),
                    "{form:?} left in {out:?} and shown"
                ),
                _ => assert!(!marked.contains(form.as_str()), "{form:?} left in {out:?}"),
            }
        }
    }

    // A window of O, spelled any way, in the filler: withheld (unless the
    // piece is also all or part of S's whole value, which the run sent:
    // then it may be replaced in place as S).
    let other_windows = windows(&other).windows;
    let sent_chars = crate::server::rules::redaction::escapes::canonical(&sent);
    if let Some(w) = other_windows.get(choices.len() % other_windows.len().max(1)) {
        let piece: String = w.iter().collect();
        // The canonical form reads spaces as `+`: spell the original.
        let piece = piece.replace('+', " ");
        let in_sent = sent_chars.windows(w.len().max(1)).any(|s| s == &w[..]);
        if other.to_lowercase().contains(&piece) && !in_sent {
            let how = choices.as_bytes().first().copied().unwrap_or(0);
            let mut mid = filler.len() / 2;
            while !filler.is_char_boundary(mid) {
                mid -= 1;
            }
            let (head, tail) = filler.split_at(mid);
            let text = format!("{head}{}{tail}", spell(&piece, how));
            assert!(
                screen.leaked([text.as_str()]).is_some(),
                "a window of O was not found in {text:?}"
            );
        }
    }
}

#[cfg(test)]
mod property {
    use proptest::prelude::*;

    /// Text of printable ASCII and a few letters that change length or
    /// width with case or in UTF-8.
    fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                8 => proptest::char::range(' ', '~'),
                1 => proptest::sample::select(vec!['ä', 'ß', 'İ', 'ı', '€', '😀', '\n']),
            ],
            min..max,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// The fuzz target's oracle, on inputs built to reach it.
        #[test]
        fn the_screen_keeps_its_promises(
            sent in text(8, 48),
            other in text(8, 48),
            filler in proptest::collection::vec(
                prop_oneof![3 => Just('|'), 8 => proptest::char::range(' ', '~'), 1 => Just('·')],
                0..120,
            ).prop_map(|c| c.into_iter().collect::<String>()),
            choices in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut data = Vec::new();
            for part in [sent.as_bytes(), other.as_bytes(), filler.as_bytes(), &choices] {
                data.extend_from_slice(part);
                data.push(0xFF);
            }
            data.pop();
            super::redactor(&data);
        }
    }
}

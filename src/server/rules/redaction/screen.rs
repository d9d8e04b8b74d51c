//! What a run's answer goes through before anyone sees it (SPEC §5):
//! 1. the whole value of each secret the run sent, in any spelling a view
//!    reads, is replaced where it stands by `[REDACTED:NAME]`;
//! 2. then, if anything of any secret of the workspace is left (a window,
//!    or the whole value of a secret that has no window), the answer is
//!    withheld: never a partial replacement, which would tell a right
//!    guess from a wrong one.
//!
//! A secret without windows (less than 48 bits, a PIN) is never replaced
//! in place: an echoing host could then test guesses by the thousand in
//! one answer. It is only ever withheld, which is one loud, counted bit.

use super::escapes::{canonical, decode_all, Kinds};
use super::fingerprints::{Fingerprints, Seen, Source};
use super::pass::{self, Candidate, Scan};
use super::windows::{windows, WHOLE_MAX};
use crate::model::VariableId;
use crate::server::infra::crypto::SecretValue;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The longest spelling of one window: its characters, each escaped
/// (`%F0%9F%98%80`, `\ud83d\ude00`, `&#x0001F600;`: 12 bytes).
pub const MARGIN: usize = WHOLE_MAX * 12;

/// The screening of one run's answer.
pub struct Screen {
    workspace: Arc<Fingerprints>,
    /// The windows of what this run sent, whatever the workspace's set
    /// held when it was built.
    sent: Fingerprints,
    candidates: Vec<Candidate>,
    labels: Vec<String>,
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Screen({} candidates, [REDACTED])",
            self.candidates.len()
        )
    }
}

/// The value as the text an upstream would echo, in canonical characters:
/// as it is, and with its own escapes read (all of them, or all but one
/// kind, for an upstream that escaped it once more in that kind).
fn spellings(value: &str) -> Vec<Zeroizing<Vec<char>>> {
    let mut all = vec![Zeroizing::new(canonical(value))];
    let kinds = [
        Kinds::ALL,
        Kinds {
            percent: false,
            ..Kinds::ALL
        },
        Kinds {
            json: false,
            ..Kinds::ALL
        },
        Kinds {
            html: false,
            ..Kinds::ALL
        },
    ];
    for kinds in kinds {
        let decoded = Zeroizing::new(decode_all(value, kinds));
        let c = Zeroizing::new(canonical(&decoded));
        if !all.contains(&c) {
            all.push(c);
        }
    }
    all
}

impl Screen {
    /// The screen of a run that sent `sent` (id, name, value).
    pub fn new(workspace: Arc<Fingerprints>, sent: &[(VariableId, &str, &SecretValue)]) -> Screen {
        let key = workspace.key();
        let mut candidates = Vec::new();
        let mut labels = Vec::new();
        for (_, name, value) in sent {
            if windows(value.expose()).whole {
                continue;
            }
            let label = labels.len();
            labels.push(format!("[REDACTED:{name}]"));
            for chars in spellings(value.expose()) {
                let fp = key.of(&chars);
                candidates.push(Candidate { chars, fp, label });
            }
        }
        let sent = Fingerprints::build(
            key,
            workspace.generation,
            sent.iter()
                .map(|&(id, name, value)| Source { id, name, value }),
        );
        Screen {
            workspace,
            sent,
            candidates,
            labels,
        }
    }

    fn sets(&self) -> [&Fingerprints; 2] {
        [&self.workspace, &self.sent]
    }

    /// One pass over `text`'s views: the whole values of the sent secrets
    /// and the windows of every secret.
    pub fn scan(&self, text: &str) -> Scan {
        pass::scan(self.workspace.key(), &self.candidates, self.sets(), text)
    }

    /// `text[..limit]` as a scan of `text` says to show it: each whole
    /// value of a sent secret replaced by its label.
    pub fn redacted(&self, scan: &Scan, text: &str, limit: usize) -> String {
        scan.redacted(text, &self.labels, limit)
    }

    /// The first (by name) secret something of which a scan saw within
    /// `limit` bytes, outside the values it replaces.
    pub fn leaked_in(&self, scan: &Scan, limit: usize) -> Option<Seen> {
        scan.all_leaked(self.sets(), limit)
            .first()
            .map(|s| (*s).clone())
    }

    /// `text` with every whole value of a sent secret replaced.
    pub fn redact(&self, text: &str) -> String {
        if self.candidates.is_empty() {
            return text.to_string();
        }
        self.redacted(&self.scan(text), text, text.len())
    }

    /// The first (in name order) of the secrets something of which is in
    /// `texts` once the sent ones are replaced, if any.
    pub fn leaked<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Option<Seen> {
        texts
            .into_iter()
            .filter_map(|t| self.leaked_in(&self.scan(t), t.len()))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::rules::redaction::HashKey;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;

    const VALUE: &str = "s3cr3t Value/with+chars?&=%zz\\";

    /// A screen for a run that sent `sent`, in a workspace of `others`
    /// too.
    fn screen(sent: &[(&str, &str)], others: &[(&str, &str)]) -> Screen {
        let values: Vec<(String, SecretValue)> = sent
            .iter()
            .chain(others)
            .map(|(n, v)| (n.to_string(), SecretValue::new(v.to_string())))
            .collect();
        let id = |i: usize| VariableId(i as i64 + 1);
        let workspace = Arc::new(Fingerprints::build(
            HashKey::random(),
            1,
            values.iter().enumerate().map(|(i, (name, value))| Source {
                id: id(i),
                name,
                value,
            }),
        ));
        let sent: Vec<(VariableId, &str, &SecretValue)> = values[..sent.len()]
            .iter()
            .enumerate()
            .map(|(i, (n, v))| (id(i), n.as_str(), v))
            .collect();
        Screen::new(workspace, &sent)
    }

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

    /// `echo` inside ordinary text comes out as the label, and nothing
    /// else of the secret is left.
    fn replaced(s: &Screen, echo: &str) {
        let out = s.redact(&format!("before {echo} after"));
        assert_eq!(out, "before [REDACTED:TOKEN] after", "{echo}");
        assert_eq!(s.leaked([out.as_str()]), None, "{echo}");
    }

    #[test]
    fn every_spelling_of_a_sent_value_is_replaced() {
        let s = screen(&[("TOKEN", VALUE)], &[]);
        let json = serde_json::to_string(VALUE).unwrap();
        let json = json.trim_matches('"');
        let html: String = VALUE
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;");
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
            // A form decoder turned + into a space, an escaper & into &amp;.
            VALUE.replace('+', " "),
            VALUE.replace(' ', "+"),
            html,
            json.to_string(),
            json.replace('/', "\\/"),
            VALUE
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect(),
            VALUE.chars().map(|c| format!("&#{};", c as u32)).collect(),
        ] {
            replaced(&s, &echo);
        }
    }

    #[test]
    fn base64_at_any_alignment_is_replaced_leaving_only_mixed_characters() {
        let s = screen(&[("TOKEN", VALUE)], &[]);
        for prefix in ["", "u:", "us:", "user:"] {
            let echo = STANDARD.encode(format!("{prefix}{VALUE}"));
            let out = s.redact(&echo);
            assert!(out.contains("[REDACTED:TOKEN]"), "{prefix}: {out}");
            assert!(out.len() < "[REDACTED:TOKEN]".len() + 12, "{out}");
            assert_eq!(s.leaked([out.as_str()]), None, "{out}");
        }
    }

    #[test]
    fn anything_else_of_any_secret_is_withheld_never_replaced() {
        let other = "ghp_9aZ3kQ7mX2pL5vB8nC4d";
        let s = screen(
            &[("TOKEN", VALUE)],
            &[("OTHER", other), ("PIN", "48151623")],
        );
        for (text, name) in [
            // A truncated echo, as APIs write them.
            (
                "invalid token S3CR3T VALUE/WITH+CHA...".to_string(),
                "TOKEN",
            ),
            // A value the run did not send, whole or in part.
            (format!("got {other}"), "OTHER"),
            ("prefix 9aZ3kQ7mX2 suffix".to_string(), "OTHER"),
            (STANDARD.encode("9aZ3kQ7mX2pL"), "OTHER"),
            // A secret too short to window is matched whole.
            ("pin=48151623".to_string(), "PIN"),
        ] {
            let out = s.redact(&text);
            let seen = s.leaked([out.as_str()]).map(|s| s.name);
            assert_eq!(seen.as_deref(), Some(name), "{text}");
        }
        assert_eq!(s.leaked(["48151624 and 4815162"]), None);
    }

    #[test]
    fn a_secret_too_short_to_window_is_withheld_even_when_sent() {
        let s = screen(&[("PIN", "48151623")], &[]);
        let out = s.redact("your pin is 48151623");
        assert_eq!(out, "your pin is 48151623", "not replaced in place");
        assert_eq!(
            s.leaked([out.as_str()]).map(|s| s.name).as_deref(),
            Some("PIN")
        );
    }

    #[test]
    fn a_values_own_escape_characters_beside_the_texts_are_not_escapes() {
        // Found by the property test: the value's last `\` before the
        // text's `"` read as the JSON escape `\"`, in a spelling that mixes
        // raw, entity and percent characters.
        let value = "3st&B`*Az9!qW7e\\";
        let s = screen(&[("TOKEN", value)], &[]);
        let mixed: String = value
            .chars()
            .enumerate()
            .map(|(i, c)| match i % 3 {
                0 => c.to_string(),
                1 => format!("&#x{:X};", c as u32),
                _ => format!("%{:02x}", c as u32),
            })
            .collect();
        let out = s.redact(&format!(":{mixed}\":"));
        assert_eq!(out, ":[REDACTED:TOKEN]\":", "{mixed}");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let s = screen(
            &[("TOKEN", VALUE)],
            &[("OTHER", "ghp_9aZ3kQ7mX2pL5vB8nC4d")],
        );
        for text in [
            "no secret here",
            "s3cr3t Value/with",
            "%zz &#; &#x; \\u12 \\q & % +",
            "",
            "ab😀c",
            "ghp_ and 9aZ3kQ7mX",
        ] {
            assert_eq!(s.redact(text), text);
            assert_eq!(s.leaked([text]), None, "{text}");
        }
    }
}

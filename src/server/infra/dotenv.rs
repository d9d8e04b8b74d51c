//! The `.env` format, for bulk import (issue 16): `KEY=value` lines, an
//! optional `export ` prefix, `#` comments, and values bare, in single
//! quotes (taken as they are) or in double quotes (with `\n`, `\t`, `\"`
//! and `\\` escapes; both quotes may span lines). A line that is none of
//! these is an error naming its number and the rule, never its text: a
//! malformed line may hold a secret.

use std::fmt;

/// One `KEY=value` pair and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub rule: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.rule)
    }
}

impl std::error::Error for ParseError {}

fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a whole file in one pass: each byte is read once, however its
/// quotes fall (a quote left open is found at once, not by reading the
/// rest again at every line). Keys keep their spelling; a repeated key is
/// kept each time (the caller decides: import refuses repeats).
pub fn parse(text: &str) -> Result<Vec<Entry>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries = Vec::new();
    let mut at = 0;
    let mut number = 0;
    while at < text.len() || (at == 0 && number == 0) {
        number += 1;
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let raw = &text[at..end];
        let next = (end + 1).min(text.len() + 1);
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim_start();
        if line.is_empty() || line.starts_with('#') {
            at = next;
            continue;
        }
        let line = line
            .strip_prefix("export")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map_or(line, str::trim_start);
        let refuse = |rule| ParseError { line: number, rule };
        let Some((key, rest)) = line.split_once('=') else {
            return Err(refuse("expected KEY=value"));
        };
        let key = key.trim_end();
        if !is_key(key) {
            return Err(refuse(
                "a key starts with a letter or _ and holds only letters, digits and _",
            ));
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                // The quoted text may go on over the next lines: find its
                // closing quote in the rest of the file, once.
                let open = end - raw.len() + (raw.len() - rest.len()) + 1;
                let close = closing_quote(&text[open..], quote)
                    .map(|i| open + i)
                    .ok_or_else(|| refuse("a quoted value is not closed"))?;
                let line_end = text[close..].find('\n').map_or(text.len(), |i| close + i);
                let after = text[close + 1..line_end].trim();
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(refuse("only a comment may follow a quoted value"));
                }
                let inner = text[open..close].replace("\r\n", "\n");
                let start_line = number;
                number += text[open..close].matches('\n').count();
                at = line_end + 1;
                let value = if quote == '"' {
                    unescape(&inner).ok_or(ParseError {
                        line: start_line,
                        rule: "an unknown escape in a double-quoted value",
                    })?
                } else {
                    inner
                };
                entries.push(Entry {
                    line: start_line,
                    key: key.to_string(),
                    value,
                });
                continue;
            }
            _ => {
                // Bare: up to a ` #` comment, trimmed.
                let end = rest
                    .char_indices()
                    .find(|&(i, c)| c == '#' && i > 0 && rest[..i].ends_with([' ', '\t']))
                    .map_or(rest.len(), |(i, _)| i);
                rest[..end].trim_end().to_string()
            }
        };
        entries.push(Entry {
            line: number,
            key: key.to_string(),
            value,
        });
        at = next;
    }
    Ok(entries)
}

/// Where the closing quote is: a `'` is the first one; a `"` the first
/// not escaped by a backslash.
fn closing_quote(body: &str, quote: char) -> Option<usize> {
    if quote == '\'' {
        return body.find('\'');
    }
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '"' => '"',
            '\\' => '\\',
            '$' => '$',
            _ => return None,
        });
    }
    Some(out)
}

/// Writes pairs so that [`parse`] reads them back as they are: double
/// quotes with escapes whenever the value is not plain.
pub fn serialize<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        let plain = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:@+,".contains(c));
        out.push_str(key);
        out.push('=');
        if plain {
            out.push_str(value);
        } else {
            out.push('"');
            for c in value.chars() {
                match c {
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    #[test]
    fn reads_the_usual_forms() {
        let text = "# a comment\n\
                    \n\
                    PLAIN=value\n\
                    export EXPORTED = spaced value  # trailing comment\n\
                    HASH=a#b\n\
                    SINGLE='it is $RAW \\n'\n\
                    DOUBLE=\"line\\none \\\"q\\\" \\\\\" # c\n\
                    EMPTY=\n\
                    MULTI=\"first\n\
                    second\"\r\n\
                    _UNDER=1\n";
        assert_eq!(
            pairs(text),
            [
                ("PLAIN", "value"),
                ("EXPORTED", "spaced value"),
                ("HASH", "a#b"),
                ("SINGLE", "it is $RAW \\n"),
                ("DOUBLE", "line\none \"q\" \\"),
                ("EMPTY", ""),
                ("MULTI", "first\nsecond"),
                ("_UNDER", "1"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        // The line of each entry is where it starts.
        let lines: Vec<usize> = parse(text).unwrap().iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 11]);
    }

    #[test]
    fn errors_name_the_line_and_the_rule_never_the_text() {
        for (text, line, rule) in [
            ("A=1\nno equals sign sk-live-123\n", 2, "expected KEY=value"),
            ("1BAD=x", 1, "a key starts with a letter or _"),
            ("A-B=x", 1, "a key starts with a letter or _"),
            (
                "A=\"open sk-live-123\nB=2\n",
                1,
                "a quoted value is not closed",
            ),
            ("A='x' y", 1, "only a comment may follow"),
            ("A=\"\\q\"", 1, "an unknown escape"),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}");
            assert!(err.to_string().contains(rule), "{err}");
            assert!(!err.to_string().contains("sk-live"), "{err}");
        }
        assert_eq!(pairs("exportA=1"), [("exportA".into(), "1".into())]);
    }

    #[test]
    fn an_unclosed_quote_fails_at_once_however_long_the_file() {
        let text = format!("A=\"{}", "x\n".repeat(1_000_000));
        let started = std::time::Instant::now();
        let err = parse(&text).unwrap_err();
        assert_eq!(err.to_string(), "line 1: a quoted value is not closed");
        // A hang detector, not a speed goal (BENCHMARKS.md has those): one
        // pass takes milliseconds, the old re-scan at every line hours.
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        // A closing quote far away: read once, line numbers kept.
        let text = format!("A=\"{}\"\nB=2\n", "x\n".repeat(100_000));
        let entries = parse(&text).unwrap();
        assert_eq!(entries[1].line, 100_002);
    }

    proptest! {
        /// Any pairs written by `serialize` read back as the same pairs.
        #[test]
        fn serialised_pairs_parse_back(
            entries in proptest::collection::vec(
                ("[A-Za-z_][A-Za-z0-9_]{0,20}", "\\PC{0,40}|[ \\t\\n\"'#\\\\=$]{0,10}"),
                0..12,
            )
        ) {
            let text = serialize(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let back = pairs(&text);
            prop_assert_eq!(back, entries);
        }

        /// Whatever a file holds, parsing ends (an error or entries), and a
        /// parsed file written again reads the same.
        #[test]
        fn any_parsed_file_round_trips(text in "\\PC{0,200}") {
            if let Ok(entries) = parse(&text) {
                let again = serialize(entries.iter().map(|e| (e.key.as_str(), e.value.as_str())));
                let back: Vec<(String, String)> = pairs(&again);
                let first: Vec<(String, String)> =
                    entries.into_iter().map(|e| (e.key, e.value)).collect();
                prop_assert_eq!(back, first);
            }
        }
    }
}

//! The templates of an API block's fields: text with `{{secret:NAME}}` and
//! `{{var:NAME}}` placeholders. One small parser, shared by the browser
//! (chips, the picker) and the server (saving, running).
//!
//! `{{` starts a placeholder only when `secret:` or `var:` follows (spaces
//! allowed around the parts, kind in any case); any other `{{` is text, so
//! JSON and other templating in a body pass through untouched. Parsing
//! keeps the exact source of every piece: `render(parse(s)) == s`.

use crate::model::codes::codes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefKind {
    Secret,
    Var,
}

codes!(RefKind {
    Secret = "secret",
    Var = "var",
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Ref {
        kind: RefKind,
        name: &'a str,
        /// The placeholder as written, braces included.
        source: &'a str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("a placeholder is not closed with }}}}")]
    Unclosed,
    #[error("{0:?} is not a valid name in a placeholder")]
    BadName(String),
}

fn placeholder_kind(rest: &str) -> Option<(RefKind, usize)> {
    let trimmed = rest.trim_start_matches(' ');
    let skipped = rest.len() - trimmed.len();
    for (kind, word) in [(RefKind::Secret, "secret:"), (RefKind::Var, "var:")] {
        if trimmed.len() >= word.len()
            && trimmed.is_char_boundary(word.len())
            && trimmed[..word.len()].eq_ignore_ascii_case(word)
        {
            return Some((kind, skipped + word.len()));
        }
    }
    None
}

/// Splits a template into text and placeholders.
pub fn parse(input: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while let Some(found) = input[i..].find("{{") {
        let open = i + found;
        let after = open + 2;
        let Some((kind, skip)) = placeholder_kind(&input[after..]) else {
            // One brace on: in `{{{secret:X}}` the placeholder starts at
            // the second brace.
            i = open + 1;
            continue;
        };
        let name_start = after + skip;
        let close = input[name_start..]
            .find("}}")
            .map(|p| name_start + p)
            .ok_or(TemplateError::Unclosed)?;
        let name = input[name_start..close].trim_matches(' ');
        if crate::model::VariableName::parse(name).is_err() {
            return Err(TemplateError::BadName(name.to_string()));
        }
        if open > text_start {
            pieces.push(Piece::Text(&input[text_start..open]));
        }
        pieces.push(Piece::Ref {
            kind,
            name,
            source: &input[open..close + 2],
        });
        i = close + 2;
        text_start = i;
    }
    if text_start < input.len() {
        pieces.push(Piece::Text(&input[text_start..]));
    }
    Ok(pieces)
}

/// The template back as text, exactly as parsed.
pub fn render(pieces: &[Piece<'_>]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => *t,
            Piece::Ref { source, .. } => *source,
        })
        .collect()
}

/// The names a template refers to, of one kind, in order (with repeats).
pub fn refs(pieces: &[Piece<'_>], want: RefKind) -> Vec<String> {
    pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Ref { kind, name, .. } if *kind == want => Some(name.to_string()),
            _ => None,
        })
        .collect()
}

/// The canonical placeholder for a secret.
pub fn secret_placeholder(name: &str) -> String {
    format!("{{{{secret:{name}}}}}")
}

/// Puts `{{secret:NAME}}` into `text`: in place of the secret placeholder
/// it already holds (one secret per field), else at byte offset `cursor`
/// (the end when `None` or out of range; just after a placeholder the
/// cursor is inside, which would otherwise be broken). Returns the new text
/// and the offset just after the placeholder.
pub fn insert_secret(text: &str, name: &str, cursor: Option<usize>) -> (String, usize) {
    let placeholder = secret_placeholder(name);
    let mut at = cursor.unwrap_or(text.len()).min(text.len());
    if let Ok(pieces) = parse(text) {
        let mut start = 0;
        for p in &pieces {
            let end = start + render(std::slice::from_ref(p)).len();
            if matches!(p, Piece::Ref { .. }) && start < at && at < end {
                at = end;
            }
            start = end;
        }
        let mut out = String::new();
        let mut end = None;
        for p in &pieces {
            match p {
                Piece::Ref {
                    kind: RefKind::Secret,
                    ..
                } if end.is_none() => {
                    out.push_str(&placeholder);
                    end = Some(out.len());
                }
                Piece::Ref { source, .. } => out.push_str(source),
                Piece::Text(t) => out.push_str(t),
            }
        }
        if let Some(end) = end {
            return (out, end);
        }
    }
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let out = format!("{}{}{}", &text[..at], placeholder, &text[at..]);
    (out, at + placeholder.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_placeholders_and_keeps_other_braces() {
        let p = parse("Bearer {{secret:ZENDESK_TOKEN}}").unwrap();
        assert_eq!(
            p,
            [
                Piece::Text("Bearer "),
                Piece::Ref {
                    kind: RefKind::Secret,
                    name: "ZENDESK_TOKEN",
                    source: "{{secret:ZENDESK_TOKEN}}"
                }
            ]
        );
        let json = r#"{"a": {{"b": 1}}, "t": "{{ var:Region }}"}"#;
        let p = parse(json).unwrap();
        assert_eq!(refs(&p, RefKind::Var), ["Region"]);
        assert_eq!(render(&p), json);
        assert_eq!(
            refs(&parse("{{SECRET:x}}").unwrap(), RefKind::Secret),
            ["x"]
        );
    }

    #[test]
    fn a_brace_before_a_placeholder_is_text() {
        // Found by the property test below: a secret inserted after a `{`.
        let p = parse("a{{{secret:PICKED}}").unwrap();
        assert_eq!(p[0], Piece::Text("a{"));
        assert_eq!(refs(&p, RefKind::Secret), ["PICKED"]);
        assert_eq!(insert_secret("} }a{", "T", Some(5)).0, "} }a{{{secret:T}}");
        assert_eq!(
            refs(&parse("} }a{{{secret:T}}").unwrap(), RefKind::Secret),
            ["T"]
        );
    }

    #[test]
    fn broken_placeholders_are_errors() {
        assert_eq!(parse("{{secret:A"), Err(TemplateError::Unclosed));
        assert!(matches!(
            parse("{{secret:1A}}"),
            Err(TemplateError::BadName(_))
        ));
        assert!(matches!(parse("{{var:}}"), Err(TemplateError::BadName(_))));
        assert!(matches!(
            parse("{{secret:a b}}"),
            Err(TemplateError::BadName(_))
        ));
    }

    #[test]
    fn choosing_a_secret_replaces_the_one_there_or_inserts_at_the_cursor() {
        assert_eq!(insert_secret("Bearer ", "T", None).0, "Bearer {{secret:T}}");
        assert_eq!(
            insert_secret("ab", "T", Some(1)),
            ("a{{secret:T}}b".to_string(), 13)
        );
        assert_eq!(
            insert_secret("x {{secret:OLD}} y {{var:V}}", "NEW", Some(0)).0,
            "x {{secret:NEW}} y {{var:V}}"
        );
        assert_eq!(insert_secret("é", "T", Some(1)).0, "{{secret:T}}é");
        // A cursor inside a variable's placeholder (found by fuzzing): after it.
        assert_eq!(
            insert_secret("a {{var:V}} b", "T", Some(6)),
            ("a {{var:V}}{{secret:T}} b".to_string(), 23)
        );
        assert_eq!(
            insert_secret("{{var:V}}", "T", Some(2)).0,
            "{{var:V}}{{secret:T}}"
        );
        assert_eq!(
            insert_secret("{{var:V}}", "T", Some(0)).0,
            "{{secret:T}}{{var:V}}"
        );
    }

    proptest! {
        #[test]
        fn any_input_parses_to_an_exact_round_trip_or_an_error(s in ".{0,200}") {
            if let Ok(pieces) = parse(&s) {
                prop_assert_eq!(render(&pieces), s);
            }
        }

        #[test]
        fn brace_heavy_input_too(s in "[{}a-z:_ ]{0,60}(secret:|var:)?[{}A-Z_ ]{0,20}") {
            if let Ok(pieces) = parse(&s) {
                prop_assert_eq!(render(&pieces), s);
            }
        }

        #[test]
        fn inserting_a_secret_leaves_exactly_one(s in "[a-z {}]{0,40}", at in 0usize..50) {
            let before = parse(&s).map(|p| refs(&p, RefKind::Secret).len());
            if matches!(before, Ok(0) | Ok(1)) {
                let (out, _) = insert_secret(&s, "PICKED", Some(at));
                let pieces = parse(&out).unwrap();
                prop_assert_eq!(refs(&pieces, RefKind::Secret), vec!["PICKED".to_string()]);
            }
        }
    }
}

//! Filling a block's fields for a run: each placeholder's value put in,
//! within the field's size cap, checked before anything past it is
//! allocated (a 1 MiB body of references to a 64 KiB variable must not
//! become gigabytes). Refusals name the field and the limit, never text.

use crate::error::AppError;
use crate::server::infra::crypto::SecretValue;
use crate::server::infra::hosts::HostPatterns;
use crate::template::{self, Piece, RefKind};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// The filled size caps (SPEC §5): the URL with its query rows, each
/// header value, the body.
pub const URL_MAX: usize = 8 * 1024;
pub const HEADER_MAX: usize = 8 * 1024;
pub const BODY_MAX: usize = 1024 * 1024;

/// A secret decrypted for one run.
pub struct UsedSecret {
    pub id: crate::model::VariableId,
    pub name: String,
    pub value: SecretValue,
    pub allowed: HostPatterns,
    pub expires_on: Option<String>,
}

/// What a run's placeholders stand for, keyed by lower-case name, each
/// looked up once.
#[derive(Default)]
pub struct Values {
    pub secrets: BTreeMap<String, UsedSecret>,
    pub vars: BTreeMap<String, String>,
}

/// What a secret counts for against a cap: its length rounded up to a
/// power of two (at least 256), so a refusal tells an editor who pads a
/// field only the bucket of a secret's length, not the length itself.
pub fn counted_len(secret_len: usize) -> usize {
    secret_len.next_power_of_two().max(256)
}

/// Says that `label`, once filled, passes `cap`.
pub fn too_large(label: &str, cap: usize) -> AppError {
    AppError::rule(format!(
        "{label}: once filled in, it is larger than {} KiB",
        cap / 1024
    ))
}

/// Each placeholder of `text` filled in, at most `cap` bytes in all.
pub fn fill(
    text: &str,
    values: &Values,
    label: &str,
    cap: usize,
) -> Result<Zeroizing<String>, AppError> {
    let pieces = template::parse(text).map_err(|e| AppError::rule(e.to_string()))?;
    let mut out = Zeroizing::new(String::new());
    let mut counted = 0;
    for piece in pieces {
        let is_secret = matches!(
            piece,
            Piece::Ref {
                kind: RefKind::Secret,
                ..
            }
        );
        let part = match piece {
            Piece::Text(t) => t,
            Piece::Ref {
                kind: RefKind::Secret,
                name,
                ..
            } => values
                .secrets
                .get(&name.to_ascii_lowercase())
                .ok_or_else(|| AppError::rule(format!("Missing secret {name}")))?
                .value
                .expose(),
            Piece::Ref {
                kind: RefKind::Var,
                name,
                ..
            } => values
                .vars
                .get(&name.to_ascii_lowercase())
                .ok_or_else(|| AppError::rule(format!("Missing variable {name}")))?,
        };
        counted += if is_secret {
            counted_len(part.len())
        } else {
            part.len()
        };
        if counted > cap {
            return Err(too_large(label, cap));
        }
        out.push_str(part);
    }
    Ok(out)
}

/// The names a set of fields refers to, once each (lower case).
pub fn names(fields: &[&str], kind: RefKind) -> Result<Vec<String>, AppError> {
    let mut names = Vec::new();
    for field in fields {
        let pieces = template::parse(field).map_err(|e| AppError::rule(e.to_string()))?;
        names.extend(template::refs(&pieces, kind));
    }
    names.sort_by_key(|n| n.to_ascii_lowercase());
    names.dedup_by_key(|n| n.to_ascii_lowercase());
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_field_stops_at_its_cap() {
        let mut values = Values::default();
        values.vars.insert("big".into(), "x".repeat(64 * 1024));
        let body = "{{var:BIG}}".repeat(100_000);
        let err = fill(&body, &values, "Body", BODY_MAX).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Body: once filled in, it is larger than 1024 KiB"
        );
        let ok = fill("a{{var:big}}b", &values, "Body", BODY_MAX).unwrap();
        assert_eq!(ok.len(), 64 * 1024 + 2);
        let err = fill("{{var:BIG}}", &values, "Header value 1", HEADER_MAX).unwrap_err();
        assert!(err.to_string().starts_with("Header value 1: "), "{err}");
    }

    #[test]
    fn a_secret_counts_as_the_bucket_of_its_length() {
        let mut values = Values::default();
        values
            .vars
            .insert("pad".into(), "p".repeat(HEADER_MAX - 300));
        values.secrets.insert(
            "t".into(),
            UsedSecret {
                id: crate::model::VariableId(1),
                name: "T".into(),
                value: SecretValue::new("s".repeat(20)),
                allowed: HostPatterns::default(),
                expires_on: None,
            },
        );
        // 20 bytes count as 256: the same answer for any length up to it.
        assert!(fill("{{var:pad}}{{secret:T}}", &values, "H", HEADER_MAX).is_ok());
        values
            .vars
            .insert("pad".into(), "p".repeat(HEADER_MAX - 255));
        assert!(fill("{{var:pad}}{{secret:T}}", &values, "H", HEADER_MAX).is_err());
    }

    #[test]
    fn names_are_listed_once_in_any_case() {
        let n = names(
            &["{{var:A}}{{var:a}}", "{{VAR:b}} {{secret:A}}"],
            RefKind::Var,
        )
        .unwrap();
        assert_eq!(n, ["A", "b"]);
    }
}

//! No over-masking: ordinary answers (`tests/fixtures/answers`) pass
//! unchanged while the workspace holds the kinds of secrets people keep
//! (`tests/fixtures/secrets`). The same fixtures run end to end in
//! `tests/api/redaction.rs`.

use super::{Fingerprints, HashKey, Screen, Source};
use crate::model::VariableId;
use crate::server::infra::crypto::SecretValue;
use std::path::Path;
use std::sync::Arc;

/// `(name, text)` of each file of a fixture folder, sorted; a file named
/// `*-keys.txt` holds one secret a line.
pub fn fixtures(folder: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the fixtures") {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if stem.ends_with("-keys") {
            for (i, line) in text.lines().enumerate() {
                out.push((
                    format!("{}_{i}", stem.to_uppercase().replace('-', "_")),
                    line.into(),
                ));
            }
        } else {
            out.push((stem, text));
        }
    }
    out.sort();
    out
}

#[test]
fn ordinary_answers_pass_unchanged() {
    let secrets: Vec<(String, SecretValue)> = fixtures("secrets")
        .into_iter()
        .map(|(n, v)| (n, SecretValue::new(v)))
        .collect();
    assert!(secrets.len() > 100);
    let id = |i: usize| VariableId(i as i64 + 1);
    let set = Arc::new(Fingerprints::build(
        HashKey::random(),
        1,
        secrets.iter().enumerate().map(|(i, (name, value))| Source {
            id: id(i),
            name,
            value,
        }),
    ));
    let sent: Vec<_> = secrets
        .iter()
        .enumerate()
        .map(|(i, (n, v))| (id(i), n.as_str(), v))
        .collect();
    let screen = Screen::new(set.clone(), &sent);
    let answers = fixtures("answers");
    assert_eq!(answers.len(), 4);
    for (what, text) in answers {
        assert_eq!(screen.redact(&text), text, "{what} changed");
        assert_eq!(screen.leaked([text.as_str()]), None, "{what} withheld");
    }
    // Each secret is found where a run did not send it.
    let screen = Screen::new(set, &[]);
    for (name, value) in &secrets {
        let text = format!("x {} y", value.expose());
        assert!(screen.leaked([text.as_str()]).is_some(), "{name}");
    }
}

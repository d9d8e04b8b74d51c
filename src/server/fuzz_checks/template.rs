use super::parts;
use crate::template::{self, RefKind};

/// The template parser: an exact round trip, and choosing a secret in the
/// picker leaves exactly that one secret.
pub fn template(data: &[u8]) {
    let [text, cursor] = <[String; 2]>::try_from(parts(data, 2)).expect("two parts");
    let Ok(pieces) = template::parse(&text) else {
        return;
    };
    assert_eq!(template::render(&pieces), text, "round trip");
    for kind in [RefKind::Secret, RefKind::Var] {
        for name in template::refs(&pieces, kind) {
            assert!(crate::model::check_variable_name(&name).is_ok(), "{name:?}");
        }
    }
    if template::refs(&pieces, RefKind::Secret).len() <= 1 {
        let at = cursor.len().checked_sub(1);
        let (out, end) = template::insert_secret(&text, "PICKED", at);
        let again = template::parse(&out).expect("an inserted secret parses");
        assert_eq!(
            template::refs(&again, RefKind::Secret),
            ["PICKED"],
            "{out:?}"
        );
        assert!(out.is_char_boundary(end) && out[..end].ends_with("{{secret:PICKED}}"));
    }
}

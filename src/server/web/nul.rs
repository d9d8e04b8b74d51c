//! NUL characters in what a request sends. A NUL is valid UTF-8 but
//! PostgreSQL refuses it in text, so it is refused at the edge, the same on
//! both databases, for every text input: a field error naming where it
//! was, never what was around it.

use crate::error::AppError;
use serde_json::Value;

/// The refusal for field `field`.
pub fn refusal(field: &str) -> AppError {
    AppError::invalid(field, format!("{field}: text may not hold a NUL character"))
}

/// A field name as the request wrote it, if it is one of ours (letters,
/// digits, `_`, `.` and `[]`): an unknown key is named `body` instead, so
/// the answer repeats nothing a client chose.
fn field_name(key: &str) -> String {
    let ours = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.[]".contains(&b));
    if ours {
        key.to_string()
    } else {
        "body".to_string()
    }
}

/// The first form field (`a=b&c=d`) holding a NUL, in its key or value.
pub fn in_form(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| field_name(&k))
}

/// The path (`headers[1].value`) of the first JSON string holding a NUL.
pub fn in_json(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| in_json(v).map(|rest| format!("[{i}]{}", dotted(&rest)))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                return Some("body".to_string());
            }
            in_json(v).map(|rest| format!("{}{}", field_name(k), dotted(&rest)))
        }),
        _ => None,
    }
}

fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_string()
    } else {
        format!(".{rest}")
    }
}

/// The field holding a NUL in a request body of `content_type`.
pub fn in_body(content_type: &str, body: &[u8]) -> Option<String> {
    if content_type.starts_with("application/json") {
        return match serde_json::from_slice::<Value>(body) {
            Ok(value) => in_json(&value).map(|f| if f.is_empty() { "body".into() } else { f }),
            // Not JSON: the handler says so; a raw NUL is still refused.
            Err(_) => body.contains(&0).then(|| "body".to_string()),
        };
    }
    in_form(body).or_else(|| body.contains(&0).then(|| "body".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_is_named_and_nothing_else_repeated() {
        assert_eq!(in_form(b"workspace=a&name=x%00y").as_deref(), Some("name"));
        assert_eq!(in_form(b"a=1&b=2"), None);
        assert_eq!(in_form(b"s3cr3t%00=1").as_deref(), Some("body"));
        assert_eq!(in_form(b"k%20ey=%00").as_deref(), Some("body"));
        let json = serde_json::json!({
            "workspace": "w",
            "block": { "url": "u", "headers": [{ "name": "a", "value": "b" }, { "name": "c", "value": "x\u{0}" }] }
        });
        assert_eq!(in_json(&json).as_deref(), Some("block.headers[1].value"));
        assert_eq!(
            in_body("application/json", b"\"\\u0000\"").as_deref(),
            Some("body")
        );
        assert_eq!(in_body("application/json", b"{\"a\":\"\\\\u0000\"}"), None);
        assert_eq!(in_body("text/plain", b"a\0b").as_deref(), Some("body"));
        assert_eq!(
            refusal("name").to_string(),
            "name: text may not hold a NUL character"
        );
    }
}

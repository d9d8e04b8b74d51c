//! What an API block may hold, checked when it is saved and again when it
//! runs (data saved before a rule existed must not slip through).

/// Headers only varvault may set. Routing and framing: `Host` (a shared
/// front end routes by it, so `Host: other-site` next to an allowed host's
/// secret would reach another tenant) and the hop-by-hop ones. What a
/// browser alone sends (`Origin`, `Sec-*`): a block must not pass for one.
/// varvault's mark (`Varvault-Outbound`), which only it sets. And what
/// decides the form of the answer, which the server must be able to read
/// to redact it (`Accept-Encoding`, `Accept-Charset`, `Range`, `If-Range`).
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "keep-alive",
    "expect",
    "origin",
    crate::server::infra::outbound::MARK,
    "accept-encoding",
    "accept-charset",
    "range",
    "if-range",
];
const RESERVED_PREFIXES: &[&str] = &["proxy-", "sec-"];

/// The refusal for header `name` of row `row` (1-based), if any: an empty
/// or malformed name, or one only varvault sets.
pub fn header_name_refusal(row: usize, name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        return Some(format!("Header name {row} is not a valid header name"));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_HEADERS.contains(&lower.as_str())
        || RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        return Some(format!(
            "Header name {row}: {name} cannot be set in a block (varvault sets Host, \
             Connection, Content-Length, Transfer-Encoding, TE, Trailer, Upgrade, Keep-Alive, \
             Expect, Proxy-*, Origin, Sec-*, Varvault-Outbound, Accept-Encoding, \
             Accept-Charset, Range and If-Range itself)"
        ));
    }
    None
}

/// The names of varvault's session cookie (plain, and `__Host-` over https).
const SESSION_COOKIE: &str = "varvault_session=";
/// An access token: `vv_` and 43 base64url characters.
const TOKEN_PREFIX: &str = "vv_";
const TOKEN_BODY: usize = 43;

/// Whether a header value holds one of varvault's own credentials: a
/// session cookie or an access token. A block that carried one could act
/// as its owner wherever it reached varvault.
pub fn carries_credential(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower.contains(SESSION_COOKIE) {
        return true;
    }
    value.match_indices(TOKEN_PREFIX).any(|(at, _)| {
        value[at + TOKEN_PREFIX.len()..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count()
            >= TOKEN_BODY
    })
}

/// The refusal for header value `row` (1-based) that carries a credential.
pub fn credential_refusal(row: usize) -> String {
    format!("Header value {row}: A block cannot carry varvault's own credentials")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_and_framing_headers_are_refused_in_any_case() {
        for name in [
            "Host",
            "HOST",
            "connection",
            "Content-Length",
            "transfer-encoding",
            "TE",
            "Trailer",
            "Upgrade",
            "Keep-Alive",
            "Expect",
            "Proxy-Authorization",
            "proxy-connection",
            "Origin",
            "Sec-Fetch-Site",
            "sec-ch-ua",
            "Varvault-Outbound",
            "VARVAULT-OUTBOUND",
            "Accept-Encoding",
            "Accept-Charset",
            "Range",
            "If-Range",
        ] {
            let refusal = header_name_refusal(2, name).expect(name);
            assert!(refusal.starts_with("Header name 2: "), "{refusal}");
        }
        for name in [
            "Authorization",
            "X-Host",
            "Accept",
            "Hostname",
            "Content-Type",
            "X-Origin",
            "Secret",
            "Cookie",
        ] {
            assert_eq!(header_name_refusal(1, name), None, "{name}");
        }
        assert!(header_name_refusal(1, "Bad Header")
            .unwrap()
            .contains("not a valid header name"));
    }

    #[test]
    fn varvault_credentials_are_recognised_in_any_header_value() {
        let token = format!("vv_{}", "A".repeat(43));
        for value in [
            "varvault_session=abc".to_string(),
            "a=b; __Host-varvault_session=xyz".to_string(),
            "VARVAULT_SESSION=abc".to_string(),
            format!("Bearer {token}"),
            format!("{token}extra"),
            format!("x{token}"),
        ] {
            assert!(carries_credential(&value), "{value}");
        }
        for value in [
            "varvault_session",
            "Bearer vv_short",
            "vv_",
            "session=abc",
            "Bearer sk_live_0123456789012345678901234567890123456789",
        ] {
            assert!(!carries_credential(value), "{value}");
        }
        assert_eq!(
            credential_refusal(2),
            "Header value 2: A block cannot carry varvault's own credentials"
        );
    }
}

//! What an API block may hold, checked when it is saved and again when it
//! runs (data saved before a rule existed must not slip through).

/// Headers only the HTTP client may set: they decide where the request is
/// routed (`Host`: a shared front end routes by it, so `Host: other-site`
/// next to an allowed host's secret would reach another tenant) or how it
/// is framed.
const CLIENT_HEADERS: &[&str] = &[
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "keep-alive",
    "expect",
];

/// The refusal for header `name` of row `row` (1-based), if any: an empty
/// or malformed name, or one the client alone sets.
pub fn header_name_refusal(row: usize, name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        return Some(format!("Header name {row} is not a valid header name"));
    }
    let lower = name.to_ascii_lowercase();
    if CLIENT_HEADERS.contains(&lower.as_str()) || lower.starts_with("proxy-") {
        return Some(format!(
            "Header name {row}: {name} cannot be set in a block (the headers Host, Connection, \
             Content-Length, Transfer-Encoding, TE, Trailer, Upgrade, Keep-Alive, Expect and \
             Proxy-* are set by varvault)"
        ));
    }
    None
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
        ] {
            assert_eq!(header_name_refusal(1, name), None, "{name}");
        }
        assert!(header_name_refusal(1, "Bad Header")
            .unwrap()
            .contains("not a valid header name"));
    }
}

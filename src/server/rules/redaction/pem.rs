//! Private keys in PEM: only their private parts are windows. A key holds
//! its public half too (an RSA key its modulus and exponent, an EC key
//! its point), which the matching certificate carries in the clear, so
//! windowing the whole base64 body would withhold every answer that shows
//! the certificate. The DER is walked just enough to find the private
//! integers and octet strings; a key that does not parse (encrypted, an
//! unknown kind) is windowed whole.

use base64::Engine;

/// Window length over a key's base64 (letters, digits, `+` and `/`,
/// case-folded: over 48 bits in 10 characters).
pub const KEY_WINDOW: usize = 10;

/// A PEM private key found in a value: the byte range of the block in
/// the value, and its base64 body with line breaks (and their `\n`
/// escapes, as in a service account's JSON) taken out.
pub struct PemKey {
    pub start: usize,
    pub end: usize,
    pub body: String,
}

/// The private keys of a value.
pub fn private_keys(value: &str) -> Vec<PemKey> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = value[from..].find("-----BEGIN ") {
        let start = from + at;
        let Some(label_end) = value[start + 11..].find("-----") else {
            break;
        };
        let label = &value[start + 11..start + 11 + label_end];
        let body_start = start + 11 + label_end + 5;
        let end_marker = format!("-----END {label}-----");
        let Some(body_len) = value[body_start..].find(&end_marker) else {
            break;
        };
        let end = body_start + body_len + end_marker.len();
        from = end;
        if !label.ends_with("PRIVATE KEY") {
            continue;
        }
        let body: String = value[body_start..body_start + body_len]
            .replace("\\n", "")
            .replace("\\r", "")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push(PemKey { start, end, body });
    }
    out
}

/// A DER element: its tag and the byte range of its contents.
fn element(der: &[u8], at: usize) -> Option<(u8, usize, usize)> {
    let tag = *der.get(at)?;
    let first = *der.get(at + 1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for k in 0..n {
            len = len << 8 | *der.get(at + 2 + k)? as usize;
        }
        (len, 2 + n)
    };
    let start = at + header;
    let end = start.checked_add(len)?;
    (end <= der.len()).then_some((tag, start, end))
}

/// The children of a constructed element's contents.
fn children(der: &[u8], start: usize, end: usize) -> Option<Vec<(u8, usize, usize)>> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let e = element(der, at)?;
        at = e.2;
        out.push(e);
    }
    (at == end).then_some(out)
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;

/// The private ranges of an RSA key (PKCS #1: the integers after the
/// modulus and the public exponent) or an EC key (SEC 1: its octet
/// string), or of a PKCS #8 wrapping of either, or of a raw key (Ed25519).
fn private_ranges(der: &[u8], start: usize, end: usize, depth: u8) -> Option<Vec<(usize, usize)>> {
    if depth > 2 {
        return None;
    }
    let (tag, s, e) = element(der, start)?;
    if tag != SEQUENCE || e != end {
        // PKCS #8 of Ed25519/X25519: an octet string holding the key.
        return (tag == OCTET_STRING && e == end).then(|| vec![(s, e)]);
    }
    let parts = children(der, s, e)?;
    let is = |i: usize, t: u8| parts.get(i).is_some_and(|p| p.0 == t);
    // PKCS #8: version, algorithm, the key in an octet string.
    if is(0, INTEGER) && is(1, SEQUENCE) && is(2, OCTET_STRING) {
        let (_, s, e) = parts[2];
        return private_ranges(der, s, e, depth + 1);
    }
    // PKCS #1 RSA: version, n, e, then the private integers.
    if parts.len() >= 9 && parts.iter().take(9).all(|p| p.0 == INTEGER) {
        return Some(parts[3..9].iter().map(|p| (p.1, p.2)).collect());
    }
    // SEC 1 EC: version, the private scalar, then parameters and point.
    if is(0, INTEGER) && is(1, OCTET_STRING) {
        return Some(vec![(parts[1].1, parts[1].2)]);
    }
    None
}

/// The windows of a key's base64 body: those whose bits lie inside its
/// private parts; all of them when the DER does not parse as a key.
pub fn key_windows(body: &str) -> Vec<&str> {
    let all = || {
        (0..body.len().saturating_sub(KEY_WINDOW - 1))
            .map(|i| &body[i..i + KEY_WINDOW])
            .collect()
    };
    if !body.is_ascii() {
        return all();
    }
    let Ok(der) = super::windows::lenient().decode(body.trim_end_matches('=')) else {
        return all();
    };
    let Some(private) = private_ranges(&der, 0, der.len(), 0) else {
        return all();
    };
    (0..body.len().saturating_sub(KEY_WINDOW - 1))
        .filter(|&i| {
            let first = 6 * i / 8;
            let last = (6 * (i + KEY_WINDOW)).div_ceil(8);
            private.iter().any(|&(s, e)| s <= first && last <= e)
        })
        .map(|i| &body[i..i + KEY_WINDOW])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    const KEY: &str = include_str!("../../../../tests/fixtures/secrets/TLS_KEY.pem");

    #[test]
    fn only_the_private_integers_of_a_key_are_windows() {
        let keys = private_keys(KEY);
        assert_eq!(keys.len(), 1);
        let body = &keys[0].body;
        let windows = key_windows(body);
        // A 2048-bit key: d, p, q, dp, dq and qinv are about 1,150 of its
        // 1,190 bytes; the modulus (256 bytes) is out.
        assert!(windows.len() > 1000, "{}", windows.len());
        assert!(windows.len() < body.len() - 300, "{}", windows.len());
        // No window holds a bit of the modulus or the public exponent.
        let der = STANDARD.decode(body).unwrap();
        let outer = children(&der, 4, der.len()).unwrap();
        let (_, s, e) = outer[2];
        let (_, s, e) = element(&der, s).filter(|x| x.2 == e).unwrap();
        let rsa = children(&der, s, e).unwrap();
        let public = (rsa[1].1, rsa[2].2);
        for i in 0..body.len() - KEY_WINDOW {
            let (first, last) = (6 * i / 8, (6 * (i + KEY_WINDOW)).div_ceil(8));
            if first < public.1 && public.0 < last {
                assert!(!windows.contains(&&body[i..i + KEY_WINDOW]), "{i}");
            }
        }
    }

    #[test]
    fn keys_in_json_and_unknown_blocks_are_found() {
        let sa = include_str!("../../../../tests/fixtures/secrets/GCP_SA.json");
        let keys = private_keys(sa);
        assert_eq!(keys.len(), 1);
        assert!(!keys[0].body.contains('\\'));
        assert!(STANDARD.decode(&keys[0].body).is_ok());
        let cert = include_str!("../../../../tests/fixtures/answers/certificate.pem");
        assert!(private_keys(cert).is_empty());
        // What does not parse is windowed whole.
        assert_eq!(key_windows("QUJDREVGR0hJSktMTU5PUA").len(), 22 - 9);
    }
}

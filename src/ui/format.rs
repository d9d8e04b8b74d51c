//! Formatting shared by server rendering and the browser, so both print
//! the same text (no hydration mismatch).

use crate::model::Day;

/// `2026-11-26 22:41 UTC` from milliseconds since the epoch.
pub fn utc_minutes(ms: i64) -> String {
    let rem = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        Day::of_ms(ms).to_iso(),
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Percent-encodes a query value (letters, digits and `-_.~` stay).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minutes(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minutes(1_795_732_877_701), "2026-11-26 22:41 UTC");
        assert_eq!(urlencode("a b&c=ü"), "a%20b%26c%3D%C3%BC");
    }
}

//! Formatting shared by server rendering and the browser, so both print
//! the same text (no hydration mismatch).

use crate::model::Day;
use leptos::prelude::*;

/// A past instant as "3 minutes ago" in a `<time>` whose title and
/// accessible text give the exact time (a phone has no hover).
pub fn time_ago(ms: i64, now: i64) -> impl IntoView {
    let title = utc_minutes(ms);
    let text = title.clone();
    view! {
        <time datetime=iso_utc(ms) title=title>
            <span aria-hidden="true">{relative(ms, now)}</span>
            <span class="visually-hidden">{text}</span>
        </time>
    }
}

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

/// Now, in milliseconds since the epoch, for pages rendered on the server.
#[cfg(feature = "ssr")]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `2026-11-26T22:41:17Z`: a `<time datetime>` value.
pub fn iso_utc(ms: i64) -> String {
    let rem = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Day::of_ms(ms).to_iso(),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// How long before `now` an instant was, as a person says it: "just now",
/// "5 minutes ago", "3 hours ago", "yesterday", "12 days ago", then the
/// date. A time ahead of `now` (clocks differ) is "just now".
pub fn relative(ms: i64, now: i64) -> String {
    let minutes = (now - ms).max(0) / 60_000;
    let days = Day::of_ms(now).0 - Day::of_ms(ms).0;
    let plural = |n: i64, unit: &str| match n {
        1 => format!("1 {unit} ago"),
        n => format!("{n} {unit}s ago"),
    };
    match minutes {
        0 => "just now".into(),
        1..=59 => plural(minutes, "minute"),
        _ if minutes < 24 * 60 => plural(minutes / 60, "hour"),
        _ if days <= 1 => "yesterday".into(),
        _ if days < 30 => plural(days, "day"),
        _ => Day::of_ms(ms).to_iso(),
    }
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
    fn says_how_long_ago_as_a_person_would() {
        let now = 1_795_732_877_701; // 2026-11-26 22:41 UTC
        let minute = 60_000;
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now + 5 * minute, now), "just now");
        assert_eq!(relative(now - 59_000, now), "just now");
        assert_eq!(relative(now - minute, now), "1 minute ago");
        assert_eq!(relative(now - 59 * minute, now), "59 minutes ago");
        assert_eq!(relative(now - 60 * minute, now), "1 hour ago");
        assert_eq!(relative(now - 23 * 60 * minute, now), "23 hours ago");
        assert_eq!(relative(now - 24 * 60 * minute, now), "yesterday");
        assert_eq!(relative(now - 3 * 24 * 60 * minute, now), "3 days ago");
        assert_eq!(relative(now - 40 * 24 * 60 * minute, now), "2026-10-17");
        assert_eq!(iso_utc(now), "2026-11-26T22:41:17Z");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minutes(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minutes(1_795_732_877_701), "2026-11-26 22:41 UTC");
        assert_eq!(urlencode("a b&c=ü"), "a%20b%26c%3D%C3%BC");
    }
}

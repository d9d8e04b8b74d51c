//! A variable's life after it is made: its earlier values (history), its
//! expiry date, and the health of a secret from the runs that used it.
//! Dates are whole UTC days; the arithmetic is here so server and tests
//! share it (no date crate in the browser build).

use super::{ValueVersion, VariableView};
use serde::{Deserialize, Serialize};

/// Days before expiry from which a secret counts as "expiring soon".
pub const EXPIRING_SOON_DAYS: i64 = 14;
/// Consecutive refused runs (401/403) that make a secret "Failing".
pub const FAILING_AFTER: usize = 3;

/// A UTC calendar day, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub i64);

impl Day {
    /// The day a time (ms since the epoch) falls on.
    pub fn of_ms(ms: i64) -> Day {
        Day(ms.div_euclid(86_400_000))
    }

    /// `YYYY-MM-DD`, a real calendar date between years 2000 and 9999.
    pub fn parse(text: &str) -> Option<Day> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |s: &str| -> Option<i64> {
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())
                .flatten()
        };
        let (y, m, d) = (num(&text[..4])?, num(&text[5..7])?, num(&text[8..])?);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days_in_month = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if !(2000..=9999).contains(&y) || d < 1 || d > days_in_month {
            return None;
        }
        Some(Day(days_from_civil(y, m, d)))
    }

    pub fn to_iso(self) -> String {
        let (y, m, d) = civil_from_days(self.0);
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Where a secret stands against its expiry date on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Expires in this many days (0: today, still valid).
    In(i64),
    Expired,
}

impl Expiry {
    pub fn on(expires: Day, today: Day) -> Expiry {
        match expires.0 - today.0 {
            n if n < 0 => Expiry::Expired,
            n => Expiry::In(n),
        }
    }

    /// The badge: "Expired", "Expires today", "Expires in 1 day", …
    pub fn label(self) -> String {
        match self {
            Expiry::Expired => "Expired".into(),
            Expiry::In(0) => "Expires today".into(),
            Expiry::In(1) => "Expires in 1 day".into(),
            Expiry::In(n) => format!("Expires in {n} days"),
        }
    }

    pub fn is_soon(self) -> bool {
        match self {
            Expiry::Expired => true,
            Expiry::In(n) => n <= EXPIRING_SOON_DAYS,
        }
    }
}

/// An earlier value, as the history lists it: a plain variable's value,
/// never a secret's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: ValueVersion,
    pub set_at: i64,
    pub set_by: Option<String>,
    pub value: Option<String>,
}

/// A variable's history page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub variable: VariableView,
    /// The current value's number, when and by whom it was set.
    pub current: VersionView,
    /// Earlier values, newest first.
    pub versions: Vec<VersionView>,
    /// Whether the viewer may restore (whoever may edit the value).
    pub can_restore: bool,
    /// Whether the viewer may reveal earlier values (masked secrets).
    pub can_reveal: bool,
}

/// How the runs that sent a secret went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SecretHealth {
    /// The latest run's status (`None`: no answer came) and time.
    pub last_status: Option<u16>,
    pub last_at: Option<i64>,
    /// Of the kept runs (at most 10), how many answered 401 or 403.
    pub refused: u32,
    pub runs: u32,
    /// Set when the last [`FAILING_AFTER`] runs were all refused.
    pub failing: Option<Failing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failing {
    /// The latest refusal's status (401 or 403).
    pub status: u16,
    /// The blocks that sent those requests, newest first, once each.
    pub blocks: Vec<String>,
}

impl Failing {
    pub fn reason(&self) -> String {
        format!(
            "the last {FAILING_AFTER} requests were refused ({})",
            self.status
        )
    }
}

fn refused(status: Option<u16>) -> bool {
    matches!(status, Some(401 | 403))
}

impl SecretHealth {
    /// From runs newest first: `(block name, status, time)`.
    pub fn from_runs<'a>(runs: impl IntoIterator<Item = (&'a str, Option<u16>, i64)>) -> Self {
        let runs: Vec<_> = runs.into_iter().collect();
        let failing = (runs.len() >= FAILING_AFTER
            && runs[..FAILING_AFTER].iter().all(|r| refused(r.1)))
        .then(|| {
            let mut blocks: Vec<String> = Vec::new();
            for (block, _, _) in &runs[..FAILING_AFTER] {
                if !blocks.iter().any(|b| b == block) {
                    blocks.push(block.to_string());
                }
            }
            Failing {
                status: runs[0].1.unwrap_or_default(),
                blocks,
            }
        });
        SecretHealth {
            last_status: runs.first().and_then(|r| r.1),
            last_at: runs.first().map(|r| r.2),
            refused: runs.iter().filter(|r| refused(r.1)).count() as u32,
            runs: runs.len() as u32,
            failing,
        }
    }
}

/// Days before a secret's expiry day when a reminder goes out.
pub const REMINDER_THRESHOLDS: [i64; 3] = [14, 3, 0];

/// The reminder due for a secret `days_left` days before its expiry day:
/// the nearest threshold it has reached (so a secret made 2 days before
/// expiry gets the 3-day reminder, not the 14-day one), or none yet.
pub fn due_threshold(days_left: i64) -> Option<i64> {
    REMINDER_THRESHOLDS
        .iter()
        .rev()
        .copied()
        .find(|t| days_left <= *t)
}

/// A workspace's notification settings: the webhook's host (never its
/// URL, a credential) and the latest reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub webhook_host: Option<String>,
    pub webhook_set_at: Option<i64>,
    pub webhook_set_by: Option<String>,
    pub deliveries: Vec<DeliveryView>,
}

/// Why a webhook URL is refused: each a fixed sentence that names the rule
/// and never the URL (a credential), with a code the settings page's
/// plain form is sent back with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookRefusal {
    Required,
    TooLong,
    NotAUrl,
    NotHttps,
    HasCredentials,
    NoHost,
    Private,
    Unresolved,
    SelfCall,
}

impl WebhookRefusal {
    pub const ALL: [WebhookRefusal; 9] = [
        WebhookRefusal::Required,
        WebhookRefusal::TooLong,
        WebhookRefusal::NotAUrl,
        WebhookRefusal::NotHttps,
        WebhookRefusal::HasCredentials,
        WebhookRefusal::NoHost,
        WebhookRefusal::Private,
        WebhookRefusal::Unresolved,
        WebhookRefusal::SelfCall,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WebhookRefusal::Required => "required",
            WebhookRefusal::TooLong => "too_long",
            WebhookRefusal::NotAUrl => "not_a_url",
            WebhookRefusal::NotHttps => "not_https",
            WebhookRefusal::HasCredentials => "credentials",
            WebhookRefusal::NoHost => "no_host",
            WebhookRefusal::Private => "private",
            WebhookRefusal::Unresolved => "unresolved",
            WebhookRefusal::SelfCall => "self",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            WebhookRefusal::Required => "Webhook URL is required",
            WebhookRefusal::TooLong => "Webhook URL must be at most 2048 characters",
            WebhookRefusal::NotAUrl => {
                "Webhook URL must be a full URL, like https://hooks.slack.com/services/…"
            }
            WebhookRefusal::NotHttps => "Webhook URL must start with https://",
            WebhookRefusal::HasCredentials => "Webhook URL must not hold a user name or password",
            WebhookRefusal::NoHost => "Webhook URL must name a host",
            WebhookRefusal::Private => {
                "Webhook URL: its host is a private, loopback or otherwise non-public address"
            }
            WebhookRefusal::Unresolved => "Webhook URL: its host does not resolve",
            WebhookRefusal::SelfCall => "Webhook URL: it leads to varvault itself",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn from_message(message: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.message() == message)
    }
}

/// One reminder and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub secret: String,
    pub expires_on: String,
    /// Days before the expiry day: 14, 3 or 0.
    pub threshold: i64,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    /// The next try, while it is still being tried.
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_when_they_exist() {
        assert_eq!(Day::parse("1970-01-01"), None, "before 2000");
        assert_eq!(Day::parse("2000-01-01"), Some(Day(10_957)));
        assert_eq!(Day::parse("2024-02-29").unwrap().to_iso(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-1-01",
            "26-01-01",
            "2026/01/01",
            "+026-01-01",
            "2026-01-0a",
            "",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        // Every day of four centuries round-trips.
        let start = Day::parse("2000-01-01").unwrap().0;
        for day in start..start + 146_097 {
            assert_eq!(Day::parse(&Day(day).to_iso()), Some(Day(day)));
        }
        assert_eq!(Day::of_ms(1_764_806_400_000).to_iso(), "2025-12-04");
        assert_eq!(Day::of_ms(1_764_806_399_999).to_iso(), "2025-12-03");
    }

    #[test]
    fn expiry_counts_whole_days() {
        let today = Day::parse("2026-12-04").unwrap();
        let on = |s: &str| Expiry::on(Day::parse(s).unwrap(), today);
        assert_eq!(on("2026-12-03"), Expiry::Expired);
        assert_eq!(on("2026-12-04").label(), "Expires today");
        assert_eq!(on("2026-12-05").label(), "Expires in 1 day");
        assert_eq!(on("2026-12-18").label(), "Expires in 14 days");
        assert!(on("2026-12-18").is_soon());
        assert!(!on("2026-12-19").is_soon());
        assert!(on("2020-01-01").is_soon(), "expired counts as soon");
    }

    #[test]
    fn the_nearest_reached_threshold_is_due() {
        assert_eq!(due_threshold(20), None);
        assert_eq!(due_threshold(15), None);
        assert_eq!(due_threshold(14), Some(14));
        assert_eq!(due_threshold(4), Some(14));
        assert_eq!(due_threshold(3), Some(3));
        assert_eq!(due_threshold(1), Some(3));
        assert_eq!(due_threshold(0), Some(0));
        assert_eq!(due_threshold(-30), Some(0), "expired: the last one");
    }

    #[test]
    fn three_refusals_in_a_row_make_a_secret_failing() {
        let h = SecretHealth::from_runs([
            ("Get tickets", Some(401), 30),
            ("Sync", Some(401), 20),
            ("Get tickets", Some(403), 10),
            ("Get tickets", Some(200), 5),
        ]);
        let failing = h.failing.clone().unwrap();
        assert_eq!(failing.status, 401);
        assert_eq!(failing.blocks, ["Get tickets", "Sync"]);
        assert_eq!(failing.reason(), "the last 3 requests were refused (401)");
        assert_eq!((h.refused, h.runs, h.last_status), (3, 4, Some(401)));
        // A success, or no answer, among the last three: not failing.
        for middle in [Some(200), None] {
            let h = SecretHealth::from_runs([
                ("A", Some(401), 3),
                ("A", middle, 2),
                ("A", Some(401), 1),
            ]);
            assert_eq!(h.failing, None);
        }
        assert_eq!(
            SecretHealth::from_runs([("A", Some(401), 2), ("A", Some(401), 1)]).failing,
            None
        );
        assert_eq!(SecretHealth::from_runs([]), SecretHealth::default());
    }
}

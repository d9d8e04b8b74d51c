//! Variables and secrets: kinds, visibility, the rows of the panel and the
//! value rules both sides check.

use super::codes::codes;
use super::{UsedIn, VariableId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariableKind {
    Plain,
    Secret,
}

impl VariableKind {
    pub fn label(self) -> &'static str {
        match self {
            VariableKind::Plain => "Variable",
            VariableKind::Secret => "Secret",
        }
    }
}

codes!(VariableKind {
    Plain = "plain",
    Secret = "secret",
});

/// How a secret shows: chosen at creation, never changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Dots, with a temporary, audited reveal.
    Masked,
    /// Never shown to anyone; leaves the server only to its allowed hosts.
    Restricted,
}

impl Visibility {
    pub fn label(self) -> &'static str {
        match self {
            Visibility::Masked => "Masked",
            Visibility::Restricted => "Restricted",
        }
    }
}

codes!(Visibility {
    Masked = "masked",
    Restricted = "restricted",
});

/// A row of the Variables panel. A secret's value is never here: `value`
/// is `Some` for plain variables only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableView {
    pub id: VariableId,
    pub name: String,
    pub kind: VariableKind,
    pub visibility: Option<Visibility>,
    pub value: Option<String>,
    pub description: String,
    pub allowed_hosts: Vec<String>,
    pub updated_at: i64,
    pub updated_by: Option<String>,
    pub usage_count: i64,
    pub used_in: Vec<UsedIn>,
    pub last_used_at: Option<i64>,
    /// A secret's expiry date, `YYYY-MM-DD` (UTC).
    pub expires_on: Option<String>,
    /// Agents (MCP) may put this secret in the URL or the body, not only
    /// in a header value. (Left out when false: every row's props carry it.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub agents_anywhere: bool,
}

/// Which rows the Variables page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListFilter {
    #[default]
    All,
    /// Secrets expired or expiring within 14 days.
    Expiring,
    /// Secrets whose last runs were refused.
    Failing,
}

codes!(ListFilter {
    All = "all",
    Expiring = "expiring",
    Failing = "failing",
});

/// The Variables page: one page of rows, and what the viewer may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariablesPage {
    pub variables: Vec<VariableView>,
    /// The health of each secret on the page that was ever sent.
    pub health: Vec<(VariableId, super::SecretHealth)>,
    /// Whether the viewer may create and edit secrets (owners, admins).
    pub can_write_secrets: bool,
    /// Cursors of the next and previous pages (a name key), if any.
    pub next: Option<String>,
    pub prev: Option<String>,
}

pub const NAME_MAX_CHARS: usize = 64;
pub const VALUE_MAX_BYTES: usize = 64 * 1024;

/// A variable's name, checked once: `^[A-Za-z_][A-Za-z0-9_]{0,63}$`
/// (SPEC §1), unique in a workspace in any letter case. The one home of
/// the rule: the template parser and the server both parse with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VariableName(String);

impl VariableName {
    /// The name, or what is wrong with it (one message per way to fail).
    pub fn parse(name: &str) -> Result<VariableName, String> {
        if name.is_empty() {
            return Err("Name is required".into());
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(format!("Name must be at most {NAME_MAX_CHARS} characters"));
        }
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(
                "Name must start with a letter or underscore and contain only letters, digits and underscores"
                    .into(),
            );
        }
        Ok(VariableName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key names are unique by (and placeholders refer by).
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Where the name sorts in natural order: see [`natural_sort_key`].
    pub fn sort_key(&self) -> String {
        natural_sort_key(&self.key())
    }
}

/// A name key's place in natural order, `TOKEN_2` before `TOKEN_10`: each
/// run of digits is written as its length (two digits) then the number
/// without leading zeros, so byte order is number order. `TOKEN_2` and
/// `TOKEN_02` get the same key: lists break the tie by the name key.
/// Digits still sort before `_` and letters, as in plain byte order.
pub fn natural_sort_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 8);
    let mut rest = key;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let end = run.find(|c: char| !c.is_ascii_digit()).unwrap_or(run.len());
        let number = run[..end].trim_start_matches('0');
        let number = if number.is_empty() { "0" } else { number };
        out.push_str(&format!("{:02}{number}", number.len()));
        rest = &run[end..];
    }
    out.push_str(rest);
    out
}

impl std::fmt::Display for VariableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// [`VariableName::parse`] without keeping the name.
pub fn check_variable_name(name: &str) -> Result<(), String> {
    VariableName::parse(name).map(|_| ())
}

/// SPEC §1: 1 byte to 64 KiB of UTF-8 (a `String` is UTF-8 already).
pub fn check_variable_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err("Value is required".into())
    } else if value.len() > VALUE_MAX_BYTES {
        Err("Value must be at most 64 KiB".into())
    } else {
        Ok(())
    }
}

/// The shortest secret value: shorter ones could not be redacted from a
/// response without hiding ordinary text.
pub const SECRET_MIN_BYTES: usize = 8;

/// A secret's value: a variable's value of at least 8 bytes.
pub fn check_secret_value(value: &str) -> Result<(), String> {
    check_variable_value(value)?;
    if value.len() < SECRET_MIN_BYTES {
        return Err(format!(
            "A secret's value must be at least {SECRET_MIN_BYTES} bytes"
        ));
    }
    Ok(())
}

/// Splits the "Allowed hosts" text (commas or new lines) into patterns.
pub fn split_host_patterns(text: &str) -> Vec<String> {
    text.split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod variable_rule_tests {
    use super::*;

    #[test]
    fn names_sort_in_natural_order() {
        let mut names = [
            "TOKEN_10",
            "TOKEN_2",
            "TOKEN_02",
            "TOKEN_1B",
            "TOKEN_",
            "TOKENS",
            "A",
            "TOKEN_0",
            "TOKEN_9",
            "TOKEN_100",
            "V1_10",
            "V1_9",
            "V10_1",
            "X1234567890123456789012345",
        ]
        .map(|n| VariableName::parse(n).unwrap());
        names.sort_by_key(|n| (n.sort_key(), n.key()));
        let sorted: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        assert_eq!(
            sorted,
            [
                "A",
                "TOKEN_",
                "TOKEN_0",
                "TOKEN_1B",
                "TOKEN_02",
                "TOKEN_2",
                "TOKEN_9",
                "TOKEN_10",
                "TOKEN_100",
                "TOKENS",
                "V1_9",
                "V1_10",
                "V10_1",
                "X1234567890123456789012345"
            ]
        );
        // A key holds only what a name may: lists may compare it as bytes.
        assert_eq!(natural_sort_key("token_007"), "token_017");
        assert_eq!(natural_sort_key("a0b00"), "a010b010");
    }

    #[test]
    fn names_follow_the_rule() {
        for ok in ["A", "_", "ZENDESK_TOKEN", "a1_b2", &"x".repeat(64)] {
            assert!(check_variable_name(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_variable_name("").unwrap_err(), "Name is required");
        assert!(check_variable_name(&"x".repeat(65))
            .unwrap_err()
            .contains("at most 64"));
        for bad in ["1ABC", "A-B", "A B", "é", "A.B", "{{x}}"] {
            assert!(
                check_variable_name(bad)
                    .unwrap_err()
                    .starts_with("Name must start"),
                "{bad}"
            );
        }
    }

    #[test]
    fn values_are_one_byte_to_64_kib() {
        assert_eq!(check_variable_value("").unwrap_err(), "Value is required");
        assert!(check_variable_value("x").is_ok());
        assert!(check_variable_value(&"x".repeat(65536)).is_ok());
        assert_eq!(
            check_variable_value(&"x".repeat(65537)).unwrap_err(),
            "Value must be at most 64 KiB"
        );
    }

    #[test]
    fn secret_values_are_eight_bytes_or_more() {
        assert_eq!(check_secret_value("").unwrap_err(), "Value is required");
        assert_eq!(
            check_secret_value("1234567").unwrap_err(),
            "A secret's value must be at least 8 bytes"
        );
        assert!(check_secret_value("12345678").is_ok());
        // Bytes, not characters: four 2-byte characters are enough.
        assert!(check_secret_value("éééé").is_ok());
    }

    #[test]
    fn host_lists_split_on_commas_and_lines() {
        assert_eq!(
            split_host_patterns(" a.com, *.b.com\n\nc.com ,"),
            ["a.com", "*.b.com", "c.com"]
        );
    }
}

/// What a bulk import does with one line of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportAction {
    Create,
    /// The name exists with the same kind and visibility: a new version.
    Update,
    Refused,
}

/// One line of an import's preview or result (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    pub line: u32,
    pub name: String,
    pub action: ImportAction,
    pub reason: Option<String>,
}

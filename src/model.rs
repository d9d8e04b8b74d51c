//! Serializable view types shared by the server and the browser.
//!
//! Nothing here may ever hold a secret value: these types cross the wire.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A member's role in a workspace, ordered by power: `Editor < Admin < Owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Editor,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Editor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Editor => "Editor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            _ => None,
        }
    }

    /// Whether someone with this role may add, re-role or remove a member
    /// whose role is (or becomes) `target`: owners manage every role,
    /// admins editors only, editors no one.
    pub fn can_manage(self, target: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => target == Role::Editor,
            Role::Editor => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A workspace as its members see it in the switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub slug: String,
    pub name: String,
    pub role: Role,
}

/// Who is signed in, and where they may go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub email: String,
    pub display_name: String,
    pub workspaces: Vec<WorkspaceSummary>,
}

impl SessionInfo {
    pub fn workspace(&self, slug: &str) -> Option<&WorkspaceSummary> {
        self.workspaces.iter().find(|w| w.slug == slug)
    }

    /// Whether this user owns a workspace, which lets them create another.
    pub fn is_owner_somewhere(&self) -> bool {
        self.workspaces.iter().any(|w| w.role == Role::Owner)
    }
}

/// Where `/` should send a visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Landing {
    /// No owner exists yet; `needs_token` when set-up asks for the token.
    Setup {
        needs_token: bool,
    },
    SignIn,
    Workspace {
        slug: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub is_you: bool,
}

/// The members page: the list and what the viewer may do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub members: Vec<MemberView>,
    pub your_role: Role,
}

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 256;

/// The one password rule, checked in the browser for quick feedback and
/// again on the server, which decides.
pub fn check_password_rule(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        Err(format!(
            "Password must be at least {PASSWORD_MIN_CHARS} characters"
        ))
    } else if n > PASSWORD_MAX_CHARS {
        Err(format!(
            "Password must be at most {PASSWORD_MAX_CHARS} characters"
        ))
    } else {
        Ok(())
    }
}

/// Lower-cases and trims an email; accepts only something shaped like one.
pub fn normalize_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err("Enter a valid email address".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::Editor);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn who_manages_whom() {
        assert!(Role::Owner.can_manage(Role::Owner));
        assert!(Role::Admin.can_manage(Role::Editor));
        assert!(!Role::Admin.can_manage(Role::Admin));
        assert!(!Role::Admin.can_manage(Role::Owner));
        assert!(!Role::Editor.can_manage(Role::Editor));
    }

    #[test]
    fn password_length_counts_characters() {
        assert!(check_password_rule("short").is_err());
        assert!(check_password_rule(&"é".repeat(12)).is_ok());
        assert!(check_password_rule(&"x".repeat(256)).is_ok());
        assert!(check_password_rule(&"x".repeat(257)).is_err());
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}

// ---- variables and secrets -------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariableKind {
    Plain,
    Secret,
}

impl VariableKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VariableKind::Plain => "plain",
            VariableKind::Secret => "secret",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VariableKind::Plain => "Variable",
            VariableKind::Secret => "Secret",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "plain" => Some(VariableKind::Plain),
            "secret" => Some(VariableKind::Secret),
            _ => None,
        }
    }
}

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
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Masked => "masked",
            Visibility::Restricted => "restricted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Masked => "Masked",
            Visibility::Restricted => "Restricted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "masked" => Some(Visibility::Masked),
            "restricted" => Some(Visibility::Restricted),
            _ => None,
        }
    }
}

/// A row of the Variables panel. A secret's value is never here: `value`
/// is `Some` for plain variables only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableView {
    pub id: i64,
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
}

/// The Variables page: the rows and what the viewer may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariablesPage {
    pub variables: Vec<VariableView>,
    pub your_role: Role,
}

pub const NAME_MAX_CHARS: usize = 64;
pub const VALUE_MAX_BYTES: usize = 64 * 1024;

/// SPEC §1: `^[A-Za-z_][A-Za-z0-9_]{0,63}$`, with a message per way to fail.
pub fn check_variable_name(name: &str) -> Result<(), String> {
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
    Ok(())
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

// ---- audit log ---------------------------------------------------------------

/// Defines the audit actions in one place: variant, stable code (stored
/// and filtered on, so it never changes meaning once released) and the
/// label the log shows, in the order the "Action" filter lists them.
macro_rules! audit_actions {
    ($($variant:ident => $code:literal, $label:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($variant),*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),*];

            pub fn code(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $code),*
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $label),*
                }
            }
        }
    };
}

audit_actions! {
    SecretCreated => "secret.created", "Secret created";
    SecretValueUpdated => "secret.value_updated", "Secret value updated";
    SecretHostsUpdated => "secret.allowed_hosts_updated", "Secret allowed hosts updated";
    SecretDescriptionUpdated => "secret.description_updated", "Secret description updated";
    SecretRevealed => "secret.revealed", "Secret revealed";
    SecretUsed => "secret.used", "Secret used";
    SecretDeleted => "secret.deleted", "Secret deleted";
    VariableCreated => "variable.created", "Variable created";
    VariableUpdated => "variable.updated", "Variable updated";
    VariableDeleted => "variable.deleted", "Variable deleted";
    SignInSucceeded => "auth.sign_in", "Signed in";
    SignInFailed => "auth.sign_in_failed", "Sign-in failed";
    PasswordChanged => "user.password_changed", "Password changed";
    PasswordReset => "user.password_reset", "Password reset";
    MemberAdded => "member.added", "Member added";
    MemberRoleChanged => "member.role_changed", "Member role changed";
    MemberRemoved => "member.removed", "Member removed";
    WorkspaceCreated => "workspace.created", "Workspace created";
    WorkspaceKeyRotated => "workspace.key_rotated", "Workspace key rotated";
    MasterKeyRotated => "master_key.rotated", "Master key rotated";
}

impl AuditAction {
    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.iter().copied().find(|a| a.code() == code)
    }
}

/// The readable label of a stored action code (the code itself for one
/// this version does not know).
pub fn audit_action_label(code: &str) -> &str {
    match AuditAction::parse(code) {
        Some(action) => action.label(),
        None => code,
    }
}

#[cfg(test)]
mod audit_action_tests {
    use super::AuditAction;

    #[test]
    fn codes_and_labels_are_unique_and_parse_back() {
        let mut codes: Vec<_> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        let mut labels: Vec<_> = AuditAction::ALL.iter().map(|a| a.label()).collect();
        codes.sort();
        codes.dedup();
        labels.sort();
        labels.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        assert_eq!(labels.len(), AuditAction::ALL.len());
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.code()), Some(*a));
        }
        assert_eq!(AuditAction::parse("nope"), None);
        assert_eq!(super::audit_action_label("secret.used"), "Secret used");
    }
}

/// One line of the audit log. Never a value, a password or a session id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_name: Option<String>,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
}

/// A page of the audit log, newest first, with keyset cursors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` for the next, older page.
    pub older: Option<i64>,
    /// Pass as `after` for the previous, newer page.
    pub newer: Option<i64>,
}

// ---- workflows and API blocks ------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HttpMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "PATCH")]
    Patch,
    #[serde(rename = "DELETE")]
    Delete,
}

impl HttpMethod {
    pub const ALL: [HttpMethod; 5] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        HttpMethod::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A query parameter or a header: a name and a template value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub name: String,
    pub value: String,
}

/// An API block as the editor sends it to be saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInput {
    pub id: i64,
    pub name: String,
    pub method: HttpMethod,
    pub url: String,
    pub query: Vec<KeyValue>,
    pub headers: Vec<KeyValue>,
    pub body: String,
}

/// An API block as stored, with what it refers to that no longer exists
/// ("Missing secret NAME", "Missing variable NAME").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockView {
    pub block: BlockInput,
    pub position: i64,
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowSummary {
    pub id: i64,
    pub name: String,
    pub blocks: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowView {
    pub id: i64,
    pub name: String,
    pub blocks: Vec<BlockView>,
    /// Owners and admins may create and edit secrets from the picker.
    pub can_write_secrets: bool,
    /// The secrets its blocks refer to, for the chips (never a value).
    pub secrets: Vec<SecretOption>,
}

/// A secret offered by the picker: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretOption {
    pub id: i64,
    pub name: String,
    pub visibility: Visibility,
}

/// What "Send request" shows, every used secret already redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    pub status: u16,
    pub status_text: String,
    pub duration_ms: u64,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body was longer than 1 MiB and was cut.
    pub truncated: bool,
}

/// A block that refers to a variable (the delete dialog lists them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedIn {
    pub workflow_id: i64,
    pub workflow: String,
    pub block: String,
}

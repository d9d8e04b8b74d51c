//! Accounts, workspaces, members and roles: the views and rules shared by
//! the server and the browser.

use super::codes::codes;
use super::UserId;
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
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Editor => "Editor",
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

// Listed by power, highest first, as the role pickers offer them.
codes!(Role {
    Owner = "owner",
    Admin = "admin",
    Editor = "editor",
});

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
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub is_you: bool,
    /// Their runs are paused after withheld answers (SPEC §5).
    pub runs_paused: bool,
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

/// An email address, checked once: trimmed, lower-cased, at most 254
/// bytes, shaped like `local@domain.tld`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, String> {
        let email = text.trim().to_lowercase();
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
            Ok(Email(email))
        } else {
            Err("Enter a valid email address".to_string())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Names shown to people (a person's, a workspace's, a workflow's, a
/// block's): at most this many characters.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

/// A display name, checked once: trimmed, required, at most 100
/// characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// `what` is its label in messages ("Workspace name").
    pub fn parse(text: &str, what: &str) -> Result<DisplayName, String> {
        let name = text.trim();
        if name.is_empty() {
            return Err(format!("{what} is required"));
        }
        if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
            return Err(format!(
                "{what} must be at most {DISPLAY_NAME_MAX_CHARS} characters"
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(format!("{what} must not contain control characters"));
        }
        Ok(DisplayName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
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
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Ops  ", "Name").unwrap().as_str(),
            "Ops"
        );
        assert_eq!(
            DisplayName::parse(" ", "Name").unwrap_err(),
            "Name is required"
        );
        assert!(DisplayName::parse(&"x".repeat(101), "Name").is_err());
        assert!(DisplayName::parse("a\u{7}b", "Name").is_err());
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}

//! The audit log: its actions (codes and labels in one table) and pages.

use serde::{Deserialize, Serialize};

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
    SecretExpiryUpdated => "secret.expiry_updated", "Secret expiry date updated";
    SecretAgentPlacementUpdated => "secret.agent_placement_updated", "Secret agent placement updated";
    SecretVersionRestored => "secret.version_restored", "Secret version restored";
    SecretRevealed => "secret.revealed", "Secret revealed";
    SecretUsed => "secret.used", "Secret used";
    ResponseWithheld => "response.withheld", "Response withheld";
    RunsResumed => "runs.resumed", "Runs resumed";
    SecretDeleted => "secret.deleted", "Secret deleted";
    VariableCreated => "variable.created", "Variable created";
    VariableUpdated => "variable.updated", "Variable updated";
    VariableVersionRestored => "variable.version_restored", "Variable version restored";
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
    WebhookSet => "workspace.webhook_set", "Notification webhook set";
    WebhookRemoved => "workspace.webhook_removed", "Notification webhook removed";
    TokenCreated => "token.created", "Access token created";
    TokenRevoked => "token.revoked", "Access token revoked";
    TokenUsed => "token.used", "Access token used";
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
    /// A member's email or an access token's name; none for the operator.
    pub actor: Option<String>,
    /// The acting member's display name (none for a token, the operator or
    /// an account since deleted).
    pub actor_name: Option<String>,
    /// Whether `actor` names an access token.
    pub by_token: bool,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_name: Option<String>,
    /// A member target's display name.
    pub target_display: Option<String>,
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

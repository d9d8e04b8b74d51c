//! Audit entries, written in the same transaction as the action they
//! record, so a rolled-back action leaves no entry. Never a value, never a
//! password, never a session id: only who, what, when and from where.

use crate::server::db::{self, audit::AuditRow, now_ms, DbError};
use sqlx::AnyConnection;

/// Stable action codes: stored in the database and filtered on, so a code
/// never changes meaning once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignInSucceeded,
    SignInFailed,
    WorkspaceCreated,
    MemberAdded,
    MemberRoleChanged,
    MemberRemoved,
    PasswordChanged,
    PasswordReset,
    SecretCreated,
    SecretValueUpdated,
    SecretHostsUpdated,
    SecretDescriptionUpdated,
    SecretDeleted,
    SecretRevealed,
    SecretUsed,
    VariableCreated,
    VariableUpdated,
    VariableDeleted,
    WorkspaceKeyRotated,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::SignInSucceeded => "auth.sign_in",
            Action::SignInFailed => "auth.sign_in_failed",
            Action::WorkspaceCreated => "workspace.created",
            Action::MemberAdded => "member.added",
            Action::MemberRoleChanged => "member.role_changed",
            Action::MemberRemoved => "member.removed",
            Action::PasswordChanged => "user.password_changed",
            Action::PasswordReset => "user.password_reset",
            Action::SecretCreated => "secret.created",
            Action::SecretValueUpdated => "secret.value_updated",
            Action::SecretHostsUpdated => "secret.allowed_hosts_updated",
            Action::SecretDescriptionUpdated => "secret.description_updated",
            Action::SecretDeleted => "secret.deleted",
            Action::SecretRevealed => "secret.revealed",
            Action::SecretUsed => "secret.used",
            Action::VariableCreated => "variable.created",
            Action::VariableUpdated => "variable.updated",
            Action::VariableDeleted => "variable.deleted",
            Action::WorkspaceKeyRotated => "workspace.key_rotated",
        }
    }
}

/// Who acted, and from which address.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub client_addr: Option<String>,
}

/// What was acted on.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
}

impl Target {
    pub fn user(id: i64, email: &str) -> Target {
        Target {
            kind: "user",
            id,
            name: email.to_string(),
        }
    }

    pub fn variable(kind: &str, id: i64, name: &str) -> Target {
        Target {
            kind: if kind == "secret" {
                "secret"
            } else {
                "variable"
            },
            id,
            name: name.to_string(),
        }
    }

    pub fn workspace(id: i64, slug: &str) -> Target {
        Target {
            kind: "workspace",
            id,
            name: slug.to_string(),
        }
    }
}

pub async fn record(
    conn: &mut AnyConnection,
    workspace_id: i64,
    actor: &Actor,
    action: Action,
    target: Option<&Target>,
    detail: Option<String>,
) -> Result<(), DbError> {
    db::audit::insert(
        conn,
        &AuditRow {
            workspace_id: Some(workspace_id),
            at: now_ms(),
            actor_id: actor.user_id,
            actor_email: actor.email.clone(),
            action: action.code(),
            target_kind: target.map(|t| t.kind),
            target_id: target.map(|t| t.id),
            target_name: target.map(|t| t.name.clone()),
            client_addr: actor.client_addr.clone(),
            detail,
        },
    )
    .await
}

//! Audit entries, written in the same transaction as the action they
//! record, so a rolled-back action leaves no entry. Never a value, never a
//! password, never a session id: only who, what, when and from where.

use crate::error::AppError;
use crate::model::{
    AuditEntryView, AuditPage, Permission, TokenId, UserId, VariableId, VariableKind, WorkspaceId,
};
use crate::server::infra::db::audit::AuditFilter;
use crate::server::infra::db::{self, audit::AuditRow, now_ms, Db, DbError};
use crate::server::web::authz::Actor;
use sqlx::AnyConnection;

/// Entries per page of the log.
pub const PAGE_SIZE: i64 = 50;

/// The actions, their codes and labels: one home, in `model`.
pub use crate::model::AuditAction as Action;

/// Who acted, as the log records it, and from which address.
#[derive(Debug, Clone)]
pub struct Who {
    pub by: By,
    pub client_addr: String,
}

#[derive(Debug, Clone)]
pub enum By {
    /// A member, by id and email.
    User(UserId, String),
    /// An access token, by id and name.
    Token(TokenId, String),
    /// The operator, from the command line.
    Cli,
}

impl Who {
    pub fn user(id: UserId, email: &str, client_addr: &str) -> Who {
        Who {
            by: By::User(id, email.to_string()),
            client_addr: client_addr.to_string(),
        }
    }

    pub fn cli() -> Who {
        Who {
            by: By::Cli,
            client_addr: "cli".to_string(),
        }
    }

    /// Who, in words, as a variable's history shows it.
    pub fn label(&self) -> String {
        match &self.by {
            By::User(_, email) => email.clone(),
            By::Token(_, name) => format!("token {name}"),
            By::Cli => "command line".to_string(),
        }
    }
}

/// What was acted on (its id as stored: the kind says what it names).
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
}

impl Target {
    pub fn user(id: UserId, email: &str) -> Target {
        Target {
            kind: "user",
            id: id.get(),
            name: email.to_string(),
        }
    }

    pub fn variable(kind: VariableKind, id: VariableId, name: &str) -> Target {
        Target {
            kind: match kind {
                VariableKind::Secret => "secret",
                VariableKind::Plain => "variable",
            },
            id: id.get(),
            name: name.to_string(),
        }
    }

    pub fn token(id: TokenId, name: &str) -> Target {
        Target {
            kind: "token",
            id: id.get(),
            name: name.to_string(),
        }
    }

    pub fn workspace(id: WorkspaceId, slug: &str) -> Target {
        Target {
            kind: "workspace",
            id: id.get(),
            name: slug.to_string(),
        }
    }
}

pub async fn record(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
    who: &Who,
    action: Action,
    target: Option<&Target>,
    detail: Option<String>,
) -> Result<(), DbError> {
    let (actor_kind, actor_id, actor_name) = match &who.by {
        By::User(id, email) => ("user", Some(id.get()), Some(email.clone())),
        By::Token(id, name) => ("token", Some(id.get()), Some(name.clone())),
        By::Cli => ("user", None, None),
    };
    db::audit::insert(
        conn,
        &AuditRow {
            workspace_id: Some(workspace_id),
            at: now_ms(),
            actor_kind,
            actor_id,
            actor_name,
            action: action.code(),
            target_kind: target.map(|t| t.kind),
            target_id: target.map(|t| t.id),
            target_name: target.map(|t| t.name.clone()),
            client_addr: Some(who.client_addr.clone()),
            detail,
        },
    )
    .await
}

/// A page of a workspace's log for its owners and admins.
pub async fn page(db: &Db, actor: &Actor, filter: AuditFilter) -> Result<AuditPage, AppError> {
    actor.require(Permission::ReadAudit)?;
    if let Some(action) = &filter.action {
        if Action::parse(action).is_none() {
            return Err(AppError::invalid(
                "action",
                format!("Unknown action {action:?}"),
            ));
        }
    }
    let ws = actor.workspace().id;
    // One more than a page says whether another page follows.
    let mut rows = db::audit::page(db.pool(), ws, &filter, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let going_newer = filter.after.is_some();
    if going_newer {
        rows.reverse();
    }
    let (first, last) = (rows.first().map(|r| r.id), rows.last().map(|r| r.id));
    let newer_exists = match first {
        Some(id) if !going_newer => {
            let probe = AuditFilter {
                before: None,
                after: Some(id),
                ..filter.clone()
            };
            !db::audit::page(db.pool(), ws, &probe, 1).await?.is_empty()
        }
        Some(_) => more,
        None => false,
    };
    let older_exists = match last {
        Some(id) if going_newer => {
            let probe = AuditFilter {
                before: Some(id),
                after: None,
                ..filter.clone()
            };
            !db::audit::page(db.pool(), ws, &probe, 1).await?.is_empty()
        }
        Some(_) => more,
        None => false,
    };
    Ok(AuditPage {
        older: older_exists.then_some(last).flatten(),
        newer: newer_exists.then_some(first).flatten(),
        entries: rows
            .into_iter()
            .map(|r| AuditEntryView {
                id: r.id,
                at: r.at,
                actor: r.actor_email,
                actor_name: r.actor_name,
                by_token: r.by_token,
                action: r.action,
                target_kind: r.target_kind,
                target_name: r.target_name,
                target_display: r.target_display,
                client_addr: r.client_addr,
                detail: r.detail,
            })
            .collect(),
    })
}

/// Deletes entries older than the retention period (`None`: keep forever).
pub async fn apply_retention(db: &Db, days: Option<i64>) -> Result<u64, DbError> {
    let Some(days) = days else { return Ok(0) };
    let deleted = db::audit::delete_older_than(db.pool(), now_ms() - days * 86_400_000).await?;
    if deleted > 0 {
        tracing::info!(deleted, days, "audit entries past their retention deleted");
    }
    Ok(deleted)
}

//! Withheld answers (SPEC §5): each is audited and counted against the
//! member or token whose run it was; after 3 in 24 hours that caller's
//! runs are refused until an owner or admin resumes them. The count lives
//! in the database, so every instance applies it.

use crate::error::AppError;
use crate::model::{Permission, UserId};
use crate::server::infra::db::{now_ms, withheld, workspaces, Db};
use crate::server::rules::audit::{self, Action, By, Target};
use crate::server::rules::redaction::Seen;
use crate::server::web::authz::Actor;

/// The refusal of a paused caller's run.
pub const PAUSED: &str = "Runs are paused after 3 withheld responses; an owner or admin can \
     resume them on the Members page";

/// What a withheld answer says instead of its headers and body.
pub fn note(seen: &Seen) -> String {
    format!(
        "The response was withheld: it contained part of {}",
        seen.name
    )
}

/// How withheld answers are counted for an actor: "user:ID" or
/// "token:ID".
pub fn caller_key(actor: &Actor) -> String {
    match actor.who().by {
        By::User(id, _) => user_key(id),
        By::Token(id, _) => format!("token:{id}"),
        By::Cli => "cli".to_string(),
    }
}

pub fn user_key(id: UserId) -> String {
    format!("user:{id}")
}

/// Refuses a run of a paused caller.
pub async fn ensure_running(db: &Db, actor: &Actor) -> Result<(), AppError> {
    let since = now_ms() - withheld::WINDOW_MS;
    let n =
        withheld::count_since(db.pool(), actor.workspace().id, &caller_key(actor), since).await?;
    if n >= withheld::PAUSE_AFTER {
        return Err(AppError::rule(PAUSED));
    }
    Ok(())
}

/// Records a withheld answer: audited under the caller, and counted.
/// `source` says where from: "API block NAME", "… via MCP".
pub async fn record(db: &Db, actor: &Actor, seen: &Seen, source: &str) -> Result<(), AppError> {
    let ws = actor.workspace().id;
    let mut tx = db.begin_write().await?;
    let target = Target::variable(crate::model::VariableKind::Secret, seen.id, &seen.name);
    audit::record(
        &mut tx,
        ws,
        &actor.who(),
        Action::ResponseWithheld,
        Some(&target),
        Some(source.to_string()),
    )
    .await?;
    withheld::record(&mut tx, ws, &caller_key(actor), now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// The members of the actor's workspace whose runs are paused.
pub async fn paused_members(db: &Db, actor: &Actor) -> Result<Vec<UserId>, AppError> {
    let since = now_ms() - withheld::WINDOW_MS;
    let callers = withheld::paused(db.pool(), actor.workspace().id, since).await?;
    Ok(callers
        .iter()
        .filter_map(|c| c.strip_prefix("user:")?.parse().ok().map(UserId))
        .collect())
}

/// Resumes the runs of member `user` (owners and admins).
pub async fn resume_member(db: &Db, actor: &Actor, user: UserId) -> Result<(), AppError> {
    actor.require(Permission::ResumeRuns)?;
    let ws = actor.workspace().id;
    let members = workspaces::members(db.pool(), ws).await?;
    let Some(member) = members.iter().find(|m| m.user_id == user) else {
        return Err(AppError::NotFound);
    };
    let mut tx = db.begin_write().await?;
    let cleared = withheld::clear(&mut tx, ws, &user_key(user)).await?;
    if cleared > 0 {
        audit::record(
            &mut tx,
            ws,
            &actor.who(),
            Action::RunsResumed,
            Some(&Target::user(user, &member.email)),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

//! Bulk import of a `.env` file: every line planned as a create, an
//! update or a refusal with its reason; applied in one transaction only
//! when no line is refused. Never an export of values.

use super::checks::{check_hosts, check_new, check_value, require_visibility};
use super::write::{insert_checked, write_value, Written};
use super::{lock_in, require_writer, NewVariable};
use crate::error::AppError;
use crate::model::{
    ImportAction, ImportLine, Permission, VariableId, VariableKind, VariableName, Visibility,
};
use crate::server::infra::crypto::{Keyring, SecretValue};
use crate::server::infra::db::variables as rows;
use crate::server::infra::db::Db;
use crate::server::infra::dotenv;
use crate::server::infra::hosts::HostPatterns;
use crate::server::web::authz::Actor;

/// Lines one import takes at most.
pub const IMPORT_MAX: usize = 1000;

/// What a bulk import asks: a `.env` file, and the kind, visibility and
/// allowed hosts of the whole batch.
pub struct ImportRequest {
    pub env: String,
    pub kind: VariableKind,
    pub visibility: Option<Visibility>,
    pub allowed_hosts: HostPatterns,
    /// False: only say what would happen.
    pub apply: bool,
}

/// Parses an import's `.env` text off the async workers (up to 2 MiB),
/// a few at a time; more waiting than that are turned away.
async fn parse_env(env: String) -> Result<Vec<dotenv::Entry>, AppError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    const MAX_IN_FLIGHT: usize = 4;
    struct Slot;
    impl Drop for Slot {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let slot = Slot;
    if IN_FLIGHT.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
        return Err(AppError::Unavailable(
            "Too many imports at once; try again in a moment".into(),
        ));
    }
    let parsed = tokio::task::spawn_blocking(move || dotenv::parse(&env)).await;
    drop(slot);
    parsed
        .map_err(|e| {
            tracing::error!(error = %e, "parsing an import");
            AppError::Internal
        })?
        .map_err(|e| AppError::invalid("env", e.to_string()))
}

/// Imports a `.env` file: each line becomes a create (a new name), an
/// update (the same kind and visibility: a new version, never compared
/// with what is stored) or a refusal with its reason. Applied, in one
/// transaction, only when no line is refused; never an export of values.
pub async fn import(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    req: ImportRequest,
    keep: u32,
) -> Result<Vec<ImportLine>, AppError> {
    // A member imports from an owner/admin page; a token by its scope.
    if let Actor::Member(_) = actor {
        actor.require(Permission::ManageWorkspace)?;
    }
    require_writer(actor, req.kind)?;
    let entries = parse_env(req.env.clone()).await?;
    if entries.is_empty() {
        return Err(AppError::invalid("env", "The file holds no KEY=value line"));
    }
    if entries.len() > IMPORT_MAX {
        return Err(AppError::invalid(
            "env",
            format!("A file imports at most {IMPORT_MAX} lines at once"),
        ));
    }
    let visibility = match req.kind {
        VariableKind::Plain => None,
        VariableKind::Secret => Some(require_visibility(req.visibility)?),
    };
    if let Some(v) = visibility {
        check_hosts(v, &req.allowed_hosts)?;
    }
    let ws = actor.workspace().id;
    // Each name's lines, in any case: a name twice in the file is refused.
    let mut lines_of: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for entry in &entries {
        lines_of
            .entry(entry.key.to_ascii_lowercase())
            .or_default()
            .push(entry.line);
    }
    let mut lines = Vec::with_capacity(entries.len());
    let mut plan: Vec<(usize, VariableName, Option<VariableId>)> = Vec::new();
    for entry in &entries {
        let refuse = |reason: String| ImportLine {
            line: entry.line as u32,
            name: entry.key.clone(),
            action: ImportAction::Refused,
            reason: Some(reason),
        };
        let same = &lines_of[&entry.key.to_ascii_lowercase()];
        if let Some(other) = same.iter().find(|&&l| l != entry.line) {
            lines.push(refuse(format!(
                "{} is in the file twice (lines {} and {})",
                entry.key,
                (*other).min(entry.line),
                (*other).max(entry.line)
            )));
            continue;
        }
        let name = match VariableName::parse(&entry.key) {
            Ok(name) => name,
            Err(rule) => {
                lines.push(refuse(rule));
                continue;
            }
        };
        if let Err(rule) = check_value(req.kind, &entry.value) {
            lines.push(refuse(rule));
            continue;
        }
        match rows::by_name(db.pool(), ws, &entry.key).await? {
            Some(existing) if existing.kind != req.kind || existing.visibility != visibility => {
                let what = match (existing.kind, existing.visibility) {
                    (VariableKind::Plain, _) => "a plain variable".to_string(),
                    (_, Some(v)) => format!("a {} secret", v.as_str()),
                    _ => "a secret".to_string(),
                };
                lines.push(refuse(format!(
                    "{} exists as {what}; the batch is of another kind or visibility",
                    existing.name
                )));
            }
            Some(existing) => {
                plan.push((lines.len(), name, Some(existing.id)));
                lines.push(ImportLine {
                    line: entry.line as u32,
                    name: existing.name,
                    action: ImportAction::Update,
                    reason: None,
                });
            }
            None => {
                plan.push((lines.len(), name, None));
                lines.push(ImportLine {
                    line: entry.line as u32,
                    name: entry.key.clone(),
                    action: ImportAction::Create,
                    reason: None,
                });
            }
        }
    }
    let refused = lines
        .iter()
        .filter(|l| l.action == ImportAction::Refused)
        .count();
    if !req.apply {
        return Ok(lines);
    }
    if refused > 0 {
        return Err(AppError::rule(format!(
            "{refused} of {} lines are refused; nothing was imported",
            lines.len()
        )));
    }
    let mut tx = db.begin_write().await?;
    for (at, name, existing) in plan {
        let entry = &entries[at];
        let value = SecretValue::new(entry.value.clone());
        match existing {
            Some(id) => {
                let Some(record) = lock_in(&mut tx, ws, id).await? else {
                    return Err(AppError::conflict(
                        "env",
                        format!("{} was deleted meanwhile; nothing was imported", entry.key),
                    ));
                };
                write_value(&mut tx, keyring, actor, &record, &value, keep, Written::Set).await?;
            }
            None => {
                let checked = check_new(
                    actor,
                    NewVariable {
                        kind: req.kind,
                        name,
                        value,
                        visibility,
                        allowed_hosts: req.allowed_hosts.clone(),
                        description: String::new(),
                        expires_on: None,
                    },
                )?;
                insert_checked(&mut tx, keyring, actor, &checked).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(lines)
}

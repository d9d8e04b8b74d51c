//! Variables and secrets of a workspace (SPEC §1, §2, §4): validation, role
//! rules, sealing, and the audited reveal. Every change is audited in its
//! own transaction.

use crate::error::AppError;
use crate::model::{
    check_secret_value, check_variable_value, Permission, VariableKind, VariableName, VariableView,
    VariablesPage, Visibility,
};
use crate::model::{ValueVersion, VariableId, WorkspaceId};
use crate::server::audit::{self, Action, Target};
use crate::server::authz::Actor;
use crate::server::crypto::keyring::ValueSlot;
use crate::server::crypto::{CryptoError, Keyring, SecretValue};
use crate::server::db::variables::{self as rows, NewRow, VariableRecord};
use crate::server::db::{Db, DbError};
use crate::server::hosts::HostPatterns;
use crate::template::RefKind;

pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// Rows the panel lists at most (a workspace with more is searched).
pub const LIST_LIMIT: i64 = 5000;

pub struct NewVariable {
    pub kind: VariableKind,
    pub name: String,
    /// Plain text for a plain variable; sealed at once for a secret.
    pub value: SecretValue,
    pub visibility: Option<Visibility>,
    pub allowed_hosts: String,
    pub description: String,
}

pub struct VariableChanges {
    /// For a secret, `None` (or empty) keeps the value as it is.
    pub value: Option<SecretValue>,
    pub allowed_hosts: String,
    pub description: String,
}

fn crypto_error(err: CryptoError) -> AppError {
    match err {
        CryptoError::KeyWornOut { .. } => AppError::rule(err.to_string()),
        other => {
            tracing::error!(error = %other, "secret store");
            AppError::Internal
        }
    }
}

fn slot(workspace: WorkspaceId, secret: VariableId, version: ValueVersion) -> ValueSlot {
    ValueSlot {
        workspace,
        secret,
        version,
    }
}

fn check_description(text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(AppError::invalid(
            "description",
            format!("Description must be at most {DESCRIPTION_MAX_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// The permission that writing a variable of this kind takes.
fn require_writer(actor: &Actor, kind: VariableKind) -> Result<(), AppError> {
    actor.require(match kind {
        VariableKind::Plain => Permission::WritePlain,
        VariableKind::Secret => Permission::WriteSecrets,
    })
}

/// Parses allowed hosts for a secret of `visibility`: restricted secrets
/// need at least one.
fn allowed_hosts_for(visibility: Visibility, text: &str) -> Result<String, AppError> {
    let patterns = HostPatterns::parse(text).map_err(|m| AppError::invalid("allowed_hosts", m))?;
    if visibility == Visibility::Restricted && patterns.is_empty() {
        return Err(AppError::invalid(
            "allowed_hosts",
            "A restricted secret needs at least one allowed host",
        ));
    }
    Ok(patterns.to_stored())
}

fn view(record: VariableRecord) -> VariableView {
    let kind = record.kind;
    VariableView {
        id: record.id,
        name: record.name,
        kind,
        visibility: record.visibility,
        // Only a plain variable's value is ever part of a view.
        value: match kind {
            VariableKind::Plain => record.plain_value,
            VariableKind::Secret => None,
        },
        description: record.description,
        allowed_hosts: record.allowed_hosts.lines().map(str::to_string).collect(),
        updated_at: record.updated_at,
        updated_by: record.updated_by_name,
        usage_count: 0,
        used_in: Vec::new(),
        last_used_at: record.last_used_at,
    }
}

pub async fn list(db: &Db, actor: &Actor, search: &str) -> Result<VariablesPage, AppError> {
    actor.require(Permission::ReadVariables)?;
    let ws = actor.workspace().id;
    let records = rows::list(db.pool(), ws, search.trim(), None, LIST_LIMIT).await?;
    let usages = crate::server::db::workflows::usages(db.pool(), ws).await?;
    let variables = records
        .into_iter()
        .map(|record| {
            let ref_kind = match record.kind {
                VariableKind::Secret => RefKind::Secret,
                VariableKind::Plain => RefKind::Var,
            };
            let key = record.name.to_ascii_lowercase();
            let mut v = view(record);
            v.used_in = usages
                .iter()
                .filter(|(kind, name_key, _)| *kind == ref_kind && *name_key == key)
                .map(|(_, _, used)| used.clone())
                .collect();
            v.usage_count = v.used_in.len() as i64;
            v
        })
        .collect();
    Ok(VariablesPage {
        variables,
        can_write_secrets: actor.can(Permission::WriteSecrets),
    })
}

async fn already_exists(db: &Db, workspace_id: WorkspaceId, name: &str) -> AppError {
    let existing = rows::name_in_use(db.pool(), workspace_id, name)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| name.to_string());
    AppError::conflict(
        "name",
        format!("A variable named {existing} already exists"),
    )
}

pub async fn create(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    input: NewVariable,
) -> Result<VariableView, AppError> {
    require_writer(actor, input.kind)?;
    let name = VariableName::parse(&input.name).map_err(|m| AppError::invalid("name", m))?;
    match input.kind {
        VariableKind::Plain => check_variable_value(input.value.expose()),
        VariableKind::Secret => check_secret_value(input.value.expose()),
    }
    .map_err(|m| AppError::invalid("value", m))?;
    let description = check_description(&input.description)?;
    let (visibility, allowed_hosts) = match (input.kind, input.visibility) {
        (VariableKind::Plain, _) => (None, String::new()),
        (VariableKind::Secret, None) => {
            return Err(AppError::invalid(
                "visibility",
                "Choose a visibility: Masked or Restricted",
            ))
        }
        (VariableKind::Secret, Some(v)) => (Some(v), allowed_hosts_for(v, &input.allowed_hosts)?),
    };
    let ws = actor.workspace().id;

    let mut tx = db.begin_write().await?;
    let key_version = match input.kind {
        VariableKind::Secret => Some(
            keyring
                .current_version(&mut tx, ws)
                .await
                .map_err(crypto_error)?,
        ),
        VariableKind::Plain => None,
    };
    let new_row = NewRow {
        workspace_id: ws,
        name: &name,
        kind: input.kind,
        visibility,
        plain_value: match input.kind {
            VariableKind::Plain => Some(input.value.expose()),
            VariableKind::Secret => None,
        },
        key_version,
        description: &description,
        allowed_hosts: &allowed_hosts,
        actor_id: actor.user_id(),
    };
    let id = match rows::insert(&mut tx, &new_row).await {
        Ok(id) => id,
        Err(err) if err.is_unique_violation() => {
            drop(tx);
            return Err(already_exists(db, ws, name.as_str()).await);
        }
        Err(err) => return Err(err.into()),
    };
    let action = match input.kind {
        VariableKind::Secret => {
            let (version, blob) = keyring
                .seal_value(&mut tx, slot(ws, id, ValueVersion::FIRST), &input.value)
                .await
                .map_err(crypto_error)?;
            rows::set_ciphertext(&mut tx, id, &blob, version, ValueVersion::FIRST, None).await?;
            Action::SecretCreated
        }
        VariableKind::Plain => Action::VariableCreated,
    };
    let target = Target::variable(input.kind, id, name.as_str());
    audit::record(
        &mut tx,
        ws,
        &actor.who(),
        action,
        Some(&target),
        visibility.map(|v| v.as_str().to_string()),
    )
    .await?;
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(view(record))
}

pub async fn update(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    id: VariableId,
    changes: VariableChanges,
) -> Result<VariableView, AppError> {
    let ws = actor.workspace().id;
    let mut tx = db.begin_write().await?;
    if !rows::lock(&mut tx, ws, id).await? {
        return Err(AppError::NotFound);
    }
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = record.kind;
    require_writer(actor, kind)?;
    let description = check_description(&changes.description)?;
    let target = Target::variable(record.kind, id, &record.name);
    let who = actor.who();
    let mut changed = false;

    match kind {
        VariableKind::Plain => {
            let value = changes
                .value
                .ok_or_else(|| AppError::invalid("value", "Value is required"))?;
            check_variable_value(value.expose()).map_err(|m| AppError::invalid("value", m))?;
            let value_changed = record.plain_value.as_deref() != Some(value.expose());
            if value_changed {
                rows::set_plain_value(&mut tx, id, value.expose()).await?;
            }
            if value_changed || description != record.description {
                rows::set_details(&mut tx, id, &description, "").await?;
                audit::record(
                    &mut tx,
                    ws,
                    &who,
                    Action::VariableUpdated,
                    Some(&target),
                    None,
                )
                .await?;
                changed = true;
            }
        }
        VariableKind::Secret => {
            let visibility = record.visibility.ok_or(AppError::Internal)?;
            let allowed_hosts = allowed_hosts_for(visibility, &changes.allowed_hosts)?;
            if let Some(value) = changes.value.filter(|v| !v.is_empty()) {
                check_secret_value(value.expose()).map_err(|m| AppError::invalid("value", m))?;
                let next = record.value_version.next();
                let (version, blob) = keyring
                    .seal_value(&mut tx, slot(ws, id, next), &value)
                    .await
                    .map_err(crypto_error)?;
                rows::set_ciphertext(&mut tx, id, &blob, version, next, None).await?;
                audit::record(
                    &mut tx,
                    ws,
                    &who,
                    Action::SecretValueUpdated,
                    Some(&target),
                    None,
                )
                .await?;
                changed = true;
            }
            if allowed_hosts != record.allowed_hosts {
                let detail = Some(allowed_hosts.replace('\n', ", "));
                audit::record(
                    &mut tx,
                    ws,
                    &who,
                    Action::SecretHostsUpdated,
                    Some(&target),
                    detail,
                )
                .await?;
                changed = true;
            }
            if description != record.description {
                audit::record(
                    &mut tx,
                    ws,
                    &who,
                    Action::SecretDescriptionUpdated,
                    Some(&target),
                    None,
                )
                .await?;
                changed = true;
            }
            rows::set_details(&mut tx, id, &description, &allowed_hosts).await?;
        }
    }
    if changed {
        rows::touch(&mut tx, id, actor.user_id()).await?;
    }
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(view(record))
}

pub async fn delete(db: &Db, actor: &Actor, id: VariableId) -> Result<(), AppError> {
    let ws = actor.workspace().id;
    let mut tx = db.begin_write().await?;
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = record.kind;
    require_writer(actor, kind)?;
    rows::delete(&mut tx, id).await?;
    let action = match kind {
        VariableKind::Secret => Action::SecretDeleted,
        VariableKind::Plain => Action::VariableDeleted,
    };
    let target = Target::variable(record.kind, id, &record.name);
    audit::record(&mut tx, ws, &actor.who(), action, Some(&target), None).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The value of a masked secret, for a temporary reveal. Audited in the
/// same transaction: no entry, no value. Restricted secrets are refused to
/// everyone.
pub async fn reveal(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    id: VariableId,
) -> Result<SecretValue, AppError> {
    actor.require(Permission::RevealSecret)?;
    let ws = actor.workspace().id;
    let mut tx = db.begin_write().await?;
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if record.kind != VariableKind::Secret {
        return Err(AppError::invalid(
            "id",
            format!("{} is not a secret", record.name),
        ));
    }
    if record.visibility != Some(Visibility::Masked) {
        return Err(AppError::Forbidden);
    }
    let (Some(blob), Some(key_version)) = (record.ciphertext.as_deref(), record.key_version) else {
        return Err(AppError::Internal);
    };
    let value = keyring
        .open_value(
            &mut tx,
            key_version,
            slot(ws, id, record.value_version),
            blob,
        )
        .await
        .map_err(crypto_error)?;
    let target = Target::variable(record.kind, id, &record.name);
    audit::record(
        &mut tx,
        ws,
        &actor.who(),
        Action::SecretRevealed,
        Some(&target),
        None,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(value)
}

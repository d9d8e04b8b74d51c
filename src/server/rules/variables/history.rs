//! A variable's earlier values: the history page, the audited reveal of
//! a masked secret's value (current or kept), and the restore of a kept
//! one as a new version.

use super::checks::no_such_version;
use super::write::{write_value, Written};
use super::{commit_view, locked, require_writer, slot, view};
use crate::error::AppError;
use crate::model::{
    HistoryPage, Permission, ValueVersion, VariableId, VariableKind, VariableView, VersionView,
    Visibility,
};
use crate::server::infra::crypto::{Keyring, SecretValue};
use crate::server::infra::db::variables as rows;
use crate::server::infra::db::{versions, Db};
use crate::server::rules::audit::{self, Action, Target};
use crate::server::web::authz::Actor;

/// The value of a masked secret, for a temporary reveal. Audited in the
/// same transaction: no entry, no value. Restricted secrets are refused to
/// everyone.
pub async fn reveal(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    id: VariableId,
    version: Option<ValueVersion>,
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
    // The current value, or an earlier one that is still kept.
    let (number, blob, key_version, detail) = match version {
        Some(v) if v != record.value_version => {
            let old = versions::get(&mut *tx, id, v)
                .await?
                .ok_or_else(|| no_such_version(v))?;
            (
                v,
                old.ciphertext,
                old.key_version,
                Some(format!("version {v}")),
            )
        }
        _ => (
            record.value_version,
            record.ciphertext,
            record.key_version,
            None,
        ),
    };
    let (Some(blob), Some(key_version)) = (blob, key_version) else {
        return Err(AppError::Internal);
    };
    let value = keyring
        .open_value(&mut tx, key_version, slot(ws, id, number), &blob)
        .await?;
    let target = Target::variable(record.kind, id, &record.name);
    audit::record(
        &mut tx,
        ws,
        &actor.who(),
        Action::SecretRevealed,
        Some(&target),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(value)
}

/// A variable's history: its current value's number and earlier values
/// (a plain variable's with their values; a secret's never).
pub async fn history(db: &Db, actor: &Actor, id: VariableId) -> Result<HistoryPage, AppError> {
    actor.require(Permission::ReadVariables)?;
    let ws = actor.workspace().id;
    let record = rows::get(db.pool(), ws, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let earlier = versions::list(db.pool(), id).await?;
    let kind = record.kind;
    let current = VersionView {
        version: record.value_version,
        set_at: record.value_set_at.unwrap_or(record.updated_at),
        set_by: record.value_set_by.clone(),
        value: None,
    };
    Ok(HistoryPage {
        can_restore: require_writer(actor, kind).is_ok(),
        can_reveal: record.visibility == Some(Visibility::Masked)
            && actor.can(Permission::RevealSecret),
        current,
        versions: earlier
            .into_iter()
            .map(|v| VersionView {
                version: v.value_version,
                set_at: v.set_at,
                set_by: v.set_by,
                value: match kind {
                    VariableKind::Plain => v.plain_value,
                    VariableKind::Secret => None,
                },
            })
            .collect(),
        variable: view(record),
    })
}

/// Makes an earlier value current again, as a new version (the current one
/// is kept in the history like any replaced value). Whoever may edit the
/// value may restore it; audited with both numbers.
pub async fn restore(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    id: VariableId,
    version: ValueVersion,
    keep: u32,
) -> Result<VariableView, AppError> {
    let ws = actor.workspace().id;
    let (mut tx, record) = locked(db, ws, id).await?;
    require_writer(actor, record.kind)?;
    if version == record.value_version {
        return Err(AppError::invalid(
            "version",
            format!("Version {version} is the current value"),
        ));
    }
    let old = versions::get(&mut *tx, id, version)
        .await?
        .ok_or_else(|| no_such_version(version))?;
    let value = match record.kind {
        VariableKind::Plain => SecretValue::new(old.plain_value.ok_or(AppError::Internal)?),
        VariableKind::Secret => {
            let (Some(blob), Some(key_version)) = (old.ciphertext.as_deref(), old.key_version)
            else {
                return Err(AppError::Internal);
            };
            keyring
                .open_value(&mut tx, key_version, slot(ws, id, version), blob)
                .await?
        }
    };
    let why = Written::Restored(version);
    write_value(&mut tx, keyring, actor, &record, &value, keep, why).await?;
    commit_view(tx, ws, id).await
}

//! Writing variables: create, update, set by name, delete. Every new value
//! goes through [`write_value`] (and a new secret's first one through
//! [`seal`]): the current value kept in the history, the new one sealed and
//! stored within the workspace's cap, the change audited, all in the
//! caller's transaction.

use super::checks::{
    check_description, check_expiry, check_hosts, check_new, check_not_past, check_value, Checked,
};
use super::{commit_view, id_by_name, locked, require_writer, slot, NewVariable, VariableChanges};
use crate::error::AppError;
use crate::model::{Day, ValueVersion, VariableId, VariableKind, VariableView, WorkspaceId};
use crate::server::infra::crypto::{Keyring, SecretValue};
use crate::server::infra::db::variables::{self as rows, NewRow, VariableRecord};
use crate::server::infra::db::{now_ms, runs, versions, workspaces, Db, DbError};
use crate::server::rules::audit::{self, Action, Target};
use crate::server::web::authz::Actor;
use sqlx::AnyConnection;

/// What the secret values of a workspace may hold in all (SECURITY.md):
/// it bounds each instance's fingerprint set of the workspace (about 8
/// bytes a character) and the work of building it.
pub const WORKSPACE_SECRET_BYTES: i64 = 2 * 1024 * 1024;

/// Why a variable gets a new value.
pub(super) enum Written {
    /// Set by its writer: checked against the value rules first.
    Set,
    /// An earlier kept version made current again (it passed the rules
    /// when it was set).
    Restored(ValueVersion),
}

/// Keeps the current value of `record` in its history before it is
/// replaced (at most `keep` earlier values).
async fn keep_current(
    conn: &mut AnyConnection,
    record: &VariableRecord,
    keep: u32,
) -> Result<(), DbError> {
    let old = versions::Replaced {
        workspace_id: record.workspace_id,
        variable_id: record.id,
        value_version: record.value_version,
        plain_value: record.plain_value.as_deref(),
        ciphertext: record.ciphertext.as_deref(),
        key_version: record.key_version,
        set_at: record.value_set_at.unwrap_or(record.updated_at),
        set_by: record.value_set_by.as_deref(),
    };
    versions::push(conn, &old, keep).await
}

/// Seals `value` as version `version` of secret `id` and stores it,
/// refusing it when the workspace's secrets would pass
/// [`WORKSPACE_SECRET_BYTES`].
///
/// Lock order (PostgreSQL): the secret's row, then the workspace's row
/// (whose secret generation every new value moves, by trigger), then the
/// data key's seal count. A new secret's insert moves the generation
/// before it seals, so the workspace is taken here before the count on
/// every path; two orders would deadlock.
async fn seal(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    ws: WorkspaceId,
    id: VariableId,
    version: ValueVersion,
    value: &SecretValue,
) -> Result<(), AppError> {
    workspaces::lock(conn, ws).await?;
    let (key_version, blob) = keyring
        .seal_value(conn, slot(ws, id, version), value)
        .await?;
    rows::set_ciphertext(conn, id, &blob, key_version, version, None).await?;
    if rows::secret_value_bytes(conn, ws).await? > WORKSPACE_SECRET_BYTES {
        return Err(AppError::invalid(
            "value",
            "A workspace's secrets may hold at most 2 MiB of values in all; this value would \
             pass it. Nothing was stored.",
        ));
    }
    Ok(())
}

/// Writes a new value of a locked variable as a new version, keeping the
/// one it replaces, and audits it: in the caller's transaction.
pub(super) async fn write_value(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    actor: &Actor,
    record: &VariableRecord,
    value: &SecretValue,
    keep: u32,
    why: Written,
) -> Result<(), AppError> {
    require_writer(actor, record.kind)?;
    if let Written::Set = why {
        check_value(record.kind, value.expose()).map_err(|m| AppError::invalid("value", m))?;
    }
    let (ws, id) = (record.workspace_id, record.id);
    let next = record.value_version.next();
    let action = match (record.kind, &why) {
        (VariableKind::Plain, _) => {
            keep_current(conn, record, keep).await?;
            rows::set_plain_value(conn, id, value.expose()).await?;
            match why {
                Written::Set => Action::VariableUpdated,
                Written::Restored(_) => Action::VariableVersionRestored,
            }
        }
        (VariableKind::Secret, _) => {
            keep_current(conn, record, keep).await?;
            seal(conn, keyring, ws, id, next, value).await?;
            // Its health starts again with the new value.
            runs::forget(conn, id).await?;
            match why {
                Written::Set => Action::SecretValueUpdated,
                Written::Restored(_) => Action::SecretVersionRestored,
            }
        }
    };
    let who = actor.who();
    rows::value_set_by(conn, id, &who.label()).await?;
    rows::touch(conn, id, actor.user_id()).await?;
    let target = Target::variable(record.kind, id, &record.name);
    let detail = match why {
        Written::Set => None,
        Written::Restored(from) => Some(format!("version {from} restored as version {next}")),
    };
    audit::record(conn, ws, &who, action, Some(&target), detail).await?;
    Ok(())
}

/// Sets a variable's value by name, always as a new version: never
/// compared with the stored one, so the answer is the same whatever was
/// stored (the REST API's idempotent PUT; no guess can be tested).
pub async fn set_value(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    name: &str,
    value: SecretValue,
    keep: u32,
) -> Result<VariableView, AppError> {
    let ws = actor.workspace().id;
    let id = id_by_name(db, actor, name).await?;
    let (mut tx, record) = locked(db, ws, id).await?;
    write_value(&mut tx, keyring, actor, &record, &value, keep, Written::Set).await?;
    commit_view(tx, ws, id).await
}

/// Inserts a checked variable, seals its value and audits it, in the
/// caller's transaction. A name taken is a `Conflict`.
pub(super) async fn insert_checked(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    actor: &Actor,
    c: &Checked,
) -> Result<VariableId, AppError> {
    let ws = actor.workspace().id;
    let key_version = match c.kind {
        VariableKind::Secret => Some(keyring.current_version(conn, ws).await?),
        VariableKind::Plain => None,
    };
    let allowed_hosts = c.allowed_hosts.to_stored();
    let expires_on = c.expires_on.map(Day::to_iso);
    let new_row = NewRow {
        workspace_id: ws,
        name: &c.name,
        kind: c.kind,
        visibility: c.visibility,
        plain_value: match c.kind {
            VariableKind::Plain => Some(c.value.expose()),
            VariableKind::Secret => None,
        },
        key_version,
        description: &c.description,
        allowed_hosts: &allowed_hosts,
        actor_id: actor.user_id(),
        actor_label: &actor.who().label(),
        expires_on: expires_on.as_deref(),
    };
    let id = match rows::insert(conn, &new_row).await {
        Ok(id) => id,
        Err(err) if err.is_unique_violation() => {
            return Err(AppError::conflict(
                "name",
                format!("A variable named {} already exists", c.name.as_str()),
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let action = match c.kind {
        VariableKind::Secret => {
            seal(conn, keyring, ws, id, ValueVersion::FIRST, &c.value).await?;
            Action::SecretCreated
        }
        VariableKind::Plain => Action::VariableCreated,
    };
    let target = Target::variable(c.kind, id, c.name.as_str());
    let detail = c.visibility.map(|v| v.as_str().to_string());
    audit::record(conn, ws, &actor.who(), action, Some(&target), detail).await?;
    Ok(id)
}

pub async fn create(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    input: NewVariable,
) -> Result<VariableView, AppError> {
    let checked = check_new(actor, input)?;
    let ws = actor.workspace().id;
    let mut tx = db.begin_write().await?;
    let id = match insert_checked(&mut tx, keyring, actor, &checked).await {
        Ok(id) => id,
        Err(AppError::Conflict { .. }) => {
            drop(tx);
            return Err(already_exists(db, ws, checked.name.as_str()).await);
        }
        Err(err) => return Err(err),
    };
    commit_view(tx, ws, id).await
}

/// The refusal of a name taken, spelled as the existing variable is.
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

/// Saves the edit panel. A new value keeps the one it replaces in the
/// history (at most `keep` earlier values); each other change of a secret
/// is audited by what it changed.
pub async fn update(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    id: VariableId,
    changes: VariableChanges,
    keep: u32,
) -> Result<VariableView, AppError> {
    let ws = actor.workspace().id;
    let (mut tx, record) = locked(db, ws, id).await?;
    let kind = record.kind;
    require_writer(actor, kind)?;
    let description = check_description(&changes.description)?;
    let day = check_expiry(kind, changes.expires_on)?;
    let expires_on = day.map(Day::to_iso);
    if expires_on != record.expires_on {
        check_not_past(day, Day::of_ms(now_ms()))?;
    }
    let target = Target::variable(record.kind, id, &record.name);
    let who = actor.who();
    let mut audits: Vec<(Action, Option<String>)> = Vec::new();

    match kind {
        VariableKind::Plain => {
            let value = changes
                .value
                .ok_or_else(|| AppError::invalid("value", "Value is required"))?;
            check_value(kind, value.expose()).map_err(|m| AppError::invalid("value", m))?;
            if record.plain_value.as_deref() != Some(value.expose()) {
                write_value(&mut tx, keyring, actor, &record, &value, keep, Written::Set).await?;
            } else if description != record.description {
                audits.push((Action::VariableUpdated, None));
            }
            rows::set_details(&mut tx, id, &description, "").await?;
        }
        VariableKind::Secret => {
            let visibility = record.visibility.ok_or(AppError::Internal)?;
            check_hosts(visibility, &changes.allowed_hosts)?;
            let allowed_hosts = changes.allowed_hosts.to_stored();
            if let Some(value) = changes.value.filter(|v| !v.is_empty()) {
                write_value(&mut tx, keyring, actor, &record, &value, keep, Written::Set).await?;
            }
            if allowed_hosts != record.allowed_hosts {
                let listed = changes.allowed_hosts.to_string();
                audits.push((Action::SecretHostsUpdated, Some(listed)));
            }
            if description != record.description {
                audits.push((Action::SecretDescriptionUpdated, None));
            }
            if expires_on != record.expires_on {
                rows::set_expiry(&mut tx, id, expires_on.as_deref()).await?;
                let day = expires_on.clone().unwrap_or_else(|| "none".into());
                audits.push((Action::SecretExpiryUpdated, Some(day)));
            }
            rows::set_details(&mut tx, id, &description, &allowed_hosts).await?;
        }
    }
    if !audits.is_empty() {
        rows::touch(&mut tx, id, actor.user_id()).await?;
    }
    for (action, detail) in audits {
        audit::record(&mut tx, ws, &who, action, Some(&target), detail).await?;
    }
    commit_view(tx, ws, id).await
}

/// Where AI agents (MCP) may put secret `id`: a header value only, or the
/// URL and body too. An owner's or admin's call, made in the panel: never
/// a token's (one may create secrets, but not widen what agents do).
pub async fn set_agent_placement(
    db: &Db,
    actor: &Actor,
    id: VariableId,
    anywhere: bool,
) -> Result<(), AppError> {
    if actor.user_id().is_none() {
        return Err(AppError::Forbidden);
    }
    let ws = actor.workspace().id;
    let (mut tx, record) = locked(db, ws, id).await?;
    require_writer(actor, VariableKind::Secret)?;
    if record.kind != VariableKind::Secret {
        return Err(AppError::invalid(
            "id",
            "Only a secret has an agent placement",
        ));
    }
    if (record.agents_anywhere != 0) == anywhere {
        return Ok(());
    }
    rows::set_agents_anywhere(&mut tx, id, anywhere).await?;
    rows::touch(&mut tx, id, actor.user_id()).await?;
    let said = if anywhere {
        "in a header, the URL or the body"
    } else {
        "in a header value only"
    };
    let target = Target::variable(record.kind, id, &record.name);
    let action = Action::SecretAgentPlacementUpdated;
    audit::record(
        &mut tx,
        ws,
        &actor.who(),
        action,
        Some(&target),
        Some(said.into()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
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
    tx.commit().await?;
    Ok(())
}

//! Variables and secrets of a workspace (SPEC §1, §2, §4): validation, role
//! rules, sealing, and the audited reveal. Every change is audited in its
//! own transaction.

use crate::error::AppError;
use crate::model::{
    check_secret_value, check_variable_value, Day, HistoryPage, ImportAction, ImportLine,
    ListFilter, Permission, SecretHealth, VariableKind, VariableName, VariableView, VariablesPage,
    VersionView, Visibility, EXPIRING_SOON_DAYS,
};
use crate::model::{KeyVersion, ValueVersion, VariableId, WorkspaceId};
use crate::server::audit::{self, Action, Target};
use crate::server::authz::Actor;
use crate::server::crypto::keyring::ValueSlot;
use crate::server::crypto::{CryptoError, Keyring, SecretValue};
use crate::server::db::variables::{self as rows, ListQuery, NewRow, VariableRecord};
use crate::server::db::{now_ms, runs, versions, Db, DbError, WriteTx};
use crate::server::hosts::HostPatterns;
use crate::template::RefKind;
use sqlx::AnyConnection;

pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// Rows of one page of the Variables panel.
pub const PAGE_SIZE: i64 = 50;
/// Lines one import takes at most.
pub const IMPORT_MAX: usize = 1000;

pub struct NewVariable {
    pub kind: VariableKind,
    pub name: String,
    /// Plain text for a plain variable; sealed at once for a secret.
    pub value: SecretValue,
    pub visibility: Option<Visibility>,
    pub allowed_hosts: String,
    pub description: String,
    /// A secret's expiry date, `YYYY-MM-DD`; empty for none.
    pub expires_on: String,
}

pub struct VariableChanges {
    /// For a secret, `None` (or empty) keeps the value as it is.
    pub value: Option<SecretValue>,
    pub allowed_hosts: String,
    pub description: String,
    /// A secret's expiry date, `YYYY-MM-DD`; empty for none.
    pub expires_on: String,
}

/// Which page of the Variables panel to list.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub search: String,
    pub filter: ListFilter,
    pub after: Option<String>,
    pub before: Option<String>,
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

/// A secret's expiry date: empty for none, else a real `YYYY-MM-DD` day.
/// Plain variables have none.
fn check_expiry(kind: VariableKind, text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if kind == VariableKind::Plain {
        return Err(AppError::invalid(
            "expires_on",
            "Only a secret has an expiry date",
        ));
    }
    let day = Day::parse(text).ok_or_else(|| {
        AppError::invalid(
            "expires_on",
            "Expiry date must be a date written YYYY-MM-DD, in the years 2000 to 9999",
        )
    })?;
    Ok(Some(day.to_iso()))
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
        expires_on: record.expires_on,
    }
}

/// One page of the Variables panel: rows in name order from a cursor,
/// searched and filtered in the database, with where each is used and how
/// each secret's runs went.
pub async fn list(db: &Db, actor: &Actor, req: &ListRequest) -> Result<VariablesPage, AppError> {
    actor.require(Permission::ReadVariables)?;
    let ws = actor.workspace().id;
    let soon = Day(Day::of_ms(now_ms()).0 + EXPIRING_SOON_DAYS).to_iso();
    let query = ListQuery {
        search: req.search.trim(),
        kind: None,
        expiring_by: (req.filter == ListFilter::Expiring).then_some(soon.as_str()),
        failing: req.filter == ListFilter::Failing,
        after: req.after.as_deref(),
        before: req.before.as_deref(),
        limit: PAGE_SIZE,
    };
    let (records, more) = rows::page(db.pool(), ws, &query).await?;
    let backwards = query.before.is_some() && query.after.is_none();
    let first = records.first().map(|r| r.name.to_ascii_lowercase());
    let last = records.last().map(|r| r.name.to_ascii_lowercase());
    let (prev, next) = if backwards {
        (first.filter(|_| more), last)
    } else {
        (
            first.filter(|_| query.after.is_some()),
            last.filter(|_| more),
        )
    };

    let keys: Vec<String> = records
        .iter()
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    let usages = crate::server::db::workflows::usages(db.pool(), ws, &keys).await?;
    let secret_ids: Vec<VariableId> = records
        .iter()
        .filter(|r| r.kind == VariableKind::Secret)
        .map(|r| r.id)
        .collect();
    let runs = runs::recent(db.pool(), &secret_ids).await?;
    let health = secret_ids
        .iter()
        .filter_map(|id| {
            let mine = runs.iter().filter(|r| r.variable_id == *id);
            let health =
                SecretHealth::from_runs(mine.map(|r| (r.block_name.as_str(), r.status, r.at)));
            (health.runs > 0).then_some((*id, health))
        })
        .collect();
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
        health,
        can_write_secrets: actor.can(Permission::WriteSecrets),
        next,
        prev,
    })
}

/// One variable as the panel shows it (no usages).
pub async fn get(db: &Db, actor: &Actor, id: VariableId) -> Result<VariableView, AppError> {
    actor.require(Permission::ReadVariables)?;
    let record = rows::get(db.pool(), actor.workspace().id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(record))
}

/// One variable by name, any case (the REST API's address for it).
pub async fn get_by_name(db: &Db, actor: &Actor, name: &str) -> Result<VariableView, AppError> {
    actor.require(Permission::ReadVariables)?;
    let record = rows::by_name(db.pool(), actor.workspace().id, name)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(record))
}

/// The id of a variable by name, for a caller that may write some kind of
/// variable but not read them (a token with a write scope only): whether
/// the name exists is told only to those who could change it.
pub async fn id_by_name(db: &Db, actor: &Actor, name: &str) -> Result<VariableId, AppError> {
    if !(actor.can(Permission::WritePlain) || actor.can(Permission::WriteSecrets)) {
        return Err(AppError::Forbidden);
    }
    Ok(rows::by_name(db.pool(), actor.workspace().id, name)
        .await?
        .ok_or(AppError::NotFound)?
        .id)
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
    write_value(&mut tx, keyring, actor, &record, &value, keep).await?;
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(view(record))
}

/// What the secret values of a workspace may hold in all (SECURITY.md):
/// it bounds each instance's fingerprint set of the workspace (about 8
/// bytes a character) and the work of building it.
pub const WORKSPACE_SECRET_BYTES: i64 = 2 * 1024 * 1024;

/// Stores a newly sealed value, in the caller's transaction, refusing it
/// when the workspace's secrets would pass [`WORKSPACE_SECRET_BYTES`].
async fn store_sealed(
    conn: &mut AnyConnection,
    ws: WorkspaceId,
    id: VariableId,
    blob: &[u8],
    key_version: KeyVersion,
    version: ValueVersion,
) -> Result<(), AppError> {
    rows::set_ciphertext(conn, id, blob, key_version, version, None).await?;
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
async fn write_value(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    actor: &Actor,
    record: &VariableRecord,
    value: &SecretValue,
    keep: u32,
) -> Result<(), AppError> {
    require_writer(actor, record.kind)?;
    let (ws, id) = (record.workspace_id, record.id);
    let who = actor.who();
    let action = match record.kind {
        VariableKind::Plain => {
            check_variable_value(value.expose()).map_err(|m| AppError::invalid("value", m))?;
            keep_current(conn, record, keep).await?;
            rows::set_plain_value(conn, id, value.expose()).await?;
            Action::VariableUpdated
        }
        VariableKind::Secret => {
            check_secret_value(value.expose()).map_err(|m| AppError::invalid("value", m))?;
            let next = record.value_version.next();
            let (version, blob) = keyring
                .seal_value(conn, slot(ws, id, next), value)
                .await
                .map_err(crypto_error)?;
            keep_current(conn, record, keep).await?;
            store_sealed(conn, ws, id, &blob, version, next).await?;
            runs::forget(conn, id).await?;
            Action::SecretValueUpdated
        }
    };
    rows::value_set_by(conn, id, &who.label()).await?;
    rows::touch(conn, id, actor.user_id()).await?;
    let target = Target::variable(record.kind, id, &record.name);
    audit::record(conn, ws, &who, action, Some(&target), None).await?;
    Ok(())
}

/// What a bulk import asks: a `.env` file, and the kind, visibility and
/// allowed hosts of the whole batch.
pub struct ImportRequest {
    pub env: String,
    pub kind: VariableKind,
    pub visibility: Option<Visibility>,
    pub allowed_hosts: String,
    /// False: only say what would happen.
    pub apply: bool,
}

/// Parses an import's `.env` text off the async workers (up to 2 MiB),
/// a few at a time; more waiting than that are turned away.
async fn parse_env(env: String) -> Result<Vec<crate::server::dotenv::Entry>, AppError> {
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
    let parsed = tokio::task::spawn_blocking(move || crate::server::dotenv::parse(&env)).await;
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
        VariableKind::Secret => Some(req.visibility.ok_or_else(|| {
            AppError::invalid("visibility", "Choose a visibility: Masked or Restricted")
        })?),
    };
    let allowed_hosts = match visibility {
        Some(v) => allowed_hosts_for(v, &req.allowed_hosts)?,
        None => String::new(),
    };
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
    let mut plan: Vec<(usize, Option<VariableId>)> = Vec::new();
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
        if let Err(rule) = VariableName::parse(&entry.key) {
            lines.push(refuse(rule));
            continue;
        }
        let rule = match req.kind {
            VariableKind::Plain => check_variable_value(&entry.value),
            VariableKind::Secret => check_secret_value(&entry.value),
        };
        if let Err(rule) = rule {
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
                plan.push((lines.len(), Some(existing.id)));
                lines.push(ImportLine {
                    line: entry.line as u32,
                    name: existing.name,
                    action: ImportAction::Update,
                    reason: None,
                });
            }
            None => {
                plan.push((lines.len(), None));
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
    for (at, existing) in plan {
        let entry = &entries[at];
        let value = SecretValue::new(entry.value.clone());
        match existing {
            Some(id) => {
                if !rows::lock(&mut tx, ws, id).await? {
                    return Err(AppError::conflict(
                        "env",
                        format!("{} was deleted meanwhile; nothing was imported", entry.key),
                    ));
                }
                let record = rows::get(&mut *tx, ws, id)
                    .await?
                    .ok_or(AppError::Internal)?;
                write_value(&mut tx, keyring, actor, &record, &value, keep).await?;
            }
            None => {
                let checked = check_new(
                    actor,
                    NewVariable {
                        kind: req.kind,
                        name: entry.key.clone(),
                        value,
                        visibility,
                        allowed_hosts: allowed_hosts.clone(),
                        description: String::new(),
                        expires_on: String::new(),
                    },
                )?;
                insert_checked(&mut tx, keyring, actor, &checked).await?;
            }
        }
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(lines)
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

/// A new variable whose input passed every check.
struct Checked {
    kind: VariableKind,
    name: VariableName,
    value: SecretValue,
    visibility: Option<Visibility>,
    allowed_hosts: String,
    description: String,
    expires_on: Option<String>,
}

fn check_new(actor: &Actor, input: NewVariable) -> Result<Checked, AppError> {
    require_writer(actor, input.kind)?;
    let name = VariableName::parse(&input.name).map_err(|m| AppError::invalid("name", m))?;
    match input.kind {
        VariableKind::Plain => check_variable_value(input.value.expose()),
        VariableKind::Secret => check_secret_value(input.value.expose()),
    }
    .map_err(|m| AppError::invalid("value", m))?;
    let description = check_description(&input.description)?;
    let expires_on = check_expiry(input.kind, &input.expires_on)?;
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
    Ok(Checked {
        kind: input.kind,
        name,
        value: input.value,
        visibility,
        allowed_hosts,
        description,
        expires_on,
    })
}

/// Inserts a checked variable, seals its value and audits it, in the
/// caller's transaction. A name taken is a `Conflict`.
async fn insert_checked(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    actor: &Actor,
    c: &Checked,
) -> Result<VariableId, AppError> {
    let ws = actor.workspace().id;
    let key_version = match c.kind {
        VariableKind::Secret => Some(
            keyring
                .current_version(conn, ws)
                .await
                .map_err(crypto_error)?,
        ),
        VariableKind::Plain => None,
    };
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
        allowed_hosts: &c.allowed_hosts,
        actor_id: actor.user_id(),
        actor_label: &actor.who().label(),
        expires_on: c.expires_on.as_deref(),
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
            let (version, blob) = keyring
                .seal_value(conn, slot(ws, id, ValueVersion::FIRST), &c.value)
                .await
                .map_err(crypto_error)?;
            store_sealed(conn, ws, id, &blob, version, ValueVersion::FIRST).await?;
            Action::SecretCreated
        }
        VariableKind::Plain => Action::VariableCreated,
    };
    let target = Target::variable(c.kind, id, c.name.as_str());
    audit::record(
        conn,
        ws,
        &actor.who(),
        action,
        Some(&target),
        c.visibility.map(|v| v.as_str().to_string()),
    )
    .await?;
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
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(view(record))
}

/// A write transaction holding variable `id`'s row, and the row.
async fn locked(
    db: &Db,
    ws: WorkspaceId,
    id: VariableId,
) -> Result<(WriteTx, VariableRecord), AppError> {
    let mut tx = db.begin_write().await?;
    if !rows::lock(&mut tx, ws, id).await? {
        return Err(AppError::NotFound);
    }
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((tx, record))
}

/// Saves the edit panel. A new value keeps the one it replaces in the
/// history (at most `keep` earlier values).
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
    let expires_on = check_expiry(kind, &changes.expires_on)?;
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
                keep_current(&mut tx, &record, keep).await?;
                rows::set_plain_value(&mut tx, id, value.expose()).await?;
                rows::value_set_by(&mut tx, id, &who.label()).await?;
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
                keep_current(&mut tx, &record, keep).await?;
                store_sealed(&mut tx, ws, id, &blob, version, next).await?;
                rows::value_set_by(&mut tx, id, &who.label()).await?;
                // Its health starts again with the new value.
                runs::forget(&mut tx, id).await?;
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
            if expires_on != record.expires_on {
                rows::set_expiry(&mut tx, id, expires_on.as_deref()).await?;
                let detail = Some(expires_on.clone().unwrap_or_else(|| "none".into()));
                audit::record(
                    &mut tx,
                    ws,
                    &who,
                    Action::SecretExpiryUpdated,
                    Some(&target),
                    detail,
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
        .await
        .map_err(crypto_error)?;
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
    tx.commit().await.map_err(DbError::from)?;
    Ok(value)
}

fn no_such_version(v: ValueVersion) -> AppError {
    AppError::invalid("version", format!("Version {v} is not kept any more"))
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
    let next = record.value_version.next();
    let who = actor.who();
    let action = match record.kind {
        VariableKind::Plain => {
            let value = old.plain_value.ok_or(AppError::Internal)?;
            keep_current(&mut tx, &record, keep).await?;
            rows::set_plain_value(&mut tx, id, &value).await?;
            Action::VariableVersionRestored
        }
        VariableKind::Secret => {
            let (Some(blob), Some(key_version)) = (old.ciphertext.as_deref(), old.key_version)
            else {
                return Err(AppError::Internal);
            };
            let value = keyring
                .open_value(&mut tx, key_version, slot(ws, id, version), blob)
                .await
                .map_err(crypto_error)?;
            let (sealed_with, blob) = keyring
                .seal_value(&mut tx, slot(ws, id, next), &value)
                .await
                .map_err(crypto_error)?;
            keep_current(&mut tx, &record, keep).await?;
            store_sealed(&mut tx, ws, id, &blob, sealed_with, next).await?;
            runs::forget(&mut tx, id).await?;
            Action::SecretVersionRestored
        }
    };
    rows::value_set_by(&mut tx, id, &who.label()).await?;
    rows::touch(&mut tx, id, actor.user_id()).await?;
    let target = Target::variable(record.kind, id, &record.name);
    audit::record(
        &mut tx,
        ws,
        &who,
        action,
        Some(&target),
        Some(format!("version {version} restored as version {next}")),
    )
    .await?;
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(view(record))
}

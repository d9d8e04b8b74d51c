//! Variables and secrets of a workspace (SPEC §1, §2, §4): validation, role
//! rules, sealing, and the audited reveal. Every change is audited in its
//! own transaction.
//!
//! - `checks`: what a new or changed variable must be, before anything runs;
//! - `list`: pages and single variables as the panel and REST API read them;
//! - `write`: create, update, set, delete: every new value through one
//!   `write_value`;
//! - `import`: a `.env` file, planned line by line, applied all or nothing;
//! - `history`: earlier values, their audited reveal and restore.

mod checks;
mod history;
mod import;
mod list;
mod write;

pub use checks::{parse_expiry, parse_host_list, parse_hosts, parse_name};
pub use history::{history, restore, reveal};
pub use import::{import, ImportRequest, IMPORT_MAX};
pub use list::{get, get_by_name, id_by_name, list, PAGE_SIZE};
pub use write::{create, delete, set_agent_placement, set_value, update, WORKSPACE_SECRET_BYTES};

use crate::error::AppError;
use crate::model::{Day, ListFilter, VariableName};
use crate::model::{
    Permission, ValueVersion, VariableId, VariableKind, VariableView, Visibility, WorkspaceId,
};
use crate::server::infra::crypto::keyring::ValueSlot;
use crate::server::infra::crypto::SecretValue;
use crate::server::infra::db::variables::{self as rows, VariableRecord};
use crate::server::infra::db::{Db, WriteTx};
use crate::server::infra::hosts::HostPatterns;
use crate::server::web::authz::Actor;
use sqlx::AnyConnection;

pub const DESCRIPTION_MAX_CHARS: usize = 500;

/// A new variable, its fields parsed at the edge (`parse_name`,
/// `parse_hosts`, `parse_expiry`); the rules that join fields are checked
/// by `create`.
pub struct NewVariable {
    pub kind: VariableKind,
    pub name: VariableName,
    /// Plain text for a plain variable; sealed at once for a secret.
    pub value: SecretValue,
    pub visibility: Option<Visibility>,
    /// A secret's; a plain variable's are ignored.
    pub allowed_hosts: HostPatterns,
    pub description: String,
    pub expires_on: Option<Day>,
}

/// What the edit panel saves: it replaces what is stored.
pub struct VariableChanges {
    /// For a secret, `None` (or empty) keeps the value as it is.
    pub value: Option<SecretValue>,
    pub allowed_hosts: HostPatterns,
    pub description: String,
    pub expires_on: Option<Day>,
}

/// Which page of the Variables panel to list.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub search: String,
    /// Only secrets, or only plain variables (agents list them apart).
    pub kind: Option<VariableKind>,
    pub filter: ListFilter,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// Where a secret's value is sealed: its ciphertext is bound to it.
fn slot(workspace: WorkspaceId, secret: VariableId, version: ValueVersion) -> ValueSlot {
    ValueSlot {
        workspace,
        secret,
        version,
    }
}

/// The permission that writing a variable of this kind takes.
fn require_writer(actor: &Actor, kind: VariableKind) -> Result<(), AppError> {
    actor.require(match kind {
        VariableKind::Plain => Permission::WritePlain,
        VariableKind::Secret => Permission::WriteSecrets,
    })
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
        agents_anywhere: record.agents_anywhere != 0,
    }
}

/// A write transaction holding variable `id`'s row, and the row.
async fn locked(
    db: &Db,
    ws: WorkspaceId,
    id: VariableId,
) -> Result<(WriteTx, VariableRecord), AppError> {
    let mut tx = db.begin_write().await?;
    let record = lock_in(&mut tx, ws, id).await?.ok_or(AppError::NotFound)?;
    Ok((tx, record))
}

/// Locks variable `id`'s row in the caller's transaction; `None` when it
/// is gone.
async fn lock_in(
    conn: &mut AnyConnection,
    ws: WorkspaceId,
    id: VariableId,
) -> Result<Option<VariableRecord>, AppError> {
    if !rows::lock(conn, ws, id).await? {
        return Ok(None);
    }
    Ok(rows::get(&mut *conn, ws, id).await?)
}

/// Reads back a variable written in `tx`, commits, and shows it.
async fn commit_view(
    mut tx: WriteTx,
    ws: WorkspaceId,
    id: VariableId,
) -> Result<VariableView, AppError> {
    let record = rows::get(&mut *tx, ws, id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(view(record))
}

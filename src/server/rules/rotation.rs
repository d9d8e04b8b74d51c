//! Key rotation without downtime (SPEC §3) and the `check` of every
//! ciphertext. Each step commits on its own, so a crash at any point
//! leaves every value decryptable, and running the rotation again
//! completes it.

use crate::model::{BlockId, KeyVersion, VariableId, WorkspaceId};
use crate::server::infra::crypto::aead::{self, data_key_aad};
use crate::server::infra::crypto::keyring::ValueSlot;
use crate::server::infra::crypto::{CryptoError, Keyring, MasterKey};
use crate::server::infra::db::variables as rows;
use crate::server::infra::db::workflows as blocks;
use crate::server::infra::db::{data_keys, meta, workspaces, Db, DbError};
use crate::server::infra::db::{reminders, versions};
use crate::server::rules::api_block;
use crate::server::rules::audit::{self, Action, Target, Who};
use std::ops::ControlFlow;

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no workspace has the slug {0}")]
    NoWorkspace(String),
    #[error(
        "data key {workspace}/{version} is wrapped by master key {found}, which is neither \
         the current key ({old}) nor the new one ({new})"
    )]
    UnknownMasterKey {
        workspace: WorkspaceId,
        version: KeyVersion,
        found: String,
        old: String,
        new: String,
    },
    #[error("stopped after {0} batches (fault injection)")]
    Interrupted(usize),
}

impl From<sqlx::Error> for RotationError {
    fn from(err: sqlx::Error) -> Self {
        RotationError::Db(err.into())
    }
}

/// Re-wraps every data key under `new`, in one transaction. Keys already
/// under `new` (a rerun) are left alone. Returns how many were re-wrapped.
pub async fn rotate_master_key(
    db: &Db,
    old: &MasterKey,
    new: &MasterKey,
) -> Result<u64, RotationError> {
    let mut tx = db.begin_write().await?;
    let mut rewrapped = 0;
    for mut key in data_keys::all(&mut tx).await? {
        if key.master_key_id == new.id() {
            continue;
        }
        if key.master_key_id != old.id() {
            return Err(RotationError::UnknownMasterKey {
                workspace: key.workspace_id,
                version: key.version,
                found: key.master_key_id,
                old: old.id().into(),
                new: new.id().into(),
            });
        }
        let data_key = aead::unwrap(
            old,
            &key.wrapped,
            &data_key_aad(key.workspace_id, key.version, old.id()),
        )?;
        key.wrapped = aead::wrap(
            new,
            &data_key,
            &data_key_aad(key.workspace_id, key.version, new.id()),
        );
        key.master_key_id = new.id().to_string();
        data_keys::rewrap(&mut tx, &key).await?;
        rewrapped += 1;
    }
    // The database is bound to the new key from this commit on.
    meta::set(&mut *tx, meta::MASTER_KEY_CHECK, new.id()).await?;
    let workspaces = workspaces::all(&mut *tx).await?;
    let actor = Who::cli();
    for (id, slug) in workspaces {
        let detail = Some(format!("master key {} -> {}", old.id(), new.id()));
        audit::record(
            &mut tx,
            id,
            &actor,
            Action::MasterKeyRotated,
            Some(&Target::workspace(id, &slug)),
            detail,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(rewrapped)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceRotation {
    /// The key version every value now uses.
    pub version: KeyVersion,
    pub reencrypted: u64,
    /// Old versions deleted once no value used them.
    pub deleted_versions: u64,
}

pub async fn workspace_id(db: &Db, slug: &str) -> Result<WorkspaceId, RotationError> {
    workspaces::id_by_slug(db.pool(), slug)
        .await?
        .ok_or_else(|| RotationError::NoWorkspace(slug.to_string()))
}

/// Rotates a workspace's data key: a new version, then values re-sealed in
/// batches of `batch_size` (one transaction each, reads and writes going on
/// meanwhile), then old versions deleted. An unfinished rotation (older
/// versions still in use) is resumed instead of starting another.
/// `after_batch` is told each batch number; breaking stops there, as a
/// crash would (tests use it to inject faults).
pub async fn rotate_workspace_key(
    db: &Db,
    keyring: &Keyring,
    workspace_id: WorkspaceId,
    batch_size: i64,
    mut after_batch: impl FnMut(usize) -> ControlFlow<()>,
) -> Result<WorkspaceRotation, RotationError> {
    let mut tx = db.begin_write().await?;
    let newest = data_keys::newest_version(&mut *tx, workspace_id).await?;
    let older = data_keys::count_older(&mut *tx, workspace_id, newest.unwrap_or_default()).await?;
    let target = match newest {
        Some(v) if older > 0 => v, // resume the unfinished rotation
        _ => keyring.add_version(&mut tx, workspace_id).await?,
    };
    tx.commit().await?;

    // Walk the secrets by id; then look again from the start, for values a
    // writer sealed with an older version while the walk went on, until a
    // pass finds none (normally the second, a cheap index look-up).
    let mut reencrypted = 0;
    let mut batch_no = 0;
    let mut after = VariableId(0);
    loop {
        let mut tx = db.begin_write().await?;
        let batch = rows::sealed_before(&mut tx, workspace_id, target, after, batch_size).await?;
        let Some(last) = batch.last() else {
            drop(tx);
            if after == VariableId(0) {
                break; // a whole pass found nothing left
            }
            after = VariableId(0);
            continue;
        };
        after = last.id;
        // Lock the batch's rows (in id order) before the data key's seal
        // counter: writers lock their secret's row first and then count a
        // seal, so taking the counter first would deadlock with them.
        let mut live = Vec::with_capacity(batch.len());
        for record in batch {
            if rows::lock(&mut tx, workspace_id, record.id).await? {
                live.push(record);
            }
        }
        keyring
            .count_seals(&mut tx, workspace_id, target, live.len() as i64)
            .await?;
        for record in &live {
            let slot = ValueSlot {
                workspace: workspace_id,
                secret: record.id,
                version: record.value_version,
            };
            let value = keyring
                .open_value(&mut tx, record.key_version, slot, &record.ciphertext)
                .await?;
            let sealed = keyring.seal_counted(&mut tx, target, slot, &value).await?;
            // Only if no write changed the value meanwhile (a write seals
            // with the newest key anyway).
            if rows::set_ciphertext(
                &mut tx,
                record.id,
                &sealed,
                target,
                record.value_version,
                Some(record.value_version),
            )
            .await?
            {
                reencrypted += 1;
            }
        }
        tx.commit().await?;
        batch_no += 1;
        if after_batch(batch_no).is_break() {
            return Err(RotationError::Interrupted(batch_no));
        }
    }
    // Then the earlier values kept for restore, the same way. New ones
    // come from current values already sealed with `target`, so one pass
    // by id finds them all.
    let mut after = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let batch =
            versions::sealed_before(&mut tx, workspace_id, target, after, batch_size).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.id;
        let mut live = Vec::with_capacity(batch.len());
        for record in batch {
            if versions::lock(&mut tx, record.id).await? {
                live.push(record);
            }
        }
        keyring
            .count_seals(&mut tx, workspace_id, target, live.len() as i64)
            .await?;
        for record in &live {
            let (Some(blob), Some(key_version)) =
                (record.ciphertext.as_deref(), record.key_version)
            else {
                continue;
            };
            let slot = ValueSlot {
                workspace: workspace_id,
                secret: record.variable_id,
                version: record.value_version,
            };
            let value = keyring.open_value(&mut tx, key_version, slot, blob).await?;
            let sealed = keyring.seal_counted(&mut tx, target, slot, &value).await?;
            if versions::reseal(&mut tx, record.id, &sealed, target).await? {
                reencrypted += 1;
            }
        }
        tx.commit().await?;
        batch_no += 1;
        if after_batch(batch_no).is_break() {
            return Err(RotationError::Interrupted(batch_no));
        }
    }

    // The notification webhook's URL, sealed like a value.
    let mut tx = db.begin_write().await?;
    if let Some(mut hook) = reminders::webhook_sealed_before(&mut tx, workspace_id, target).await? {
        let url = keyring
            .open_webhook(&mut tx, workspace_id, hook.key_version, &hook.ciphertext)
            .await?;
        hook.ciphertext = keyring
            .seal_webhook(&mut tx, workspace_id, target, &url)
            .await?;
        hook.key_version = target;
        reminders::set_webhook(&mut tx, &hook).await?;
        reencrypted += 1;
    }
    tx.commit().await?;

    let mut tx = db.begin_write().await?;
    let deleted = data_keys::delete_unused_older(&mut tx, workspace_id, target).await?;
    let slug = workspaces::slug_of(&mut *tx, workspace_id)
        .await?
        .ok_or(RotationError::NoWorkspace(workspace_id.to_string()))?;
    let actor = Who::cli();
    audit::record(
        &mut tx,
        workspace_id,
        &actor,
        Action::WorkspaceKeyRotated,
        Some(&Target::workspace(workspace_id, &slug)),
        Some(format!(
            "key version {target}; {reencrypted} values re-encrypted"
        )),
    )
    .await?;
    tx.commit().await?;
    keyring.forget(workspace_id);
    Ok(WorkspaceRotation {
        version: target,
        reencrypted,
        deleted_versions: deleted,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub slug: String,
    pub data_keys: u64,
    pub secrets: u64,
    /// Earlier values of secrets, kept for restore.
    pub versions: u64,
    pub failed: u64,
    /// Secrets and blocks that decrypt but break a rule made after they
    /// were stored, so they refuse to run: what and why, never a value.
    pub unusable: Vec<String>,
}

/// Opens every data key and every secret value under the current master
/// key, per workspace. Counts only: never a value.
pub async fn check(db: &Db, keyring: &Keyring) -> Result<Vec<CheckReport>, RotationError> {
    let workspaces = workspaces::all(db.pool()).await?;
    let mut reports = Vec::new();
    let mut conn = db.pool().acquire().await?;
    for (ws, slug) in workspaces {
        let mut report = CheckReport {
            slug,
            ..CheckReport::default()
        };
        for version in data_keys::versions(&mut *conn, ws).await? {
            match keyring.data_key(&mut conn, ws, version).await {
                Ok(_) => report.data_keys += 1,
                Err(err) => {
                    tracing::error!(workspace = %ws, version = %version, error = %err, "data key does not open");
                    report.failed += 1;
                }
            }
        }
        let mut after = VariableId(0);
        loop {
            let page = rows::secrets_after(&mut conn, ws, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for record in &page {
                report.secrets += 1;
                let opened = match (record.ciphertext.as_deref(), record.key_version) {
                    (Some(blob), Some(kv)) => {
                        let slot = ValueSlot {
                            workspace: ws,
                            secret: record.id,
                            version: record.value_version,
                        };
                        keyring.open_value(&mut conn, kv, slot, blob).await.ok()
                    }
                    _ => None,
                };
                let Some(value) = opened else {
                    tracing::error!(workspace = %ws, secret = %record.id, "secret does not open");
                    report.failed += 1;
                    continue;
                };
                if let Err(why) = api_block::usable_secret(
                    &record.name,
                    record.visibility,
                    &value,
                    &record.allowed_hosts,
                ) {
                    report
                        .unusable
                        .push(format!("secret {}: {why}", record.name));
                }
            }
        }
        let mut after = 0;
        loop {
            let page = versions::sealed_after(&mut conn, ws, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for record in &page {
                report.versions += 1;
                let opened = match (record.ciphertext.as_deref(), record.key_version) {
                    (Some(blob), Some(kv)) => {
                        let slot = ValueSlot {
                            workspace: ws,
                            secret: record.variable_id,
                            version: record.value_version,
                        };
                        keyring.open_value(&mut conn, kv, slot, blob).await.ok()
                    }
                    _ => None,
                };
                if opened.is_none() {
                    tracing::error!(
                        workspace = %ws,
                        secret = %record.variable_id,
                        version = %record.value_version,
                        "an earlier value does not open"
                    );
                    report.failed += 1;
                }
            }
        }
        if let Some(hook) = reminders::webhook(&mut *conn, ws).await? {
            let opened = keyring
                .open_webhook(&mut conn, ws, hook.key_version, &hook.ciphertext)
                .await;
            if opened.is_err() {
                tracing::error!(workspace = %ws, "the notification webhook does not open");
                report.failed += 1;
            }
        }
        let mut after = BlockId(0);
        loop {
            let page = blocks::blocks_after(&mut conn, ws, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for block in &page {
                for (i, kv) in block.headers.iter().enumerate() {
                    if let Some(why) = api_block::rules::header_name_refusal(i + 1, kv.name.trim())
                    {
                        report.unusable.push(format!(
                            "API block {:?} (id {}): {why}",
                            block.name, block.id
                        ));
                    }
                }
            }
        }
        reports.push(report);
    }
    Ok(reports)
}

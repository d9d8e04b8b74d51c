//! Each instance's fingerprint sets, one per workspace, rebuilt when the
//! workspace's secret generation (one query per run) says a secret changed,
//! on this instance or another. A build decrypts the workspace's secrets
//! and hashes their windows off the async workers; plaintext lives only
//! for that build.

use super::fingerprints::{Fingerprints, Source};
use super::roller::HashKey;
use crate::error::AppError;
use crate::model::{VariableId, WorkspaceId};
use crate::server::infra::crypto::keyring::ValueSlot;
use crate::server::infra::crypto::{Keyring, SecretValue};
use crate::server::infra::db::{variables, withheld, Db};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Memory the sets of all workspaces may hold before older ones go.
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Secrets read per query while building.
const PAGE: i64 = 500;

pub struct FingerprintCache {
    key: HashKey,
    sets: Mutex<HashMap<WorkspaceId, Arc<Fingerprints>>>,
    /// One build at a time: a burst of runs after a change builds once.
    building: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for FingerprintCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintCache")
    }
}

impl Default for FingerprintCache {
    fn default() -> Self {
        FingerprintCache {
            key: HashKey::random(),
            sets: Mutex::new(HashMap::new()),
            building: tokio::sync::Mutex::new(()),
        }
    }
}

impl FingerprintCache {
    fn cached(&self, ws: WorkspaceId, generation: i64) -> Option<Arc<Fingerprints>> {
        let sets = self.sets.lock().expect("not poisoned");
        sets.get(&ws)
            .filter(|s| s.generation == generation)
            .cloned()
    }

    /// The current set of workspace `ws`.
    pub async fn get(
        &self,
        db: &Db,
        keyring: &Keyring,
        ws: WorkspaceId,
    ) -> Result<Arc<Fingerprints>, AppError> {
        let generation = withheld::secrets_generation(db.pool(), ws).await?;
        if let Some(set) = self.cached(ws, generation) {
            return Ok(set);
        }
        let _turn = self.building.lock().await;
        if let Some(set) = self.cached(ws, generation) {
            return Ok(set);
        }
        let secrets = decrypt_all(db, keyring, ws).await?;
        let key = self.key;
        let set = tokio::task::spawn_blocking(move || {
            Fingerprints::build(
                key,
                generation,
                secrets.iter().map(|(id, name, value)| Source {
                    id: *id,
                    name,
                    value,
                }),
            )
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "building fingerprints");
            AppError::Internal
        })?;
        let set = Arc::new(set);
        let mut sets = self.sets.lock().expect("not poisoned");
        let held: usize = sets.values().map(|s| s.memory_bytes()).sum();
        if held + set.memory_bytes() > MAX_BYTES {
            sets.clear();
        }
        sets.insert(ws, set.clone());
        Ok(set)
    }
}

/// Every current secret value of `ws`. One that does not decrypt is left
/// out, and logged (`varvault check` names it).
async fn decrypt_all(
    db: &Db,
    keyring: &Keyring,
    ws: WorkspaceId,
) -> Result<Vec<(VariableId, String, SecretValue)>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let mut out = Vec::new();
    let mut after = VariableId(0);
    loop {
        let page = variables::secrets_after(&mut conn, ws, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in page {
            let (Some(blob), Some(kv)) = (r.ciphertext.as_deref(), r.key_version) else {
                continue;
            };
            let slot = ValueSlot {
                workspace: ws,
                secret: r.id,
                version: r.value_version,
            };
            match keyring.open_value(&mut conn, kv, slot, blob).await {
                Ok(value) => out.push((r.id, r.name, value)),
                Err(e) => {
                    tracing::error!(error = %e, secret = r.id.get(), "a secret does not decrypt")
                }
            }
        }
    }
    Ok(out)
}

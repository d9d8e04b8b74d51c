//! Encryption at rest (SPEC §3): the master key check at start, rotation
//! with crashes and concurrent writes, and canary scans of everything the
//! app leaves behind.

use crate::support::*;
use std::ops::ControlFlow;
use varvault::model::WorkspaceId;
use varvault::server::infra::crypto::{master, Keyring, MasterKey, MasterKeySource};
use varvault::server::rules::rotation::{self, RotationError};

mod at_rest;
mod rotations;
mod start;

async fn keyring_of(app: &TestApp) -> Keyring {
    let key = master::load(&MasterKeySource::File(key_path(app.dir()))).unwrap();
    Keyring::new(key)
}

/// Every secret of workspace 1 opens, and the versions in use.
async fn all_open(app: &TestApp) -> Vec<i64> {
    let keyring = keyring_of(app).await;
    let reports = rotation::check(&app.db, &keyring).await.unwrap();
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}");
    sqlx::query_scalar("SELECT version FROM data_keys WHERE workspace_id = 1 ORDER BY version")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn many_secrets(app: &TestApp, n: usize) {
    for i in 0..n {
        app.create_ok(&[
            ("kind", "secret"),
            ("name", &format!("S{i}")),
            ("value", &format!("value-{i:04}")),
            ("visibility", "masked"),
        ])
        .await;
    }
}

async fn reveal(app: &TestApp, id: varvault::model::VariableId) -> String {
    let id = id.to_string();
    let res = app
        .call("reveal_secret", &[("workspace", WORKSPACE), ("id", &id)])
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The SQLite file's bytes with every committed write folded in. The
/// app's last connection may close (and fold its WAL) after `close`
/// returns, or a CLI run may be the one that folds it: a checkpoint first
/// makes the comparison about what was written, not about who folded it.
async fn settled(sqlite: bool, path: &std::path::Path) -> Option<Vec<u8>> {
    use sqlx::Connection;
    if !sqlite {
        return None;
    }
    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    Some(std::fs::read(path).unwrap())
}

//! Encryption at rest (SPEC §3): the master key check at start, rotation
//! with crashes and concurrent writes, and canary scans of everything the
//! app leaves behind.

use crate::helpers::*;
use crate::variables::{assert_no_canary, create_ok, seed, MASKED_CANARY, RESTRICTED_CANARY};
use std::ops::ControlFlow;
use varvault::model::WorkspaceId;
use varvault::server::infra::crypto::{master, Keyring, MasterKey, MasterKeySource};
use varvault::server::rules::rotation::{self, RotationError};

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
        create_ok(
            app,
            &[
                ("kind", "secret"),
                ("name", &format!("S{i}")),
                ("value", &format!("value-{i:04}")),
                ("visibility", "masked"),
            ],
        )
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

#[tokio::test]
async fn a_wrong_master_key_stops_start_up_and_changes_nothing() {
    let app = spawn_app().await;
    app.setup_owner().await;
    seed(&app).await;
    let db_file = app.dir().join("varvault.db");
    let sqlite = app.db_url().starts_with("sqlite");
    app.db.close().await;
    let before = settled(sqlite, &db_file).await;

    let wrong = master::generate_file(&app.dir().join("wrong.key")).unwrap();
    let wrong_id = MasterKey::new(wrong).id().to_string();
    let wrong_path = app.dir().join("wrong.key");
    for args in [&["serve"][..], &["migrate"], &["check"]] {
        let out = cli(
            &app,
            args,
            &[
                ("VARVAULT_MASTER_KEY_FILE", wrong_path.to_str().unwrap()),
                ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let msg = text(&out);
        assert!(
            msg.contains("is not the one this database was encrypted with"),
            "{msg}"
        );
        assert!(msg.contains(&wrong_id), "{msg}");
        assert!(!msg.contains("panicked"), "{msg}");
    }
    assert_eq!(
        settled(sqlite, &db_file).await,
        before,
        "the database file changed"
    );

    // With no key at all, an encrypted database never gets a new one.
    std::fs::rename(key_path(app.dir()), app.dir().join("moved.key")).unwrap();
    let out = cli(&app, &["migrate"], &[("VARVAULT_MASTER_KEY_FILE", "")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("no master key was given"),
        "{}",
        text(&out)
    );
    assert!(!key_path(app.dir()).exists(), "a second key was generated");
}

#[tokio::test]
async fn a_database_is_bound_to_its_first_master_key_before_any_secret() {
    // Set up, but no secret yet: no data key exists.
    let app = spawn_app().await;
    app.setup_owner().await;
    app.db.close().await;
    let first_id = MasterKey::new(master::read_file(&key_path(app.dir())).unwrap())
        .id()
        .to_string();
    let other = app.dir().join("other.key");
    master::generate_file(&other).unwrap();
    let out = cli(
        &app,
        &["migrate"],
        &[("VARVAULT_MASTER_KEY_FILE", other.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&first_id), "{}", text(&out));

    // A lost default key is not silently replaced by a new one.
    std::fs::rename(key_path(app.dir()), app.dir().join("moved.key")).unwrap();
    let out = cli(&app, &["migrate"], &[("VARVAULT_MASTER_KEY_FILE", "")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!key_path(app.dir()).exists(), "a second key was generated");
    std::fs::rename(app.dir().join("moved.key"), key_path(app.dir())).unwrap();

    // Rotation moves the binding to the new key, in its transaction.
    let out = cli(
        &app,
        &[
            "rotate-master-key",
            "--new-key-file",
            other.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = cli(
        &app,
        &["migrate"],
        &[("VARVAULT_MASTER_KEY_FILE", other.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = cli(&app, &["migrate"], &[]);
    assert_eq!(out.status.code(), Some(1), "the old key: {}", text(&out));
}

#[tokio::test]
async fn two_instances_starting_with_different_keys_cannot_both_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let config = |key: &str| {
        let mut c = test_config(&dir, url.clone());
        c.master_key = MasterKeySource::File(dir.path().join(key));
        master::generate_file(&dir.path().join(key)).unwrap();
        c
    };
    let (a, b) = (config("a.key"), config("b.key"));
    let (a, b) = tokio::join!(
        varvault::server::web::startup::Application::build(a),
        varvault::server::web::startup::Application::build(b)
    );
    let started = [a.is_ok(), b.is_ok()];
    assert_eq!(
        started.iter().filter(|ok| **ok).count(),
        1,
        "exactly one key binds the database: {:?} {:?}",
        a.as_ref().err().map(|e| e.to_string()),
        b.as_ref().err().map(|e| e.to_string())
    );
    let err = a.err().or(b.err()).unwrap().to_string();
    assert!(
        err.contains("is not the one this database was encrypted with"),
        "{err}"
    );
}

#[tokio::test]
async fn a_crashed_workspace_rotation_leaves_everything_readable_and_a_rerun_completes() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, _) = seed(&app).await;
    many_secrets(&app, 10).await;
    assert_eq!(all_open(&app).await, [1]);

    // Crash after the first batch of 3.
    let keyring = keyring_of(&app).await;
    let err = rotation::rotate_workspace_key(&app.db, &keyring, WorkspaceId(1), 3, |n| {
        if n == 1 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await
    .unwrap_err();
    assert!(matches!(err, RotationError::Interrupted(1)));
    assert_eq!(all_open(&app).await, [1, 2], "both versions kept meanwhile");
    assert_eq!(
        reveal(&app, masked.id).await,
        MASKED_CANARY,
        "the app still reads"
    );

    // The CLI resumes the same rotation (no version 3) and finishes it.
    let out = cli(
        &app,
        &["rotate-workspace-key", WORKSPACE, "--batch-size", "4"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("key version 2"), "{}", text(&out));
    assert_eq!(all_open(&app).await, [2], "the old version is gone");
    assert_eq!(reveal(&app, masked.id).await, MASKED_CANARY);
    let in_use: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT key_version FROM variables WHERE kind = 'secret'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(in_use, [2]);

    let out = cli(&app, &["check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("workspace acme-support: 1 data keys, 12 secrets, 0 failed"),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn a_running_instance_notices_a_new_key_version() {
    let app = spawn_app().await;
    app.setup_owner().await;
    seed(&app).await; // the app has cached version 1
    let out = cli(&app, &["rotate-workspace-key", WORKSPACE], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let fresh = create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "AFTER"),
            ("value", "value-after"),
            ("visibility", "masked"),
        ],
    )
    .await;
    let version: i64 = sqlx::query_scalar("SELECT key_version FROM variables WHERE id = $1")
        .bind(fresh.id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(version, 2);
    assert_eq!(reveal(&app, fresh.id).await, "value-after");
}

#[tokio::test]
async fn rotation_during_writes_and_reads_loses_no_write() {
    let app = spawn_app().await;
    app.setup_owner().await;
    many_secrets(&app, 30).await;
    let ids: Vec<varvault::model::VariableId> =
        sqlx::query_scalar("SELECT id FROM variables ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();

    let keyring = keyring_of(&app).await;
    let rotate = async {
        rotation::rotate_workspace_key(&app.db, &keyring, WorkspaceId(1), 2, |_| {
            ControlFlow::Continue(())
        })
        .await
        .unwrap()
    };
    let write = async {
        for (round, id) in ids.iter().enumerate() {
            let id_text = id.to_string();
            let value = format!("written-during-rotation-{round}");
            let res = app
                .call(
                    "update_variable",
                    &[
                        ("workspace", WORKSPACE),
                        ("id", &id_text),
                        ("value", &value),
                    ],
                )
                .await;
            assert_eq!(res.status(), 200);
            assert_eq!(reveal(&app, *id).await, value);
        }
    };
    let (done, ()) = tokio::join!(rotate, write);
    assert_eq!(done.version, varvault::model::KeyVersion(2));
    for (round, id) in ids.iter().enumerate() {
        assert_eq!(
            reveal(&app, *id).await,
            format!("written-during-rotation-{round}")
        );
    }
    assert_eq!(all_open(&app).await, [2]);
}

#[tokio::test]
async fn concurrent_writers_and_a_rotation_never_deadlock() {
    // Writers lock a secret's row, then count a seal on the newest data
    // key; a rotation batch must take the same locks in the same order,
    // or PostgreSQL kills one side as a deadlock (a 500 for the user).
    let app = spawn_app().await;
    app.setup_owner().await;
    many_secrets(&app, 60).await;
    let ids: Vec<varvault::model::VariableId> =
        sqlx::query_scalar("SELECT id FROM variables ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let keyring = keyring_of(&app).await;
    let rotating = std::sync::atomic::AtomicBool::new(true);
    let rotate = async {
        let done = rotation::rotate_workspace_key(&app.db, &keyring, WorkspaceId(1), 3, |_| {
            ControlFlow::Continue(())
        })
        .await;
        rotating.store(false, std::sync::atomic::Ordering::SeqCst);
        done
    };
    let writer = |w: usize| {
        let (app, ids, rotating) = (&app, &ids, &rotating);
        async move {
            let mut writes = 0;
            let mut round = 0;
            while rotating.load(std::sync::atomic::Ordering::SeqCst) || round == 0 {
                for id in ids.iter().skip(w).step_by(6) {
                    let id_text = id.to_string();
                    let value = format!("writer-{w}-round-{round}");
                    let res = app
                        .call(
                            "update_variable",
                            &[
                                ("workspace", WORKSPACE),
                                ("id", &id_text),
                                ("value", &value),
                            ],
                        )
                        .await;
                    let status = res.status();
                    assert_eq!(status, 200, "{:?}", res.text().await);
                    writes += 1;
                }
                round += 1;
            }
            writes
        }
    };
    let (done, writes) = tokio::join!(rotate, futures::future::join_all((0..6).map(writer)));
    let done = done.expect("the rotation completes");
    assert_eq!(done.version, varvault::model::KeyVersion(2));
    assert!(writes.iter().all(|n| *n > 0));
    assert_eq!(all_open(&app).await, [2]);
}

#[tokio::test]
async fn a_master_key_rotation_rewraps_keys_and_the_old_key_stops_working() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, _) = seed(&app).await;
    let new_key = app.dir().join("new.key");
    let out = cli(
        &app,
        &[
            "rotate-master-key",
            "--generate-new-key",
            new_key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("re-wrapped 1 data keys"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("destroy the old key"), "{}", text(&out));
    let new_id = MasterKey::new(master::read_file(&new_key).unwrap())
        .id()
        .to_string();

    // A rerun (old key still configured) finds nothing left to do.
    let out = cli(
        &app,
        &[
            "rotate-master-key",
            "--new-key-file",
            new_key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("re-wrapped 0 data keys"),
        "{}",
        text(&out)
    );

    let out = cli(&app, &["check"], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the old key no longer opens: {}",
        text(&out)
    );
    assert!(text(&out).contains(&new_id), "{}", text(&out));
    let out = cli(
        &app,
        &["check"],
        &[("VARVAULT_MASTER_KEY_FILE", new_key.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", text(&out));

    // Secrets themselves were not touched: same ciphertext, same answer.
    let keyring = Keyring::new(MasterKey::new(master::read_file(&new_key).unwrap()));
    let reports = rotation::check(&app.db, &keyring).await.unwrap();
    assert_eq!(reports[0].failed, 0);
    let _ = masked;
}

#[tokio::test]
async fn no_canary_in_the_database_its_files_or_the_logs() {
    let mut app = spawn_app().await;
    // The in-process app made the key; now a real process serves, and
    // everything it logs (at trace level) is kept.
    let log = app.dir().join("server.log");
    let mut server = serve_in_a_process(&mut app, &log).await;
    app.setup_owner().await;
    seed(&app).await;
    let res = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await;
    assert_eq!(res.status(), 200);
    let page: varvault::model::VariablesPage = res.json().await.unwrap();
    let masked_id = page
        .variables
        .iter()
        .find(|v| v.name == "MASKED_TOKEN")
        .unwrap()
        .id;
    assert_eq!(reveal(&app, masked_id).await, MASKED_CANARY);
    let restricted_id = page
        .variables
        .iter()
        .find(|v| v.name == "ZENDESK_TOKEN")
        .unwrap()
        .id;
    let res = app
        .call(
            "reveal_secret",
            &[("workspace", WORKSPACE), ("id", &restricted_id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 403);
    // New values: the canaries are now earlier values, kept for restore.
    for (id, value, hosts) in [
        (masked_id, "next-masked-value-1", ""),
        (restricted_id, "next-restricted-value-1", "*.zendesk.com"),
    ] {
        let res = app
            .call(
                "update_variable",
                &[
                    ("workspace", WORKSPACE),
                    ("id", &id.to_string()),
                    ("value", value),
                    ("allowed_hosts", hosts),
                ],
            )
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
    let res = app
        .call(
            "reveal_secret",
            &[
                ("workspace", WORKSPACE),
                ("id", &masked_id.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), MASKED_CANARY);
    let res = app
        .call(
            "restore_version",
            &[
                ("workspace", WORKSPACE),
                ("id", &masked_id.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_no_canary(&res.text().await.unwrap(), MASKED_CANARY);
    // An API block sends the masked secret to a real upstream and back.
    let (up_addr, up) = crate::api_block::start_upstream().await;
    let (_, block_id) = crate::api_block::workflow(&app, &app.client).await;
    let b = crate::api_block::block(
        block_id,
        &format!("http://{up_addr}/echo?k={{{{secret:MASKED_TOKEN}}}}"),
        &[("Authorization", "Bearer {{secret:MASKED_TOKEN}}")],
        "",
    );
    assert_eq!(
        crate::api_block::save(&app, &app.client, &b).await.status(),
        200
    );
    let res = crate::api_block::run(&app, &app.client, block_id).await;
    assert_eq!(res.status(), 200);
    assert_no_canary(&res.text().await.unwrap(), MASKED_CANARY);
    assert_eq!(up.hits().len(), 1, "the upstream got the request");
    server.kill().unwrap();
    server.wait().unwrap();

    let mut logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains("listening on"),
        "the log was captured: {logs}"
    );
    for args in [
        &["rotate-workspace-key", WORKSPACE][..],
        &["rotate-master-key", "--generate-new-key", "next.key"],
    ] {
        let out = cli(&app, args, &[("RUST_LOG", "trace")]);
        assert!(out.status.success(), "{}", text(&out));
        logs.push_str(&text(&out));
    }
    let out = cli(
        &app,
        &["check"],
        &[
            ("VARVAULT_MASTER_KEY_FILE", "next.key"),
            ("RUST_LOG", "trace"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("3 earlier values"),
        "check opens the kept values too: {}",
        text(&out)
    );
    logs.push_str(&text(&out));
    for canary in [RESTRICTED_CANARY, MASKED_CANARY] {
        assert_no_canary(&logs, canary);
    }

    let stored = stored_bytes(&app).await;
    assert!(stored.contains("ZENDESK_TOKEN"), "the scan sees the data");
    for canary in [RESTRICTED_CANARY, MASKED_CANARY] {
        assert_no_canary(&stored, canary);
        let hex: String = canary.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!stored.contains(&hex), "hex form of the canary stored");
    }
}

/// Everything the database holds: the SQLite files byte for byte (main,
/// -wal, -shm), or every row of every table as PostgreSQL prints it.
pub async fn stored_bytes(app: &TestApp) -> String {
    if app.db_url().starts_with("sqlite") {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(bytes) = std::fs::read(app.dir().join(format!("varvault.db{suffix}"))) {
                all.extend(bytes);
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    } else {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap();
        let mut all = String::new();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t"))
                    .fetch_all(app.db.pool())
                    .await
                    .unwrap();
            all.push_str(&rows.join("\n"));
        }
        all
    }
}

#[tokio::test]
async fn a_worn_out_data_key_refuses_writes_and_asks_for_a_rotation() {
    let app = spawn_app().await;
    app.setup_owner().await;
    seed(&app).await;
    sqlx::query("UPDATE data_keys SET seal_count = $1")
        .bind(varvault::server::infra::crypto::keyring::SEAL_LIMIT)
        .execute(app.db.pool())
        .await
        .unwrap();
    let res = crate::variables::create(
        &app,
        &app.client,
        &[
            ("kind", "secret"),
            ("name", "ONE_TOO_MANY"),
            ("value", "one-too-many"),
            ("visibility", "masked"),
        ],
    )
    .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert!(err.to_string().contains("rotate-workspace-key"), "{err}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM variables WHERE name = 'ONE_TOO_MANY'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing stored");

    // A rotation gives a fresh key and writes work again.
    let out = cli(&app, &["rotate-workspace-key", WORKSPACE], &[]);
    assert!(out.status.success(), "{}", text(&out));
    create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "ONE_TOO_MANY"),
            ("value", "one-too-many"),
            ("visibility", "masked"),
        ],
    )
    .await;
}

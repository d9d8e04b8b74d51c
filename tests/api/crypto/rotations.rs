//! Key rotation with crashes and concurrent writes, and a data key that
//! has sealed too much.

use super::*;

#[tokio::test]
async fn a_crashed_workspace_rotation_leaves_everything_readable_and_a_rerun_completes() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, _) = app.seed().await;
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
    let out = app.cli(
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

    let out = app.cli(&["check"], &[]);
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
    app.seed().await; // the app has cached version 1
    let out = app.cli(&["rotate-workspace-key", WORKSPACE], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let fresh = app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "AFTER"),
            ("value", "value-after"),
            ("visibility", "masked"),
        ])
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
    let (masked, _, _) = app.seed().await;
    let new_key = app.dir().join("new.key");
    let out = app.cli(
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
    let out = app.cli(
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

    let out = app.cli(&["check"], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the old key no longer opens: {}",
        text(&out)
    );
    assert!(text(&out).contains(&new_id), "{}", text(&out));
    let out = app.cli(
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
async fn a_worn_out_data_key_refuses_writes_and_asks_for_a_rotation() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.seed().await;
    sqlx::query("UPDATE data_keys SET seal_count = $1")
        .bind(varvault::server::infra::crypto::keyring::SEAL_LIMIT)
        .execute(app.db.pool())
        .await
        .unwrap();
    let res = app
        .create_variable(
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
    let n: i64 = app
        .count("SELECT COUNT(*) FROM variables WHERE name = 'ONE_TOO_MANY'")
        .await;
    assert_eq!(n, 0, "nothing stored");

    // A rotation gives a fresh key and writes work again.
    let out = app.cli(&["rotate-workspace-key", WORKSPACE], &[]);
    assert!(out.status.success(), "{}", text(&out));
    app.create_ok(&[
        ("kind", "secret"),
        ("name", "ONE_TOO_MANY"),
        ("value", "one-too-many"),
        ("visibility", "masked"),
    ])
    .await;
}

//! `rotate-workspace-key` over 100,000 secrets on SQLite (goal: under
//! 10 s on a 2-core machine), with a baseline from the same run: one pass
//! that only reads every row in the same batches. Prints medians of
//! `RUNS` rotations. `cargo bench --features ssr --bench rotation`.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};
use varvault::model::{UserId, ValueVersion, VariableId, WorkspaceId};
use varvault::server::infra::crypto::keyring::ValueSlot;
use varvault::server::infra::crypto::{Key32, Keyring, MasterKey, SecretValue};
use varvault::server::infra::db::variables::{self as rows, NewRow};
use varvault::server::infra::db::Db;
use varvault::server::rules::rotation;

const SECRETS: usize = 100_000;
const BATCH: i64 = 500;
const RUNS: usize = 3;
const WS: WorkspaceId = WorkspaceId(1);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let secrets = std::env::var("BENCH_SECRETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SECRETS);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let keyring = Keyring::new(MasterKey::new(Key32::random()));
    sqlx::query("INSERT INTO users (email, display_name, password_hash, created_at, updated_at) VALUES ('b@example.com', 'Bench', 'x', 0, 0)")
        .execute(db.pool()).await.unwrap();
    sqlx::query("INSERT INTO workspaces (slug, name, created_at, created_by) VALUES ('bench', 'Bench', 0, 1)")
        .execute(db.pool()).await.unwrap();

    let started = Instant::now();
    for chunk in 0..secrets.div_ceil(1000) {
        let mut tx = db.begin_write().await.unwrap();
        let version = keyring.current_version(&mut tx, WS).await.unwrap();
        for i in chunk * 1000..((chunk + 1) * 1000).min(secrets) {
            let name = varvault::model::VariableName::parse(&format!("SECRET_{i}")).unwrap();
            let id = rows::insert(
                &mut tx,
                &NewRow {
                    workspace_id: WS,
                    name: &name,
                    kind: varvault::model::VariableKind::Secret,
                    visibility: Some(varvault::model::Visibility::Masked),
                    plain_value: None,
                    key_version: Some(version),
                    description: "",
                    allowed_hosts: "",
                    actor_id: Some(UserId(1)),
                    actor_label: "bench",
                    expires_on: None,
                },
            )
            .await
            .unwrap();
            let value = SecretValue::new(format!("sk-live-{i:032}"));
            let slot = ValueSlot {
                workspace: WS,
                secret: id,
                version: ValueVersion::FIRST,
            };
            let (v, blob) = keyring.seal_value(&mut tx, slot, &value).await.unwrap();
            rows::set_ciphertext(&mut tx, id, &blob, v, ValueVersion::FIRST, None)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    println!("seeded {secrets} secrets in {:.1?}", started.elapsed());

    let mut baseline = Vec::new();
    let mut rotations = Vec::new();
    for run in 0..RUNS {
        // Baseline: the same batched reads, no crypto and no writes.
        let started = Instant::now();
        let mut conn = db.pool().acquire().await.unwrap();
        let mut after = VariableId(0);
        loop {
            let page = rows::secrets_after(&mut conn, WS, after, BATCH)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = last.id;
        }
        drop(conn);
        baseline.push(started.elapsed());

        let started = Instant::now();
        let done =
            rotation::rotate_workspace_key(&db, &keyring, WS, BATCH, |_| ControlFlow::Continue(()))
                .await
                .unwrap();
        rotations.push(started.elapsed());
        assert_eq!(done.reencrypted as usize, secrets);
        println!(
            "run {run}: read pass {:.2?}, rotation {:.2?} (to version {})",
            baseline[run], rotations[run], done.version
        );
    }
    let (b, r) = (median(baseline), median(rotations));
    println!(
        "median over {RUNS} runs, {secrets} secrets, batches of {BATCH}: read pass {b:.2?}, \
         rotation {r:.2?} ({:.1}x the read pass; {:.0} secrets/s)",
        r.as_secs_f64() / b.as_secs_f64(),
        secrets as f64 / r.as_secs_f64()
    );
}

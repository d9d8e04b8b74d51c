//! "Send request" overhead and picker search, against the real server on
//! 127.0.0.1 (SQLite). Baselines from the same run: a direct request to
//! the same echo server, and `GET /healthz` (an HTTP round trip with one
//! database query). `cargo bench --features ssr --bench api_block`.

use axum::routing::any;
use std::time::{Duration, Instant};
use support::WORKSPACE;
use varvault::model::{BlockInput, BlockView, HttpMethod, KeyValue};

#[path = "../tests/support/mod.rs"]
mod support;

const RUNS: usize = 400;

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let app = support::spawn_app_with(|c| c.allow_private_networks = true).await;
    app.setup_owner().await;
    let db = app.db.clone();

    let echo = axum::Router::new().route("/echo", any(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let echo_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, echo).await.unwrap() });

    let origin = app.origin();
    let client = app.client.clone();
    let call = |name: &str, form: Vec<(&str, String)>| {
        client
            .post(format!("{origin}/api/{name}"))
            .header("origin", origin.clone())
            .form(&form)
            .send()
    };
    call(
        "create_variable",
        vec![
            ("workspace", WORKSPACE.into()),
            ("kind", "secret".into()),
            ("name", "TOKEN".into()),
            ("value", "sk-live-0123456789".into()),
            ("visibility", "masked".into()),
        ],
    )
    .await
    .unwrap();
    let wf: i64 = call(
        "create_workflow",
        vec![("workspace", WORKSPACE.into()), ("name", "Bench".into())],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let block: BlockView = call(
        "add_block",
        vec![
            ("workspace", WORKSPACE.into()),
            ("workflow_id", wf.to_string()),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let input = BlockInput {
        id: block.block.id,
        name: "Echo".into(),
        method: HttpMethod::Get,
        url: format!("http://{echo_addr}/echo"),
        query: vec![],
        headers: vec![KeyValue {
            name: "Authorization".into(),
            value: "Bearer {{secret:TOKEN}}".into(),
        }],
        body: String::new(),
    };
    let res = client
        .post(format!("{origin}/api/save_block"))
        .header("origin", origin.clone())
        .json(&serde_json::json!({ "workspace": WORKSPACE, "block": input }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    let direct_client = reqwest::Client::new();
    let (mut direct, mut via) = (Vec::new(), Vec::new());
    for i in 0..RUNS * 2 {
        // Interleaved, so both see the same noise.
        let started = Instant::now();
        if i % 2 == 0 {
            let r = direct_client
                .get(format!("http://{echo_addr}/echo"))
                .header("authorization", "Bearer sk-live-0123456789")
                .send()
                .await
                .unwrap();
            r.bytes().await.unwrap();
            direct.push(started.elapsed());
        } else {
            let r = call(
                "run_block",
                vec![
                    ("workspace", WORKSPACE.into()),
                    ("id", block.block.id.to_string()),
                ],
            )
            .await
            .unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            via.push(started.elapsed());
        }
    }
    let (d50, v50) = (
        percentile(direct.clone(), 0.5),
        percentile(via.clone(), 0.5),
    );
    println!(
        "send request, {RUNS} runs each: direct p50 {d50:.2?}, via run_block p50 {v50:.2?}, \
         overhead p50 {:.2?} (p99 direct {:.2?}, via {:.2?})",
        v50.saturating_sub(d50),
        percentile(direct, 0.99),
        percentile(via, 0.99)
    );

    // 10,000 secrets (names only matter to the search).
    let mut tx = db.begin_write().await.unwrap();
    for i in 0..10_000 {
        sqlx::query(
            "INSERT INTO variables (workspace_id, name, name_key, kind, visibility, ciphertext, \
             key_version, value_version, description, allowed_hosts, created_at, updated_at) \
             VALUES (1, $1, $2, 'secret', 'masked', $3, 1, 1, '', '', 0, 0)",
        )
        .bind(format!("SECRET_{i:05}"))
        .bind(format!("secret_{i:05}"))
        .bind(vec![1u8; 40])
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let (mut health, mut search) = (Vec::new(), Vec::new());
    let queries = ["", "sec", "SECRET_099", "_42", "nothing-matches"];
    for i in 0..RUNS * 2 {
        let started = Instant::now();
        if i % 2 == 0 {
            client
                .get(format!("{origin}/healthz"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            health.push(started.elapsed());
        } else {
            let q = queries[(i / 2) % queries.len()];
            let r = call(
                "search_secrets",
                vec![("workspace", WORKSPACE.into()), ("search", q.into())],
            )
            .await
            .unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            search.push(started.elapsed());
        }
    }
    println!(
        "picker search over 10,000 secrets, {RUNS} searches: p50 {:.2?}, p95 {:.2?}; \
         /healthz p50 {:.2?}, p95 {:.2?}",
        percentile(search.clone(), 0.5),
        percentile(search, 0.95),
        percentile(health.clone(), 0.5),
        percentile(health, 0.95)
    );
}

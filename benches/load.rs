//! List and reveal under 16 concurrent clients against the real server on
//! 127.0.0.1 (SQLite; budget: p99 ≤ 50 ms), with `GET /healthz` under the
//! same load as the baseline. `cargo bench --features ssr --bench load`.

use std::sync::Arc;
use std::time::{Duration, Instant};
use support::WORKSPACE;
use tokio::sync::Mutex;

#[path = "../tests/support/mod.rs"]
mod support;

const CLIENTS: usize = 16;
const REQUESTS_PER_CLIENT: usize = 100;

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let app = support::spawn_app().await;
    app.setup_owner().await;
    let origin = app.origin();
    let owner = app.client.clone();
    let post = |client: &reqwest::Client, name: &str, form: Vec<(&'static str, String)>| {
        client
            .post(format!("{origin}/api/{name}"))
            .header("origin", origin.clone())
            .form(&form)
            .send()
    };
    let mut masked = 0;
    for i in 0..50 {
        let kind = if i % 2 == 0 { "secret" } else { "plain" };
        let res = post(
            &owner,
            "create_variable",
            vec![
                ("workspace", WORKSPACE.into()),
                ("kind", kind.into()),
                ("name", format!("VAR_{i:02}")),
                ("value", format!("load-value-{i:04}")),
                ("visibility", "masked".into()),
            ],
        )
        .await
        .unwrap();
        let v: serde_json::Value = res.json().await.unwrap();
        if kind == "secret" {
            masked = v["id"].as_i64().unwrap();
        }
    }

    for (label, name) in [
        ("healthz (baseline)", ""),
        ("list_variables", "list_variables"),
        ("reveal_secret", "reveal_secret"),
    ] {
        let times = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (origin, times, owner, name) = (
                origin.clone(),
                times.clone(),
                owner.clone(),
                name.to_string(),
            );
            tasks.push(tokio::spawn(async move {
                for _ in 0..REQUESTS_PER_CLIENT {
                    let t = Instant::now();
                    let res = if name.is_empty() {
                        owner.get(format!("{origin}/healthz")).send().await.unwrap()
                    } else {
                        let mut form = vec![("workspace", WORKSPACE.to_string())];
                        if name == "reveal_secret" {
                            form.push(("id", masked.to_string()));
                        }
                        owner
                            .post(format!("{origin}/api/{name}"))
                            .header("origin", origin.clone())
                            .form(&form)
                            .send()
                            .await
                            .unwrap()
                    };
                    assert!(res.status().is_success(), "{name}: {}", res.status());
                    res.bytes().await.unwrap();
                    times.lock().await.push(t.elapsed());
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = started.elapsed();
        let mut v = times.lock().await.clone();
        println!(
            "{label}: {CLIENTS} clients × {REQUESTS_PER_CLIENT}: p50 {:.2?}, p99 {:.2?}, {:.0} req/s",
            percentile(&mut v, 0.5),
            percentile(&mut v, 0.99),
            v.len() as f64 / elapsed.as_secs_f64()
        );
    }
}

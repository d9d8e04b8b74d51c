//! Faults, with real components: the database cut off mid-use (a TCP
//! proxy in front of the shared PostgreSQL server, cut and restored by
//! the test; the server itself is never stopped), and a full SQLite file.

use crate::support::*;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use varvault::error::AppError;

/// A TCP proxy that can be cut (every open connection closed, new ones
/// refused at once) and restored.
struct CutProxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl CutProxy {
    async fn start(upstream: SocketAddr) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (is_open, all) = (open.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !is_open.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is reset
                }
                all.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        CutProxy { addr, open, links }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// The PostgreSQL server of VARVAULT_TEST_POSTGRES_URL, if the suite runs
/// against one (the SQLite run has no server to cut).
fn postgres_server() -> Option<SocketAddr> {
    let url = std::env::var("VARVAULT_TEST_POSTGRES_URL").ok()?;
    let url = reqwest::Url::parse(url.trim()).ok()?;
    let host = url.host_str()?;
    format!("{host}:{}", url.port().unwrap_or(5432))
        .parse()
        .ok()
}

async fn list_status(app: &TestApp) -> (reqwest::StatusCode, String) {
    let res = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await;
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn a_database_outage_is_a_clear_503_and_the_app_recovers_without_restart() {
    let Some(server) = postgres_server() else {
        eprintln!("runs in the PostgreSQL pass of the suite (VARVAULT_TEST_POSTGRES_URL)");
        return;
    };
    let proxy = CutProxy::start(server).await;
    let proxied = proxy.addr.to_string();
    let app = spawn_app_with(|c| {
        c.database_url = c.database_url.replacen(&server.to_string(), &proxied, 1);
        assert!(c.database_url.contains(&proxied), "{}", c.database_url);
    })
    .await;
    app.setup_owner().await;
    app.create_ok(&[("kind", "plain"), ("name", "BEFORE"), ("value", "1")])
        .await;

    proxy.cut();
    let started = Instant::now();
    let (status, body) = list_status(&app).await;
    assert_eq!(status, 503, "{body}");
    let err: AppError = serde_json::from_str(&body).unwrap();
    assert!(matches!(err, AppError::Unavailable(_)), "{err:?}");
    for detail in ["sqlx", "postgres", "127.0.0.1", &proxied, "SELECT"] {
        assert!(!body.contains(detail), "{detail} leaked: {body}");
    }
    let res = app
        .create_variable(
            &app.client,
            &[("kind", "plain"), ("name", "DURING"), ("value", "2")],
        )
        .await;
    assert_eq!(res.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "{:?}",
        started.elapsed()
    );

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.get("/healthz").await.status() != 200 {
        assert!(Instant::now() < deadline, "no recovery within 20 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = list_status(&app).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("BEFORE") && !body.contains("DURING"),
        "{body}"
    );
    app.create_ok(&[("kind", "plain"), ("name", "AFTER"), ("value", "3")])
        .await;
}

/// Sets SQLite's page limit on every connection of the app's pool (a
/// connection setting): holding them all at once reaches each.
async fn limit_pages(app: &TestApp, spare: i64) {
    let pool = app.db.pool();
    let mut held = Vec::new();
    while let Ok(Ok(conn)) = tokio::time::timeout(Duration::from_millis(300), pool.acquire()).await
    {
        held.push(conn);
    }
    assert!(!held.is_empty());
    for conn in held.iter_mut() {
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {}", pages + spare))
            .execute(&mut **conn)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_full_sqlite_file_fails_writes_clearly_and_keeps_reads() {
    let app = spawn_app().await;
    if !app.db_url().starts_with("sqlite") {
        eprintln!("runs in the SQLite pass of the suite");
        return;
    }
    app.setup_owner().await;
    app.create_ok(&[("kind", "plain"), ("name", "KEPT"), ("value", "1")])
        .await;
    limit_pages(&app, 2).await;

    let big = "v".repeat(60_000);
    let mut created = vec!["KEPT".to_string()];
    let mut refused = None;
    for i in 0..20 {
        let name = format!("FILL_{i}");
        let res = app
            .create_variable(
                &app.client,
                &[("kind", "plain"), ("name", &name), ("value", &big)],
            )
            .await;
        if res.status() == 200 {
            created.push(name);
            continue;
        }
        let (status, err) = app_error(res).await;
        refused = Some((name, status, err));
        break;
    }
    let (name, status, err) = refused.expect("the file filled up");
    assert_eq!(status, 503);
    assert!(err.to_string().contains("no room left"), "{err}");

    // Reads still work, and hold every acknowledged write and nothing of
    // the refused one: not the variable, not its audit entry.
    let (status, body) = list_status(&app).await;
    assert_eq!(status, 200, "{body}");
    for kept in &created {
        assert!(body.contains(kept.as_str()), "{kept} lost");
    }
    assert!(!body.contains(&name), "the refused write is there");
    let audited: i64 = app.audited("variable.created").await;
    assert_eq!(audited as usize, created.len());
    assert_eq!(
        app.get(&format!("/w/{WORKSPACE}/variables")).await.status(),
        200
    );
}

/// Creates plain variables `W{worker}_{i}` one after another until the
/// server stops answering; returns the names it acknowledged.
async fn write_until_gone(
    client: reqwest::Client,
    url: String,
    origin: String,
    worker: usize,
) -> Vec<String> {
    let mut acknowledged = Vec::new();
    for i in 0.. {
        let name = format!("W{worker}_{i}");
        let form = [
            ("workspace", WORKSPACE),
            ("kind", "plain"),
            ("name", name.as_str()),
            ("value", "x"),
        ];
        let sent = client
            .post(&url)
            .header("origin", &origin)
            .form(&form)
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match sent {
            Ok(res) if res.status() == 200 => acknowledged.push(name),
            Ok(res) => panic!("{name}: {} {:?}", res.status(), res.text().await),
            Err(_) => break, // the server is gone
        }
    }
    acknowledged
}

#[tokio::test]
async fn sigkill_during_a_burst_of_writes_loses_no_acknowledged_write() {
    let mut app = spawn_app().await;
    app.setup_owner().await;
    let log = app.dir().join("serve.log");
    let mut server = app.serve_in_a_process(&log).await;
    let workers: Vec<_> = (0..8)
        .map(|w| {
            tokio::spawn(write_until_gone(
                app.client.clone(),
                app.url("/api/create_variable"),
                app.origin(),
                w,
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let mut acknowledged = Vec::new();
    for worker in workers {
        acknowledged.extend(worker.await.unwrap());
    }
    assert!(acknowledged.len() > 8, "the burst wrote too little to tell");

    let out = app.cli(&["check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let mut server = app.serve_in_a_process(&log).await;
    let (status, _) = list_status(&app).await;
    assert_eq!(status, 200, "the restarted server lists");
    // The list shows a page; the database holds them all.
    let stored: std::collections::HashSet<String> =
        sqlx::query_scalar("SELECT name FROM variables")
            .fetch_all(app.db.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
    for name in &acknowledged {
        assert!(stored.contains(name), "{name} was acknowledged and is gone");
    }
    // Each write and its audit entry commit together: at most the writes
    // in flight at the kill (one per worker) are there unacknowledged.
    let audited: i64 = app.audited("variable.created").await;
    assert_eq!(audited as usize, stored.len());
    assert!(stored.len() <= acknowledged.len() + 8);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn sigkill_during_a_workspace_key_rotation_leaves_it_readable_and_resumable() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for i in 0..300 {
        app.create_ok(&[
            ("kind", "secret"),
            ("name", &format!("S{i}")),
            ("value", &format!("value-{i:04}")),
            ("visibility", "masked"),
        ])
        .await;
    }
    let mut rotation = std::process::Command::new(env!("CARGO_BIN_EXE_varvault"))
        .args(["rotate-workspace-key", WORKSPACE, "--batch-size", "1"])
        .env("VARVAULT_DATABASE_URL", app.db_url())
        .env("VARVAULT_MASTER_KEY_FILE", key_path(app.dir()))
        .current_dir(app.dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as some secrets are under the new key: mid-way.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let moved: i64 = app
            .count("SELECT COUNT(*) FROM variables WHERE kind = 'secret' AND key_version > 1")
            .await;
        if moved > 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    rotation.kill().unwrap();
    rotation.wait().unwrap();
    let left: i64 = app
        .count("SELECT COUNT(*) FROM variables WHERE kind = 'secret' AND key_version = 1")
        .await;
    assert!((1..300).contains(&left), "not killed mid-way: {left} left");

    let out = app.cli(&["check"], &[]);
    assert!(out.status.success(), "after the kill: {}", text(&out));
    let out = app.cli(&["rotate-workspace-key", WORKSPACE], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = app.cli(&["check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("workspace acme-support: 1 data keys, 300 secrets, 0 failed"),
        "{}",
        text(&out)
    );
    let res = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await;
    assert_eq!(res.status(), 200);
}

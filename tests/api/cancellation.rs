//! Clients that go away mid-request (wrk stopping, a proxy timing out)
//! must never wedge the database: each write is whole or absent, every
//! acknowledged one is there, and the next write succeeds at once.

use crate::support::*;
use rand::Rng;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use varvault::server::infra::crypto::{master, Keyring, MasterKeySource};
use varvault::server::rules::rotation;

/// How a raw client behaves after sending its request.
#[derive(Clone, Copy, Debug)]
enum Leave {
    /// Closes the connection as soon as the request is written.
    AtOnce,
    /// Closes it after this many microseconds.
    After(u64),
    /// Reads the whole answer.
    Never,
}

/// A form-encoded server-function call over a raw TCP connection, as a
/// browser of the app's own origin would send it. Returns the status and
/// the answer when the client stayed to read it.
async fn raw_call(
    addr: SocketAddr,
    cookie: Option<&str>,
    name: &str,
    form: &[(&str, &str)],
    leave: Leave,
) -> Option<(u16, String)> {
    let body = serde_urlencoded_form(form);
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /api/{name} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n{cookie}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(request.as_bytes()).await.ok()?;
    match leave {
        Leave::AtOnce => None,
        Leave::After(us) => {
            tokio::time::sleep(Duration::from_micros(us)).await;
            None
        }
        Leave::Never => {
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.ok()?;
            let answer = String::from_utf8_lossy(&answer).into_owned();
            let status = answer.get(9..12)?.parse().ok()?;
            Some((status, answer))
        }
    }
}

fn serde_urlencoded_form(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The session cookie a raw sign-in gets.
async fn raw_sign_in(addr: SocketAddr, email: &str, password: &str) -> Option<String> {
    let (status, answer) = raw_call(
        addr,
        None,
        "login",
        &[("email", email), ("password", password)],
        Leave::Never,
    )
    .await?;
    if status != 200 {
        return None;
    }
    answer.lines().find_map(|l| {
        let l = l.strip_prefix("set-cookie: varvault_session=")?;
        Some(format!("varvault_session={}", l.split(';').next()?))
    })
}

async fn keyring_of(app: &TestApp) -> Keyring {
    let key = master::load(&MasterKeySource::File(key_path(app.dir()))).unwrap();
    Keyring::new(key)
}

#[tokio::test]
async fn clients_that_leave_mid_write_never_wedge_the_database() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let secret = app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "SHARED"),
            ("value", "shared-value-0"),
            ("visibility", "masked"),
        ])
        .await;
    let plain = app
        .create_ok(&[("kind", "plain"), ("name", "PLAIN"), ("value", "0")])
        .await;
    let addr = app.addr;
    let cookie = raw_sign_in(addr, OWNER_EMAIL, OWNER_PASSWORD)
        .await
        .expect("signed in");
    let (secret_id, plain_id) = (secret.id.to_string(), plain.id.to_string());

    // Rounds of concurrent writes; most clients leave before the answer.
    let mut acknowledged_creates = BTreeSet::new();
    let mut acknowledged_sign_ins = Vec::new();
    let mut n = 0;
    for _round in 0..6 {
        let mut tasks = Vec::new();
        for _ in 0..40 {
            n += 1;
            let leave = match rand::thread_rng().gen_range(0..10) {
                0..=2 => Leave::AtOnce,
                3..=7 => Leave::After(rand::thread_rng().gen_range(0..30_000)),
                _ => Leave::Never,
            };
            let cookie = cookie.clone();
            let (secret_id, plain_id) = (secret_id.clone(), plain_id.clone());
            tasks.push(tokio::spawn(async move {
                let c = Some(cookie.as_str());
                let name = format!("V{n}");
                let value = format!("value-number-{n}");
                let kind = n % 6;
                let answer = match kind {
                    0 => {
                        raw_call(
                            addr,
                            c,
                            "create_variable",
                            &[
                                ("workspace", WORKSPACE),
                                ("kind", "secret"),
                                ("name", &name),
                                ("value", &value),
                                ("visibility", "masked"),
                            ],
                            leave,
                        )
                        .await
                    }
                    1 => {
                        raw_call(
                            addr,
                            c,
                            "create_variable",
                            &[
                                ("workspace", WORKSPACE),
                                ("kind", "plain"),
                                ("name", &name),
                                ("value", &value),
                            ],
                            leave,
                        )
                        .await
                    }
                    2 => {
                        raw_call(
                            addr,
                            c,
                            "update_variable",
                            &[
                                ("workspace", WORKSPACE),
                                ("id", &secret_id),
                                ("value", &value),
                            ],
                            leave,
                        )
                        .await
                    }
                    3 => {
                        raw_call(
                            addr,
                            c,
                            "update_variable",
                            &[
                                ("workspace", WORKSPACE),
                                ("id", &plain_id),
                                ("value", &value),
                            ],
                            leave,
                        )
                        .await
                    }
                    4 => {
                        raw_call(
                            addr,
                            c,
                            "reveal_secret",
                            &[("workspace", WORKSPACE), ("id", &secret_id)],
                            leave,
                        )
                        .await
                    }
                    _ => {
                        raw_call(
                            addr,
                            None,
                            "login",
                            &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
                            leave,
                        )
                        .await
                    }
                };
                (kind, name, answer)
            }));
        }
        for task in tasks {
            let (kind, name, answer) = task.await.unwrap();
            if let Some((status, text)) = answer {
                // Parallel sign-ins of one account are counted as they
                // start: some are told to wait, which is no wedge.
                if kind == 5 && text.contains("Too many attempts") {
                    continue;
                }
                assert_eq!(status, 200, "a client that stayed got an error: {text}");
                match kind {
                    0 | 1 => {
                        acknowledged_creates.insert(name);
                    }
                    5 => acknowledged_sign_ins.push(text),
                    _ => {}
                }
            }
        }
    }

    // The next write and sign-in succeed at once.
    let quick = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let res = quick
        .post(app.url("/api/login"))
        .header("origin", app.origin())
        .form(&[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)])
        .send()
        .await
        .expect("a sign-in answers at once");
    assert_eq!(res.status(), 200);
    let res = quick
        .post(app.url("/api/create_variable"))
        .header("origin", app.origin())
        .form(&[
            ("workspace", WORKSPACE),
            ("kind", "plain"),
            ("name", "AFTERWARDS"),
            ("value", "x"),
        ])
        .send()
        .await
        .expect("a write answers at once");
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let res = quick
        .post(app.url("/api/reveal_secret"))
        .header("origin", app.origin())
        .form(&[("workspace", WORKSPACE), ("id", &secret_id)])
        .send()
        .await
        .expect("a reveal answers at once");
    assert_eq!(res.status(), 200);

    // Give writes whose clients left a moment to end (they run to the end).
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Every acknowledged create is there.
    let names: BTreeSet<String> = sqlx::query_scalar("SELECT name FROM variables")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
    for name in &acknowledged_creates {
        assert!(names.contains(name), "acknowledged {name} is missing");
    }
    // Nothing half-written: each variable has exactly one creation entry,
    // and each creation entry a variable.
    let created = app
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('variable.created', 'secret.created')",
        )
        .await;
    assert_eq!(created, names.len() as i64, "creations audited once each");
    let orphans = app
        .count(
            "SELECT COUNT(*) FROM variables v WHERE NOT EXISTS (SELECT 1 FROM audit_log a \
         WHERE a.target_id = v.id AND a.action IN ('variable.created', 'secret.created'))",
        )
        .await;
    assert_eq!(orphans, 0);
    // Each value change of the shared secret is one version and one entry.
    let version: i64 = sqlx::query_scalar("SELECT value_version FROM variables WHERE id = $1")
        .bind(secret.id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let updates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.value_updated' AND target_id = $1",
    )
    .bind(secret.id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(updates, version - 1, "one audit entry per value version");
    // Every secret decrypts.
    let reports = rotation::check(&app.db, &keyring_of(&app).await)
        .await
        .unwrap();
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}");
    // Every acknowledged sign-in's session works.
    for answer in acknowledged_sign_ins.iter().take(5) {
        let cookie = answer
            .lines()
            .find_map(|l| {
                l.strip_prefix("set-cookie: ")
                    .filter(|c| c.starts_with("varvault_session="))
            })
            .and_then(|l| l.split(';').next())
            .expect("a session cookie");
        let (status, _) = raw_call(
            addr,
            Some(cookie),
            "list_variables",
            &[("workspace", WORKSPACE)],
            Leave::Never,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "an acknowledged sign-in has its session");
    }
}

#[tokio::test]
async fn a_sign_in_answers_only_once_its_session_is_stored() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for _ in 0..5 {
        let cookie = raw_sign_in(app.addr, OWNER_EMAIL, OWNER_PASSWORD)
            .await
            .expect("signed in");
        // Straight to the database, before any other request: the row is
        // already there.
        let id = cookie.split_once('=').unwrap().1;
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id_hash = $1")
            .bind(sha256_hex(id))
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(stored, 1, "the answer came before the session was stored");
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Holds the database's write lock from outside the app, so a request
/// hangs mid-write; SIGTERM must still end the process within the grace.
#[tokio::test]
async fn sigterm_ends_the_process_within_the_grace_even_with_a_write_stuck() {
    let mut app = spawn_app().await;
    let log = app.dir().join("server.log");
    let mut server = app
        .serve_in_a_process_with(&log, &[("VARVAULT_SHUTDOWN_GRACE_SECONDS", "2")])
        .await;
    app.setup_owner().await;
    let before = app.count("SELECT COUNT(*) FROM variables").await;

    // Another client of the database takes the write lock and keeps it.
    let mut holder = app.db.pool().acquire().await.unwrap();
    if app.db_url().starts_with("sqlite") {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *holder)
            .await
            .unwrap();
    } else {
        sqlx::query("BEGIN").execute(&mut *holder).await.unwrap();
        sqlx::query("LOCK TABLE variables IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *holder)
            .await
            .unwrap();
    }
    let client = app.client.clone();
    let url = app.url("/api/create_variable");
    let origin = app.origin();
    let stuck = tokio::spawn(async move {
        client
            .post(url)
            .header("origin", origin)
            .form(&[
                ("workspace", WORKSPACE),
                ("kind", "plain"),
                ("name", "STUCK"),
                ("value", "x"),
            ])
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!stuck.is_finished(), "the write waits for the lock");

    let started = std::time::Instant::now();
    let pid = server.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "still running 8 s after SIGTERM (grace 2 s): {}",
            std::fs::read_to_string(&log).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains("shutting down"), "{logs}");

    // Nothing half-written, and the database is usable again.
    sqlx::query("ROLLBACK").execute(&mut *holder).await.unwrap();
    drop(holder);
    let _ = stuck.await;
    assert_eq!(app.count("SELECT COUNT(*) FROM variables").await, before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE target_name = 'STUCK'")
            .await,
        0
    );
}

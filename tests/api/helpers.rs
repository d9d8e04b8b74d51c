//! `spawn_app()`: the app on port 0 with its own database and a
//! cookie-keeping client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;
use varvault::server::config::Config;
use varvault::server::db::Db;
use varvault::server::startup::Application;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: Db,
    /// Holds the SQLite file and the empty site root until the test ends.
    _dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }
}

/// A fresh, empty database for one test: a SQLite file in `dir`, or a new
/// PostgreSQL database when VARVAULT_TEST_POSTGRES_URL names a server.
pub async fn fresh_database_url(dir: &TempDir) -> String {
    match std::env::var("VARVAULT_TEST_POSTGRES_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => create_postgres_database(&admin_url).await,
        _ => format!("sqlite://{}", dir.path().join("varvault.db").display()),
    }
}

async fn create_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "vvtest_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("VARVAULT_TEST_POSTGRES_URL does not answer");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("VARVAULT_TEST_POSTGRES_URL needs a /database part");
    format!("{base}/{name}")
}

pub fn test_config(dir: &TempDir, database_url: String) -> Config {
    Config {
        site_addr: "127.0.0.1:0".parse().unwrap(),
        database_url,
        site_root: PathBuf::from(dir.path()),
        site_pkg_dir: "pkg".into(),
    }
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let database_url = fresh_database_url(&dir).await;
    let app = Application::build(test_config(&dir, database_url))
        .await
        .expect("the app starts");
    let addr = app.local_addr();
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        addr,
        client,
        db,
        _dir: dir,
    }
}

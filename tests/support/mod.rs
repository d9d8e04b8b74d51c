//! Shared by the integration tests and the benches (`#[path]`-included):
//! `spawn_app()` starts the app on port 0 (the listener is kept, so no
//! other process can take the port between choosing and binding) with its
//! own database and a cookie-keeping client; helpers call server functions
//! as a browser would (form-encoded POST from the app's own origin).
#![allow(dead_code)] // each includer uses its own part

use reqwest::header::{HeaderValue, ORIGIN};
use reqwest::StatusCode;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;
use varvault::error::AppError;
use varvault::server::infra::config::Config;
use varvault::server::infra::crypto::MasterKeySource;
use varvault::server::infra::db::Db;
use varvault::server::web::startup::Application;

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "owner-password-1234";
pub const WORKSPACE: &str = "acme-support";

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: Db,
    database_url: String,
    /// Holds the SQLite file and the empty site root until the test ends.
    _dir: TempDir,
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The test's own directory (SQLite file, data/master.key).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The database URL, for a second instance or the CLI.
    pub fn db_url(&self) -> String {
        self.database_url.clone()
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// GETs a page as a browser does (`Accept: text/html`, so redirects
    /// are real 302s).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.page(&self.client, path).await
    }

    pub async fn page(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(self.url(path))
            .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("request failed")
    }

    /// Calls server function `name` with `client`, as the app's own page.
    pub async fn call_with(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{name}")))
            .header(ORIGIN, HeaderValue::from_str(&self.origin()).unwrap())
            .form(form)
            .send()
            .await
            .expect("request failed")
    }

    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_with(&self.client, name, form).await
    }

    /// Creates the owner account and workspace "Acme Support"; the app's
    /// client is then signed in as the owner.
    pub async fn setup_owner(&self) {
        let res = self
            .call(
                "setup_owner",
                &[
                    ("email", OWNER_EMAIL),
                    ("name", "Olive Owner"),
                    ("password", OWNER_PASSWORD),
                    ("workspace_name", "Acme Support"),
                ],
            )
            .await;
        assert_ok(res).await;
    }

    /// A new client signed in as `email`.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Client {
        let client = new_client();
        let res = self
            .call_with(
                &client,
                "login",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_ok(res).await;
        client
    }

    /// Starts another instance of the app on this test's database and
    /// master key (as a second replica would run), and returns its address.
    pub async fn second_instance(&self) -> SocketAddr {
        let mut config = Config::from_lookup(|_| None).expect("defaults");
        config.site_addr = "127.0.0.1:0".parse().unwrap();
        config.database_url = self.database_url.clone();
        config.site_root = PathBuf::from(self.dir());
        config.master_key = MasterKeySource::Default(self.dir().join("data/master.key"));
        let app = Application::build(config)
            .await
            .expect("the second instance starts");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped());
        addr
    }

    /// Adds a member to `WORKSPACE` as the owner and returns a client signed
    /// in as them.
    pub async fn member(&self, email: &str, role: &str) -> reqwest::Client {
        let password = format!("{role}-password-1234");
        let res = self
            .call(
                "add_member",
                &[
                    ("workspace", WORKSPACE),
                    ("email", email),
                    ("name", &format!("Test {role}")),
                    ("initial_password", &password),
                    ("role", role),
                ],
            )
            .await;
        assert_ok(res).await;
        self.sign_in(email, &password).await
    }
}

/// Asserts a server function succeeded (2xx, or a redirect after success).
pub async fn assert_ok(res: reqwest::Response) {
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    assert!(
        status.is_success() || status.is_redirection(),
        "expected success, got {status}: {body}"
    );
}

/// The `AppError` a failed server function answered, with its status.
pub async fn app_error(res: reqwest::Response) -> (StatusCode, AppError) {
    let status = res.status();
    let body = res.text().await.unwrap();
    let err = serde_json::from_str::<AppError>(&body)
        .unwrap_or_else(|e| panic!("not an AppError ({e}): {status} {body}"));
    (status, err)
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
    let mut config = Config::from_lookup(|_| None).expect("defaults");
    config.site_addr = "127.0.0.1:0".parse().unwrap();
    config.database_url = database_url;
    config.site_root = PathBuf::from(dir.path());
    // The embedded default, generated on first start, in the test's own dir.
    config.master_key = MasterKeySource::Default(dir.path().join("data/master.key"));
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], after `adjust` has changed the configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let database_url = fresh_database_url(&dir).await;
    let mut config = test_config(&dir, database_url.clone());
    adjust(&mut config);
    let app = Application::build(config).await.expect("the app starts");
    let addr = app.local_addr();
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    // The app listens on every address in some tests; talk to loopback.
    let addr = SocketAddr::from(([127, 0, 0, 1], addr.port()));
    TestApp {
        addr,
        client: new_client(),
        db,
        database_url,
        _dir: dir,
    }
}

pub mod calls;
pub mod canary;
pub mod domain;
pub mod inspect;
pub mod process;
pub mod upstream;

// Each includer uses its own part of these.
#[allow(unused_imports)]
pub use calls::{block, spawn_private_app};
#[allow(unused_imports)]
pub use canary::{assert_no_canary, MASKED_CANARY, RESTRICTED_CANARY};
#[allow(unused_imports)]
pub use process::{key_path, text};
#[allow(unused_imports)]
pub use upstream::{encodings, start_upstream, start_upstream_on, Upstream};

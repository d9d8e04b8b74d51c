//! Start-up: a bad database stops the binary with one clear line.

use crate::support::{fresh_database_url, test_config};
use std::process::Command;
use varvault::server::web::startup::Application;

fn run_binary(args: &[&str], database_url: &str, dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_varvault"))
        .args(args)
        .env("VARVAULT_DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .current_dir(dir)
        .output()
        .expect("run varvault")
}

fn assert_clear_failure(out: &std::process::Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(expected), "stderr: {stderr}");
    assert!(
        !stderr.contains("panicked"),
        "a panic instead of a message: {stderr}"
    );
    assert!(!stderr.contains("RUST_BACKTRACE"), "stderr: {stderr}");
}

#[tokio::test]
async fn an_unreachable_database_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    let out = run_binary(
        &["serve"],
        "postgres://varvault:hunter2hunter2@127.0.0.1:1/varvault",
        dir.path(),
    );
    assert_clear_failure(
        &out,
        "cannot open the database postgres://varvault:***@127.0.0.1:1",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.db");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let before = std::fs::read(&path).unwrap();
    let out = run_binary(
        &["serve"],
        &format!("sqlite://{}", path.display()),
        dir.path(),
    );
    assert_clear_failure(&out, "error:");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file was changed"
    );
}

#[tokio::test]
async fn migrate_creates_the_default_sqlite_file_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_varvault"))
            .arg("migrate")
            .env_remove("VARVAULT_DATABASE_URL")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(dir.path().join("data/varvault.db").is_file());
}

#[tokio::test]
async fn two_instances_on_one_database_both_start() {
    // Instances behind a load balancer start together and migrate once.
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    if url.starts_with("postgres") {
        // Concurrently: sqlx's advisory lock makes the second wait.
        let (a, b) = tokio::join!(
            Application::build(test_config(&dir, url.clone())),
            Application::build(test_config(&dir, url.clone())),
        );
        a.expect("first instance");
        b.expect("second instance");
    } else {
        // One SQLite file serves one instance; a second start (or `migrate`
        // beside a running server) finds the schema up to date.
        let first = Application::build(test_config(&dir, url.clone())).await;
        first.expect("first instance");
        Application::build(test_config(&dir, url))
            .await
            .expect("second instance");
    }
}

#[test]
fn a_setting_that_does_not_parse_stops_the_binary_with_one_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_varvault"))
        .arg("migrate")
        .env("VARVAULT_ALLOW_PRIVATE_NETWORKS", "treu")
        .env("VARVAULT_DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("VARVAULT_ALLOW_PRIVATE_NETWORKS"),
        "{stderr}"
    );
}

#[test]
fn the_master_key_is_refused_on_the_command_line() {
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_varvault"))
        .args(["--master-key", key, "migrate"])
        .env("VARVAULT_DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("VARVAULT_MASTER_KEY in the environment"),
        "{stderr}"
    );
    assert!(!stderr.contains(key), "{stderr}");
}

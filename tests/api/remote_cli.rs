//! `varvault remote` as a careful client (issue 23): https only (plain
//! http to this machine only), no redirect followed with the token and a
//! value, and nothing the server says printed with control or
//! bidirectional characters.

use crate::support::*;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::any;
use axum::Router;

fn remote(url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_varvault"))
        .arg("remote")
        .args(args)
        .env("VARVAULT_URL", url)
        .env("VARVAULT_TOKEN", format!("vv_{}", "A".repeat(43)))
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn plain_http_goes_only_to_this_machine() {
    for url in ["http://vault.example.com", "ftp://127.0.0.1", "not a url"] {
        let out = remote(url, &["set", "TOKEN"], "value-12345678");
        assert_eq!(out.status.code(), Some(1), "{url}");
        let err = text(&out);
        assert!(err.contains("VARVAULT_URL"), "{url}: {err}");
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_with_the_token_and_value() {
    let (target, target_hits) = start_upstream().await;
    let to = format!("http://{target}/echo");
    let app = Router::new().fallback(any(move || {
        let to = to.clone();
        async move { (StatusCode::TEMPORARY_REDIRECT, [("location", to)]).into_response() }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("http://{addr}");
    let out =
        tokio::task::spawn_blocking(move || remote(&url, &["set", "TOKEN"], "value-12345678"))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("redirect"), "{}", text(&out));
    assert!(
        target_hits.hits().is_empty(),
        "nothing reached the redirect's target"
    );
}

#[tokio::test]
async fn what_the_server_says_is_printed_without_control_characters() {
    let evil = "bad\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}txt.exe\u{9b}31m\u{200b}end";
    let app = Router::new().fallback(any(move || async move {
        (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/problem+json")],
            serde_json::json!({ "detail": evil, "field": "name\u{1b}[1m" }).to_string(),
        )
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("http://{addr}");
    let out = tokio::task::spawn_blocking(move || remote(&url, &["list"], ""))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let printed = text(&out);
    assert!(
        printed.contains("bad[2J]0;ownedtxt.exe31mend"),
        "{printed:?}"
    );
    for c in printed.chars() {
        assert!(!c.is_control() || c == '\n', "{c:?} printed: {printed:?}");
        assert!(!matches!(c, '\u{202e}' | '\u{200b}'), "{printed:?}");
    }
}

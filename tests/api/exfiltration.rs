//! An editor tries to get a restricted secret out (SPEC §1, §5), against a
//! real server process logging at trace level, a real "allowed" upstream on
//! 127.0.0.1 and an attacker's upstream on 127.0.0.2.
//!
//! The canary is 24 random letters and digits in mixed case. After every
//! attempt: no 6-byte piece of it, in any letter case, may appear in an
//! answer (outside what the attacker typed), in what the attacker's
//! upstream received, in the audit log or in the server's log.

use crate::scene::{refused, Scene};
use crate::support::*;
use varvault::model::{BlockView, RunResult};

#[tokio::test]
async fn no_url_shape_puts_the_secret_in_the_host() {
    let mut s = Scene::new().await;
    let p = s.evil.port();
    let g = s.good.port();
    let shapes = [
        "https:///{{secret:TOKEN}}/".to_string(),
        "https:/{{secret:TOKEN}}".to_string(),
        "http:{{secret:TOKEN}}".to_string(),
        "http:\\\\{{secret:TOKEN}}".to_string(),
        "HTTP://{{secret:TOKEN}}/".to_string(),
        format!("http://{{{{secret:TOKEN}}}}@127.0.0.2:{p}/"),
        format!("http://u:{{{{secret:TOKEN}}}}@127.0.0.2:{p}/"),
        format!("http://127.0.0.1:{g}@{{{{secret:TOKEN}}}}/"),
        "http://127.0.0.2:{{secret:TOKEN}}/".to_string(),
        "http://[{{secret:TOKEN}}]/".to_string(),
        "http://[::ffff:{{secret:TOKEN}}]/".to_string(),
        "http://xn--{{secret:TOKEN}}.example/".to_string(),
        "http://{{secret:TOKEN}}%2E127.0.0.2.nip.io/".to_string(),
        "http://127.0.0.2%2E{{secret:TOKEN}}/".to_string(),
        "http:/\t/{{secret:TOKEN}}\n.example/".to_string(),
        " \u{1}http://{{secret:TOKEN}}/".to_string(),
        "{{secret:TOKEN}}".to_string(),
    ];
    for url in &shapes {
        let (status, text) = s.save(url, &[], "").await;
        refused(status, &text, url);
        // Saved before the rule existed: the run refuses it too.
        s.store(url, &[], "").await;
        let (status, text) = s.run().await;
        refused(status, &text, url);
    }
    assert!(s.evil_up.hits().is_empty(), "nothing reached the attacker");
    assert!(s.good_up.hits().is_empty());
    s.finish().await;
}

#[tokio::test]
async fn variables_cannot_steer_the_secret_elsewhere() {
    let mut s = Scene::new().await;
    let (p, g) = (s.evil.port(), s.good.port());
    s.var("BASE", &format!("http://127.0.0.2:{p}")).await;
    s.var("OPEN", "http://").await;
    s.var("AT", &format!("127.0.0.1:{g}@127.0.0.2:{p}")).await;
    s.var("SLASHES", "http:///").await;
    s.var("ODD", &format!("127.0.0.1:{g}\\@127.0.0.2:{p}"))
        .await;
    for url in [
        "{{var:BASE}}/x?t={{secret:TOKEN}}",
        "{{var:OPEN}}{{secret:TOKEN}}/",
        "{{var:SLASHES}}{{secret:TOKEN}}/",
        "http://{{var:AT}}/?t={{secret:TOKEN}}",
        "{{var:OPEN}}{{var:AT}}/{{secret:TOKEN}}",
    ] {
        let (status, text) = s.save(url, &[], "").await;
        if status == 200 {
            let (status, text) = s.run().await;
            refused(status, &text, url);
        } else {
            refused(status, &text, url);
        }
        s.store(url, &[], "").await;
        let (status, text) = s.run().await;
        refused(status, &text, url);
    }
    // A backslash ends the authority in an http URL: this one goes to the
    // allowed host, and so does the secret.
    s.save(
        "http://{{var:ODD}}/?t={{secret:TOKEN}}",
        &[("Accept", "text/plain")],
        "",
    )
    .await;
    let (status, _) = s.run().await;
    assert_eq!(status, 200);
    assert_eq!(s.good_up.hits().len(), 1);
    assert!(s.evil_up.hits().is_empty(), "nothing reached the attacker");
    s.finish().await;
}

#[tokio::test]
async fn a_right_guess_and_a_wrong_one_get_the_same_answer() {
    let mut s = Scene::new().await;
    let (p, g) = (s.evil.port(), s.good.port());
    let canary = s.canary.clone();
    let mut wrong = canary.clone().into_bytes();
    wrong[0] = if wrong[0] == b'x' { b'y' } else { b'x' };
    let guesses = [
        canary.clone(),
        canary.to_lowercase(),
        canary.to_uppercase(),
        String::from_utf8(wrong).unwrap(),
    ];
    let templates = [
        "https://{{var:C}}@x.invalid/?k={{secret:TOKEN}}".to_string(),
        format!("http://{{{{var:C}}}}@127.0.0.2:{p}/?k={{{{secret:TOKEN}}}}"),
        "http://{{var:C}}.invalid/?k={{secret:TOKEN}}".to_string(),
        format!("http://127.0.0.1:{g}/static?k={{{{secret:TOKEN}}}}&c={{{{var:C}}}}"),
        format!("http://{{{{var:C}}}}@127.0.0.1:{g}/static?k={{{{secret:TOKEN}}}}"),
    ];
    for template in &templates {
        let mut answers = Vec::new();
        for guess in &guesses {
            s.var("C", guess).await;
            let (save_status, save_text) = s.save(template, &[], "").await;
            let (status, text) = s.run().await;
            // What differs between runs whatever the guess: time, date.
            let text = match serde_json::from_str::<RunResult>(&text) {
                Ok(r) => format!("{} {} {}", r.status, r.body, r.truncated),
                Err(_) => text,
            };
            let save_text = match serde_json::from_str::<BlockView>(&save_text) {
                Ok(_) => "saved".to_string(),
                Err(_) => save_text.replace(guess.as_str(), "GUESS"),
            };
            answers.push((save_status, save_text, status, text));
        }
        for a in &answers[1..] {
            assert_eq!(
                a, &answers[0],
                "{template}: the answer tells the guesses apart"
            );
        }
    }
    assert!(s.evil_up.hits().is_empty(), "nothing reached the attacker");
    s.finish().await;
}

#[tokio::test]
async fn routing_and_framing_headers_are_refused_at_save_and_at_run() {
    let mut s = Scene::new().await;
    let g = s.good.port();
    let url = format!("http://127.0.0.1:{g}/echo");
    for (name, value) in [
        ("Host", "127.0.0.2".to_string()),
        ("host", format!("127.0.0.2:{}", s.evil.port())),
        ("Connection", "close".to_string()),
        ("Content-Length", "0".to_string()),
        ("Transfer-Encoding", "chunked".to_string()),
        ("TE", "trailers".to_string()),
        ("Trailer", "X".to_string()),
        ("Upgrade", "h2c".to_string()),
        ("Keep-Alive", "1".to_string()),
        ("Expect", "100-continue".to_string()),
        ("Proxy-Authorization", "{{secret:TOKEN}}".to_string()),
        ("proxy-anything", "x".to_string()),
    ] {
        let headers = [
            ("Authorization", "{{secret:TOKEN}}"),
            (name, value.as_str()),
        ];
        let (status, text) = s.save(&url, &headers, "").await;
        refused(status, &text, name);
        let err: varvault::error::AppError = serde_json::from_str(&text).unwrap();
        assert!(
            err.to_string().starts_with("Header name 2: "),
            "names the field: {err}"
        );
        s.store(&url, &headers, "").await;
        let (status, text) = s.run().await;
        refused(status, &text, name);
    }
    assert!(s.good_up.hits().is_empty(), "nothing was sent");
    s.finish().await;
}

#[tokio::test]
async fn the_answer_hides_every_encoding_even_across_the_cut() {
    let mut s = Scene::new().await;
    let g = s.good.port();
    // Enough copies that the read stops inside one (1 MiB plus a margin).
    let copies = (1024 * 1024 + 24 * 12) / 24 + 40;
    for path in ["encodings".to_string(), format!("big?n={copies}")] {
        s.save(
            &format!("http://127.0.0.1:{g}/{path}"),
            &[("Authorization", "Bearer {{secret:TOKEN}}")],
            "",
        )
        .await;
        let (status, text) = s.run().await;
        assert_eq!(status, 200, "{text:.300}");
        let result: RunResult = serde_json::from_str(&text).unwrap();
        assert!(result.body.contains("[REDACTED:TOKEN]"));
        for form in encodings(&s.canary) {
            assert!(!result.body.contains(&form), "{form} in the answer");
        }
        if path.starts_with("big") {
            assert!(result.truncated);
            assert!(result.body.len() <= 1024 * 1024);
        }
    }
    // The allowed host got the value itself.
    assert!(s
        .good_up
        .hits()
        .iter()
        .all(|(_, h, _)| h["authorization"] == format!("Bearer {}", s.canary)));
    s.finish().await;
}

#[tokio::test]
async fn allowed_hosts_fail_closed_and_only_admins_change_them() {
    let mut s = Scene::new().await;
    let g = s.good.port();
    let id: i64 = sqlx::query_scalar("SELECT id FROM variables WHERE name = 'TOKEN'")
        .fetch_one(s.app.db.pool())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{g}/echo?t={{{{secret:TOKEN}}}}");
    s.save(&url, &[], "").await;
    assert_eq!(s.run().await.0, 200);

    // An editor cannot widen them.
    let res = s
        .app
        .call_with(
            &s.editor,
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id.to_string()),
                ("allowed_hosts", "127.0.0.2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);

    // Patterns that no longer parse, or none at all: the run refuses.
    for stored in ["", "127.0.0.1\nnot a pattern:1", "bad:1"] {
        sqlx::query("UPDATE variables SET allowed_hosts = $1 WHERE id = $2")
            .bind(stored)
            .bind(id)
            .execute(s.app.db.pool())
            .await
            .unwrap();
        let (status, text) = s.run().await;
        refused(status, &text, stored);
        assert!(text.contains("TOKEN cannot be used"), "{text}");
    }
    let out = s.app.cli(&["check"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("secret TOKEN: TOKEN cannot be used"),
        "{}",
        text(&out)
    );
    assert_eq!(s.good_up.hits().len(), 1, "only the first run was sent");

    // The owner changes them; it is audited.
    let res = s
        .app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id.to_string()),
                ("allowed_hosts", "127.0.0.1, api.example.com"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'secret.allowed_hosts_updated'",
    )
    .fetch_one(s.app.db.pool())
    .await
    .unwrap();
    assert_eq!(detail, "127.0.0.1, api.example.com");
    assert_eq!(s.run().await.0, 200);
    s.finish().await;
}

#[tokio::test]
async fn the_outbound_client_ignores_proxy_settings() {
    let (proxy, proxy_up) = start_upstream_on([127, 0, 0, 2]).await;
    let proxy_url = format!("http://{proxy}");
    let envs = [
        ("HTTP_PROXY", proxy_url.as_str()),
        ("HTTPS_PROXY", proxy_url.as_str()),
        ("ALL_PROXY", proxy_url.as_str()),
        ("http_proxy", proxy_url.as_str()),
    ];
    let mut s = Scene::with_env(&envs).await;
    let g = s.good.port();
    s.save(
        &format!("http://127.0.0.1:{g}/echo"),
        &[("Authorization", "Bearer {{secret:TOKEN}}")],
        "",
    )
    .await;
    assert_eq!(s.run().await.0, 200);
    assert_eq!(s.good_up.hits().len(), 1, "sent straight to the host");
    assert!(proxy_up.hits().is_empty(), "nothing went through the proxy");
    s.finish().await;
}

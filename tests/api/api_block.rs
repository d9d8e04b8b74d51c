//! Workflows and the API block (SPEC §5) against a real HTTP server on
//! 127.0.0.1 started by the test: the upstream gets the real value, the
//! answer shows none of it, and every way to send a secret elsewhere is
//! refused before any byte leaves.

use crate::support::*;
use varvault::model::{KeyValue, RunResult, WorkflowView};

const CANARY: &str = "canary-api/9f*e7Qx3 dK4m8Zp2Lw";

async fn token(app: &TestApp, visibility: &str, hosts: &str) {
    app.create_ok(&[
        ("kind", "secret"),
        ("name", "TOKEN"),
        ("value", CANARY),
        ("visibility", visibility),
        ("allowed_hosts", hosts),
    ])
    .await;
}

#[tokio::test]
async fn the_upstream_gets_the_value_and_the_answer_shows_none_of_it() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    token(&app, "restricted", "127.0.0.1").await;
    app.create_ok(&[("kind", "plain"), ("name", "PAGE"), ("value", "2")])
        .await;
    let editor = app.member("ed@example.com", "editor").await;
    let (wf, id) = app.workflow(&editor).await;

    for path in ["echo", "b64"] {
        let mut b = block(
            id,
            &format!("http://{up_addr}/{path}?page={{{{var:PAGE}}}}"),
            &[("Authorization", "Bearer {{secret:TOKEN}}")],
            "",
        );
        b.query = vec![KeyValue {
            name: "t".into(),
            value: "{{secret:TOKEN}}".into(),
        }];
        assert_eq!(app.save_block(&editor, &b).await.status(), 200);
        let res = app.run_block(&editor, id).await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(text.contains("[REDACTED:TOKEN]"), "{text}");
        assert_no_canary(&text, CANARY);
        let result: RunResult = serde_json::from_str(&text).unwrap();
        assert_eq!(result.status, 200);
        if path == "echo" {
            let echoed: serde_json::Value = serde_json::from_str(&result.body).unwrap();
            assert_eq!(echoed["authorization"], "Bearer [REDACTED:TOKEN]");
            assert!(echoed["path"].as_str().unwrap().contains("page=2"));
            let header = result
                .headers
                .iter()
                .find(|(k, _)| k == "x-echo-auth")
                .unwrap();
            assert_eq!(header.1, "Bearer [REDACTED:TOKEN]");
        } else {
            assert_eq!(result.body, "b64=[REDACTED:TOKEN] url=[REDACTED:TOKEN]");
        }
    }
    // The upstream got the real value, in the header and the query.
    let hits = up.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].1["authorization"], format!("Bearer {CANARY}"));
    assert!(hits[0].0.contains("page=2"));

    // Used: counted, audited, dated.
    let page: varvault::model::VariablesPage = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    let t = page.variables.iter().find(|v| v.name == "TOKEN").unwrap();
    assert_eq!(t.usage_count, 1);
    assert_eq!(t.used_in[0].block, "Fetch tickets");
    assert_eq!(t.used_in[0].workflow_id, wf);
    assert!(t.last_used_at.is_some());
    let page: varvault::model::VariablesPage = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page.variables
            .iter()
            .find(|v| v.name == "PAGE")
            .unwrap()
            .usage_count,
        1
    );
    let used: i64 = app.audited("secret.used").await;
    assert_eq!(used, 2, "one per secret per run");
}

#[tokio::test]
async fn private_and_odd_addresses_are_refused_without_the_flag() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_app().await;
    app.setup_owner().await;
    token(&app, "masked", "").await;
    let (_, id) = app.workflow(&app.client).await;
    let port = up_addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/echo"),
        format!("http://127.1:{port}/echo"),
        format!("http://0x7f000001:{port}/echo"),
        format!("http://2130706433:{port}/echo"),
        format!("http://localhost:{port}/echo"),
        format!("http://[::1]:{port}/echo"),
        format!("http://[::ffff:127.0.0.1]:{port}/echo"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.1.2.3/".to_string(),
        "http://[fd00:ec2::254]/".to_string(),
        "http://224.0.0.1/".to_string(),
        format!("ftp://127.0.0.1:{port}/"),
    ] {
        let b = block(
            id,
            &url,
            &[("Authorization", "Bearer {{secret:TOKEN}}")],
            "",
        );
        assert_eq!(app.save_block(&app.client, &b).await.status(), 200, "{url}");
        let res = app.run_block(&app.client, id).await;
        let (status, err) = app_error(res).await;
        assert_eq!(status, 400, "{url}");
        let msg = err.to_string();
        assert!(
            msg.contains("Refused") || msg.contains("http:// or https://"),
            "{url}: {msg}"
        );
        assert_no_canary(&msg, CANARY);
    }
    assert!(up.hits().is_empty(), "nothing reached the upstream");
}

#[tokio::test]
async fn a_redirect_is_shown_not_followed_and_other_hosts_never_get_the_secret() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    token(&app, "restricted", "127.0.0.1").await;
    let editor = app.member("ed@example.com", "editor").await;
    let (_, id) = app.workflow(&editor).await;
    let port = up_addr.port();

    let to = format!("http://localhost:{port}/echo");
    let b = block(
        id,
        &format!("http://127.0.0.1:{port}/redirect?to={to}"),
        &[("Authorization", "{{secret:TOKEN}}")],
        "",
    );
    app.save_block(&editor, &b).await;
    let result: RunResult = app.run_block(&editor, id).await.json().await.unwrap();
    assert_eq!(result.status, 307);
    assert_eq!(up.hits().len(), 1, "the redirect target was not called");

    // Not an allowed host: refused before sending.
    let attempts = [
        format!("http://localhost:{port}/echo?t={{{{secret:TOKEN}}}}"),
        "http://{{var:HOST}}/echo?t={{secret:TOKEN}}".to_string(),
    ];
    app.create_ok(&[
        ("kind", "plain"),
        ("name", "HOST"),
        ("value", &format!("localhost:{port}")),
    ])
    .await;
    for url in attempts {
        let b = block(id, &url, &[], "");
        assert_eq!(app.save_block(&editor, &b).await.status(), 200, "{url}");
        let (status, err) = app_error(app.run_block(&editor, id).await).await;
        assert_eq!(status, 400);
        assert!(
            err.to_string()
                .contains("TOKEN may only be sent to 127.0.0.1"),
            "{err}"
        );
    }
    // The secret in the host, the user or the port is refused at save.
    for url in [
        format!("http://{{{{secret:TOKEN}}}}.127.0.0.1.nip.io:{port}/"),
        format!("http://{{{{secret:TOKEN}}}}@127.0.0.1:{port}/"),
        "http://127.0.0.1:{{secret:TOKEN}}/".to_string(),
    ] {
        let (status, err) =
            app_error(app.save_block(&editor, &block(id, &url, &[], "")).await).await;
        assert_eq!(status, 400, "{url}");
        assert!(
            err.to_string()
                .contains("may not stand in the scheme, host or port"),
            "{err}"
        );
    }
    assert_eq!(up.hits().len(), 1, "still only the redirect");
}

#[tokio::test]
async fn a_slow_upstream_times_out() {
    let (up_addr, _up) = start_upstream().await;
    let app = spawn_private_app().await; // total timeout 2 s here, 30 s by default
    app.setup_owner().await;
    let (_, id) = app.workflow(&app.client).await;
    app.save_block(
        &app.client,
        &block(id, &format!("http://{up_addr}/slow"), &[], ""),
    )
    .await;
    let started = std::time::Instant::now();
    let (status, err) = app_error(app.run_block(&app.client, id).await).await;
    // The upstream's trouble, not the block's: 502, an Upstream error.
    assert_eq!(status, 502);
    assert!(
        matches!(err, varvault::error::AppError::Upstream(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn fields_hold_one_secret_and_only_names_that_exist() {
    let app = spawn_private_app().await;
    app.setup_owner().await;
    token(&app, "masked", "").await;
    app.create_ok(&[
        ("kind", "secret"),
        ("name", "OTHER"),
        ("value", "other-value"),
        ("visibility", "masked"),
    ])
    .await;
    let (_, id) = app.workflow(&app.client).await;
    let cases = [
        (
            block(
                id,
                "http://a.example/",
                &[("X", "{{secret:TOKEN}}{{secret:OTHER}}")],
                "",
            ),
            "Header value 1 holds 2 secrets",
        ),
        (
            block(id, "http://a.example/", &[], "{{secret:NOPE}}"),
            "Body: there is no secret named NOPE",
        ),
        (
            block(id, "http://a.example/", &[], "{{var:NOPE}}"),
            "Body: there is no variable named NOPE",
        ),
        (
            block(id, "http://a.example/", &[], "{{secret:TOKEN"),
            "Body: a placeholder is not closed",
        ),
        (
            block(id, "http://a.example/", &[("Bad Header", "x")], ""),
            "Header name 1 is not a valid header name",
        ),
    ];
    for (b, message) in cases {
        let (status, err) = app_error(app.save_block(&app.client, &b).await).await;
        assert_eq!(status, 400);
        assert!(
            err.to_string().contains(message),
            "{err} should say {message}"
        );
    }
    // Typed by hand, in any case, it is accepted when the secret exists.
    let b = block(
        id,
        "http://a.example/",
        &[("Authorization", "Bearer {{secret:token}}")],
        "{{secret:OTHER}}",
    );
    assert_eq!(app.save_block(&app.client, &b).await.status(), 200);
}

#[tokio::test]
async fn a_deleted_secret_leaves_the_block_missing_it_and_unable_to_run() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    token(&app, "masked", "").await;
    let (wf, id) = app.workflow(&app.client).await;
    app.save_block(
        &app.client,
        &block(
            id,
            &format!("http://{up_addr}/echo"),
            &[("Authorization", "{{secret:TOKEN}}")],
            "",
        ),
    )
    .await;
    let page: varvault::model::VariablesPage = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    let t = page
        .variables
        .iter()
        .find(|v| v.name == "TOKEN")
        .unwrap()
        .id
        .to_string();
    assert_ok(
        app.call("delete_variable", &[("workspace", WORKSPACE), ("id", &t)])
            .await,
    )
    .await;

    let view: WorkflowView = app
        .call(
            "get_workflow",
            &[("workspace", WORKSPACE), ("id", &wf.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.blocks[0].missing, ["Missing secret TOKEN"]);
    let (status, err) = app_error(app.run_block(&app.client, id).await).await;
    assert_eq!(status, 400);
    assert_eq!(err.to_string(), "Missing secret TOKEN");
    assert!(up.hits().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn the_picker_searches_secrets_only_with_a_limit() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for i in 0..60 {
        app.create_ok(&[
            ("kind", "secret"),
            ("name", &format!("KEY_{i:02}")),
            ("value", "key-value"),
            ("visibility", "masked"),
        ])
        .await;
    }
    app.create_ok(&[("kind", "plain"), ("name", "KEY_PLAIN"), ("value", "v")])
        .await;
    let options: Vec<varvault::model::SecretOption> = app
        .call(
            "search_secrets",
            &[("workspace", WORKSPACE), ("search", "key_")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(options.len(), 50);
    assert!(options.iter().all(|o| o.name != "KEY_PLAIN"));
    let options: Vec<varvault::model::SecretOption> = app
        .call(
            "search_secrets",
            &[("workspace", WORKSPACE), ("search", "y_5")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        options.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        [
            "KEY_50", "KEY_51", "KEY_52", "KEY_53", "KEY_54", "KEY_55", "KEY_56", "KEY_57",
            "KEY_58", "KEY_59"
        ]
    );
}

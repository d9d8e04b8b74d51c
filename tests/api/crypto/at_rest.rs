//! Canary scans of everything the app leaves behind: the database, its
//! files and the logs.

use super::*;

#[tokio::test]
async fn no_canary_in_the_database_its_files_or_the_logs() {
    let mut app = spawn_app().await;
    // The in-process app made the key; now a real process serves, and
    // everything it logs (at trace level) is kept.
    let log = app.dir().join("server.log");
    let mut server = app.serve_in_a_process(&log).await;
    app.setup_owner().await;
    app.seed().await;
    let res = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await;
    assert_eq!(res.status(), 200);
    let page: varvault::model::VariablesPage = res.json().await.unwrap();
    let masked_id = page
        .variables
        .iter()
        .find(|v| v.name == "MASKED_TOKEN")
        .unwrap()
        .id;
    assert_eq!(reveal(&app, masked_id).await, MASKED_CANARY);
    let restricted_id = page
        .variables
        .iter()
        .find(|v| v.name == "ZENDESK_TOKEN")
        .unwrap()
        .id;
    let res = app
        .call(
            "reveal_secret",
            &[("workspace", WORKSPACE), ("id", &restricted_id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 403);
    // New values: the canaries are now earlier values, kept for restore.
    for (id, value, hosts) in [
        (masked_id, "next-masked-value-1", ""),
        (restricted_id, "next-restricted-value-1", "*.zendesk.com"),
    ] {
        let res = app
            .call(
                "update_variable",
                &[
                    ("workspace", WORKSPACE),
                    ("id", &id.to_string()),
                    ("value", value),
                    ("allowed_hosts", hosts),
                ],
            )
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
    let res = app
        .call(
            "reveal_secret",
            &[
                ("workspace", WORKSPACE),
                ("id", &masked_id.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), MASKED_CANARY);
    let res = app
        .call(
            "restore_version",
            &[
                ("workspace", WORKSPACE),
                ("id", &masked_id.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_no_canary(&res.text().await.unwrap(), MASKED_CANARY);
    // An API block sends the masked secret to a real upstream and back.
    let (up_addr, up) = start_upstream().await;
    let (_, block_id) = app.workflow(&app.client).await;
    let b = block(
        block_id,
        &format!("http://{up_addr}/echo?k={{{{secret:MASKED_TOKEN}}}}"),
        &[("Authorization", "Bearer {{secret:MASKED_TOKEN}}")],
        "",
    );
    assert_eq!(app.save_block(&app.client, &b).await.status(), 200);
    let res = app.run_block(&app.client, block_id).await;
    assert_eq!(res.status(), 200);
    assert_no_canary(&res.text().await.unwrap(), MASKED_CANARY);
    assert_eq!(up.hits().len(), 1, "the upstream got the request");
    server.kill().unwrap();
    server.wait().unwrap();

    let mut logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains("listening on"),
        "the log was captured: {logs}"
    );
    for args in [
        &["rotate-workspace-key", WORKSPACE][..],
        &["rotate-master-key", "--generate-new-key", "next.key"],
    ] {
        let out = app.cli(args, &[("RUST_LOG", "trace")]);
        assert!(out.status.success(), "{}", text(&out));
        logs.push_str(&text(&out));
    }
    let out = app.cli(
        &["check"],
        &[
            ("VARVAULT_MASTER_KEY_FILE", "next.key"),
            ("RUST_LOG", "trace"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("3 earlier values"),
        "check opens the kept values too: {}",
        text(&out)
    );
    logs.push_str(&text(&out));
    for canary in [RESTRICTED_CANARY, MASKED_CANARY] {
        assert_no_canary(&logs, canary);
    }

    let stored = app.stored_bytes().await;
    assert!(stored.contains("ZENDESK_TOKEN"), "the scan sees the data");
    for canary in [RESTRICTED_CANARY, MASKED_CANARY] {
        assert_no_canary(&stored, canary);
        let hex: String = canary.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!stored.contains(&hex), "hex form of the canary stored");
    }
}

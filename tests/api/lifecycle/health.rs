//! Expiry dates and a secret's health from the runs that sent it.

use super::*;

#[tokio::test]
async fn expiry_dates_are_checked_listed_filtered_and_noted_by_runs() {
    let (up_addr, _up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    let today = Day::of_ms(varvault::server::infra::db::now_ms());
    let yesterday = Day(today.0 - 1).to_iso();
    let in_ten_days = Day(today.0 + 10).to_iso();
    let in_a_year = Day(today.0 + 365).to_iso();
    let mut ids = Vec::new();
    for (name, expires) in [
        // Moved to yesterday below: a date in the past cannot be set.
        ("OLD_TOKEN", in_ten_days.as_str()),
        ("SOON_TOKEN", in_ten_days.as_str()),
        ("LATER_TOKEN", in_a_year.as_str()),
        ("NEVER_TOKEN", ""),
    ] {
        let v = app
            .create_ok(&[
                ("kind", "secret"),
                ("name", name),
                ("value", "an-expiring-7Hq2Lx9Pz4"),
                ("visibility", "masked"),
                ("expires_on", expires),
            ])
            .await;
        assert_eq!(
            v.expires_on.as_deref(),
            (!expires.is_empty()).then_some(expires)
        );
        ids.push(v.id);
    }
    // Time passes for OLD_TOKEN (behind the app's back).
    sqlx::query("UPDATE variables SET expires_on = $1 WHERE name = 'OLD_TOKEN'")
        .bind(&yesterday)
        .execute(app.db.pool())
        .await
        .unwrap();
    // Bad dates, dates in the past, and dates on plain variables, are
    // refused; nothing stored.
    for (kind, value) in [
        ("secret", yesterday.as_str()),
        ("secret", "2026-02-30"),
        ("secret", "tomorrow"),
        ("secret", "1999-12-31"),
        ("plain", "2030-01-01"),
    ] {
        let mut form = vec![("kind", kind), ("name", "BAD"), ("value", "a-value-12345")];
        if kind == "secret" {
            form.push(("visibility", "masked"));
        }
        form.push(("expires_on", value));
        let res = app.create_variable(&app.client, &form).await;
        let (status, err) = app_error(res).await;
        assert_eq!(status, 400, "{value}");
        assert_eq!(err.field(), Some("expires_on"), "{value}: {err:?}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM variables WHERE name = 'BAD'")
            .await,
        0
    );

    // An edit may keep a past date as it was, not set another one.
    let res = update(
        &app,
        &app.client,
        ids[0],
        &[("expires_on", &yesterday), ("description", "old")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let day_before = Day(today.0 - 2).to_iso();
    let res = update(&app, &app.client, ids[0], &[("expires_on", &day_before)]).await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert_eq!(err.field(), Some("expires_on"));
    assert_eq!(err.to_string(), "Expires on cannot be in the past");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'secret.expiry_updated'")
            .await,
        0
    );

    let names = |page: VariablesPage| -> Vec<String> {
        page.variables.into_iter().map(|v| v.name).collect()
    };
    assert_eq!(
        names(list_with(&app, &[("filter", "expiring")]).await),
        ["OLD_TOKEN", "SOON_TOKEN"]
    );
    // Changing the date is audited; clearing it takes it off the filter.
    let res = update(&app, &app.client, ids[1], &[("expires_on", "")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        names(list_with(&app, &[("filter", "expiring")]).await),
        ["OLD_TOKEN"]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'secret.expiry_updated' AND detail = 'none'"
        )
        .await,
        1
    );

    // A run with an expired secret goes ahead, and says so.
    let (wf, block_id) = app.workflow(&app.client).await;
    let b = block(
        block_id,
        &format!("http://{up_addr}/echo"),
        &[("Authorization", "Bearer {{secret:OLD_TOKEN}}")],
        "",
    );
    assert_eq!(app.save_block(&app.client, &b).await.status(), 200);
    let res = app.run_block(&app.client, block_id).await;
    assert_eq!(res.status(), 200);
    let result: RunResult = res.json().await.unwrap();
    assert_eq!(result.status, 200);
    assert_eq!(
        result.notes,
        [format!(
            "OLD_TOKEN expired on {yesterday}; it was sent anyway. An owner or admin can set a new value."
        )]
    );
    // Its chip says "Expired".
    let view = workflow_view(&app, wf).await;
    let option = view.secrets.iter().find(|s| s.name == "OLD_TOKEN").unwrap();
    assert_eq!(option.note.as_deref(), Some("Expired"));
}

async fn workflow_view(app: &TestApp, id: varvault::model::WorkflowId) -> WorkflowView {
    let res = app
        .call(
            "get_workflow",
            &[("workspace", WORKSPACE), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn three_refused_runs_make_a_secret_failing_until_its_value_changes() {
    let (up_addr, _up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    let secret = app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "health-canary-9d1c0b"),
            ("visibility", "masked"),
        ])
        .await;
    let (wf, block_id) = app.workflow(&app.client).await;
    let send = |code: u16| {
        let app = &app;
        async move {
            let b = block(
                block_id,
                &format!("http://{up_addr}/status?code={code}"),
                &[("Authorization", "Bearer {{secret:TOKEN}}")],
                "",
            );
            assert_eq!(app.save_block(&app.client, &b).await.status(), 200);
            let result: RunResult = app
                .run_block(&app.client, block_id)
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(result.status, code);
        }
    };
    send(200).await;
    send(401).await;
    send(401).await;
    let health = |page: VariablesPage| page.health.into_iter().find(|(id, _)| *id == secret.id);
    let (_, h) = health(list_with(&app, &[]).await).unwrap();
    assert_eq!((h.runs, h.refused, h.last_status), (3, 2, Some(401)));
    assert_eq!(h.failing, None, "two refusals are not yet failing");
    send(403).await;
    let (_, h) = health(list_with(&app, &[]).await).unwrap();
    let failing = h.failing.expect("three refusals in a row");
    assert_eq!(failing.status, 403);
    assert_eq!(failing.blocks, ["Fetch tickets"]);
    assert_eq!(
        list_with(&app, &[("filter", "failing")])
            .await
            .variables
            .len(),
        1
    );
    let option = workflow_view(&app, wf).await.secrets.remove(0);
    assert_eq!(
        option.note.as_deref(),
        Some("Failing: the last 3 requests were refused (403)")
    );
    // The panel's page says so too, with no value in it.
    let html = app
        .get(&format!("/w/{WORKSPACE}/variables"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Failing"), "{html}");
    assert!(html.contains("The last 3 requests were refused (403), from Fetch tickets"));
    assert_no_canary(&html, "health-canary-9d1c0b");
    let stored = app.count("SELECT COUNT(*) FROM secret_runs").await;
    assert_eq!(stored, 4);

    // A new value starts its health again.
    set_value(&app, secret.id, "a-new-working-value", "").await;
    assert!(health(list_with(&app, &[]).await).is_none());
    assert!(list_with(&app, &[("filter", "failing")])
        .await
        .variables
        .is_empty());
}

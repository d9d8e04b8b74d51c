//! A variable's life (issue 15): earlier values kept and restored, expiry
//! dates, the health of a secret from the runs that sent it, and the
//! Variables page paged and searched on the server.

use crate::api_block::{block, private_app, run, save, start_upstream, workflow};
use crate::helpers::*;
use crate::variables::{assert_no_canary, create_ok, seed, MASKED_CANARY, RESTRICTED_CANARY};
use varvault::error::AppError;
use varvault::model::{
    Day, HistoryPage, RunResult, VariableId, VariableView, VariablesPage, WorkflowView,
};

async fn update(
    app: &TestApp,
    client: &reqwest::Client,
    id: VariableId,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let id = id.to_string();
    let mut form = vec![("workspace", WORKSPACE), ("id", id.as_str())];
    form.extend_from_slice(fields);
    app.call_with(client, "update_variable", &form).await
}

async fn set_value(app: &TestApp, id: VariableId, value: &str, hosts: &str) {
    let res = update(
        app,
        &app.client,
        id,
        &[("value", value), ("allowed_hosts", hosts)],
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

async fn history(app: &TestApp, client: &reqwest::Client, id: VariableId) -> HistoryPage {
    let res = app
        .call_with(
            client,
            "variable_history",
            &[("workspace", WORKSPACE), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn restore(
    app: &TestApp,
    client: &reqwest::Client,
    id: VariableId,
    version: i64,
) -> reqwest::Response {
    app.call_with(
        client,
        "restore_version",
        &[
            ("workspace", WORKSPACE),
            ("id", &id.to_string()),
            ("version", &version.to_string()),
        ],
    )
    .await
}

async fn reveal(
    app: &TestApp,
    client: &reqwest::Client,
    id: VariableId,
    version: Option<i64>,
) -> reqwest::Response {
    let id = id.to_string();
    let version = version.map(|v| v.to_string());
    let mut form = vec![("workspace", WORKSPACE), ("id", id.as_str())];
    if let Some(v) = &version {
        form.push(("version", v.as_str()));
    }
    app.call_with(client, "reveal_secret", &form).await
}

async fn revealed(app: &TestApp, id: VariableId, version: Option<i64>) -> String {
    let res = reveal(app, &app.client, id, version).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn list_with(app: &TestApp, fields: &[(&str, &str)]) -> VariablesPage {
    let mut form = vec![("workspace", WORKSPACE)];
    form.extend_from_slice(fields);
    let res = app.call("list_variables", &form).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_restored_version_is_the_exact_old_value_and_is_what_the_block_sends() {
    let (up_addr, up) = start_upstream().await;
    let app = private_app().await;
    app.setup_owner().await;
    let secret = create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "first-value-Ab+/= 1"),
            ("visibility", "masked"),
        ],
    )
    .await;
    set_value(&app, secret.id, "second-value-2222", "").await;
    set_value(&app, secret.id, "third-value-33333", "").await;

    let page = history(&app, &app.client, secret.id).await;
    assert_eq!(page.current.version.0, 3);
    assert_eq!(page.current.set_by.as_deref(), Some(OWNER_EMAIL));
    let listed: Vec<i64> = page.versions.iter().map(|v| v.version.0).collect();
    assert_eq!(listed, [2, 1], "earlier values, newest first");
    assert!(page.versions.iter().all(|v| v.value.is_none()));
    assert!(page.can_restore && page.can_reveal);

    // Each earlier value reveals as it was, audited with its number.
    assert_eq!(
        revealed(&app, secret.id, Some(1)).await,
        "first-value-Ab+/= 1"
    );
    assert_eq!(
        revealed(&app, secret.id, Some(2)).await,
        "second-value-2222"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.revealed' AND detail = 'version 1'"
        )
        .await,
        1
    );

    let res = restore(&app, &app.client, secret.id, 1).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let text = res.text().await.unwrap();
    assert!(
        !text.contains("first-value"),
        "no value in the answer: {text}"
    );
    assert_eq!(revealed(&app, secret.id, None).await, "first-value-Ab+/= 1");
    let page = history(&app, &app.client, secret.id).await;
    assert_eq!(page.current.version.0, 4, "restored as a new version");
    let listed: Vec<i64> = page.versions.iter().map(|v| v.version.0).collect();
    assert_eq!(listed, [3, 2, 1]);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.version_restored' \
             AND detail = 'version 1 restored as version 4'"
        )
        .await,
        1
    );

    // The API block sends the restored value.
    let (_, block_id) = workflow(&app, &app.client).await;
    let b = block(
        block_id,
        &format!("http://{up_addr}/echo"),
        &[("Authorization", "Bearer {{secret:TOKEN}}")],
        "",
    );
    assert_eq!(save(&app, &app.client, &b).await.status(), 200);
    assert_eq!(run(&app, &app.client, block_id).await.status(), 200);
    let hits = up.hits();
    assert_eq!(
        hits[0].1.get("authorization").unwrap(),
        "Bearer first-value-Ab+/= 1"
    );

    // Restoring the current value, or one never kept, changes nothing.
    for (version, message) in [
        (4, "Version 4 is the current value"),
        (9, "Version 9 is not kept any more"),
    ] {
        let (status, err) = app_error(restore(&app, &app.client, secret.id, version).await).await;
        assert_eq!(status, 400);
        assert_eq!(err, AppError::invalid("version", message));
    }
    assert_eq!(
        history(&app, &app.client, secret.id)
            .await
            .current
            .version
            .0,
        4
    );
}

#[tokio::test]
async fn plain_variables_keep_their_values_and_editors_restore_them() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let editor = app.member("ed@example.com", "editor").await;
    let plain = create_ok(
        &app,
        &[("kind", "plain"), ("name", "REGION"), ("value", "eu")],
    )
    .await;
    let res = update(&app, &editor, plain.id, &[("value", "us")]).await;
    assert_eq!(res.status(), 200);
    let page = history(&app, &editor, plain.id).await;
    assert_eq!(page.versions.len(), 1);
    assert_eq!(page.versions[0].value.as_deref(), Some("eu"));
    assert_eq!(page.current.set_by.as_deref(), Some("ed@example.com"));
    assert!(page.can_restore && !page.can_reveal);
    let res = restore(&app, &editor, plain.id, 1).await;
    assert_eq!(res.status(), 200);
    let view: VariableView = res.json().await.unwrap();
    assert_eq!(view.value.as_deref(), Some("eu"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'variable.version_restored'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn editors_see_no_secret_history_values_and_cannot_restore_them() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, _) = seed(&app).await;
    set_value(&app, masked.id, "masked-second-value", "").await;
    set_value(
        &app,
        restricted.id,
        "restricted-second-value",
        "*.zendesk.com",
    )
    .await;
    let editor = app.member("ed@example.com", "editor").await;

    let page = history(&app, &editor, restricted.id).await;
    assert_eq!(page.versions.len(), 1);
    assert!(!page.can_restore && !page.can_reveal);
    let text = serde_json::to_string(&page).unwrap();
    assert_no_canary(&text, RESTRICTED_CANARY);
    let page = history(&app, &editor, masked.id).await;
    assert!(
        !page.can_restore && page.can_reveal,
        "editors reveal masked values"
    );

    for id in [masked.id, restricted.id] {
        let (status, err) = app_error(restore(&app, &editor, id, 1).await).await;
        assert_eq!((status.as_u16(), err), (403, AppError::Forbidden));
    }
    // A restricted secret's earlier values are refused to everyone.
    for client in [&editor, &app.client] {
        let res = reveal(&app, client, restricted.id, Some(1)).await;
        assert_eq!(res.status(), 403);
        assert_no_canary(&res.text().await.unwrap(), RESTRICTED_CANARY);
    }
    // An editor reveals a masked secret's earlier value like its current one.
    let res = reveal(&app, &editor, masked.id, Some(1)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), MASKED_CANARY);
    // Nothing was restored.
    assert_eq!(
        history(&app, &app.client, masked.id)
            .await
            .current
            .version
            .0,
        2
    );
}

#[tokio::test]
async fn only_the_configured_number_of_values_is_kept_and_delete_removes_them() {
    let app = spawn_app_with(|c| c.secret_history = 2).await;
    app.setup_owner().await;
    let secret = create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "value-number-1"),
            ("visibility", "masked"),
        ],
    )
    .await;
    for n in 2..=5 {
        set_value(&app, secret.id, &format!("value-number-{n}"), "").await;
    }
    let listed: Vec<i64> = history(&app, &app.client, secret.id)
        .await
        .versions
        .iter()
        .map(|v| v.version.0)
        .collect();
    assert_eq!(listed, [4, 3]);
    let (status, err) = app_error(reveal(&app, &app.client, secret.id, Some(2)).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        err,
        AppError::invalid("version", "Version 2 is not kept any more")
    );
    assert_eq!(revealed(&app, secret.id, Some(3)).await, "value-number-3");

    let res = app
        .call(
            "delete_variable",
            &[("workspace", WORKSPACE), ("id", &secret.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM variable_versions").await,
        0
    );
}

#[tokio::test]
async fn history_survives_workspace_and_master_key_rotation() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let secret = create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "rotating-value-1"),
            ("visibility", "masked"),
        ],
    )
    .await;
    for n in 2..=3 {
        set_value(&app, secret.id, &format!("rotating-value-{n}"), "").await;
    }
    for args in [
        &["rotate-workspace-key", WORKSPACE][..],
        &["rotate-master-key", "--generate-new-key", "next.key"],
    ] {
        let out = cli(&app, args, &[]);
        assert!(out.status.success(), "{}", text(&out));
    }
    // Every kept value is sealed with the new data key; the old key is gone.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM variable_versions WHERE key_version <> \
             (SELECT MAX(version) FROM data_keys)"
        )
        .await,
        0
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM data_keys").await, 1);
    let out = cli(
        &app,
        &["check"],
        &[("VARVAULT_MASTER_KEY_FILE", "next.key")],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("1 secrets, 0 failed, 2 earlier values"),
        "{}",
        text(&out)
    );
    // With the new master key, each earlier value opens, and restores.
    let key = varvault::server::infra::crypto::master::load(
        &varvault::server::infra::crypto::MasterKeySource::File(app.dir().join("next.key")),
    )
    .unwrap();
    let keyring = varvault::server::infra::crypto::Keyring::new(key);
    let member = varvault::server::web::authz::member_of(
        &app.db,
        owner_id(&app).await,
        WORKSPACE,
        varvault::model::Role::Owner,
        "test",
    )
    .await
    .unwrap();
    let actor = varvault::server::web::authz::Actor::Member(member);
    use varvault::model::ValueVersion;
    use varvault::server::rules::variables as rules;
    for n in 1..=2 {
        let value = rules::reveal(&app.db, &keyring, &actor, secret.id, Some(ValueVersion(n)))
            .await
            .unwrap();
        assert_eq!(value.expose(), format!("rotating-value-{n}"));
    }
    rules::restore(&app.db, &keyring, &actor, secret.id, ValueVersion(1), 20)
        .await
        .unwrap();
    let value = rules::reveal(&app.db, &keyring, &actor, secret.id, None)
        .await
        .unwrap();
    assert_eq!(value.expose(), "rotating-value-1");
}

#[tokio::test]
async fn expiry_dates_are_checked_listed_filtered_and_noted_by_runs() {
    let (up_addr, _up) = start_upstream().await;
    let app = private_app().await;
    app.setup_owner().await;
    let today = Day::of_ms(varvault::server::infra::db::now_ms());
    let yesterday = Day(today.0 - 1).to_iso();
    let in_ten_days = Day(today.0 + 10).to_iso();
    let in_a_year = Day(today.0 + 365).to_iso();
    let mut ids = Vec::new();
    for (name, expires) in [
        ("OLD_TOKEN", yesterday.as_str()),
        ("SOON_TOKEN", in_ten_days.as_str()),
        ("LATER_TOKEN", in_a_year.as_str()),
        ("NEVER_TOKEN", ""),
    ] {
        let v = create_ok(
            &app,
            &[
                ("kind", "secret"),
                ("name", name),
                ("value", "an-expiring-7Hq2Lx9Pz4"),
                ("visibility", "masked"),
                ("expires_on", expires),
            ],
        )
        .await;
        assert_eq!(
            v.expires_on.as_deref(),
            (!expires.is_empty()).then_some(expires)
        );
        ids.push(v.id);
    }
    // Bad dates, and dates on plain variables, are refused; nothing stored.
    for (kind, value) in [
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
        let res = crate::variables::create(&app, &app.client, &form).await;
        let (status, err) = app_error(res).await;
        assert_eq!(status, 400, "{value}");
        assert_eq!(err.field(), Some("expires_on"), "{value}: {err:?}");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM variables WHERE name = 'BAD'").await,
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
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.expiry_updated' AND detail = 'none'"
        )
        .await,
        1
    );

    // A run with an expired secret goes ahead, and says so.
    let (wf, block_id) = workflow(&app, &app.client).await;
    let b = block(
        block_id,
        &format!("http://{up_addr}/echo"),
        &[("Authorization", "Bearer {{secret:OLD_TOKEN}}")],
        "",
    );
    assert_eq!(save(&app, &app.client, &b).await.status(), 200);
    let res = run(&app, &app.client, block_id).await;
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
    let app = private_app().await;
    app.setup_owner().await;
    let secret = create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "health-canary-9d1c0b"),
            ("visibility", "masked"),
        ],
    )
    .await;
    let (wf, block_id) = workflow(&app, &app.client).await;
    let send = |code: u16| {
        let app = &app;
        async move {
            let b = block(
                block_id,
                &format!("http://{up_addr}/status?code={code}"),
                &[("Authorization", "Bearer {{secret:TOKEN}}")],
                "",
            );
            assert_eq!(save(app, &app.client, &b).await.status(), 200);
            let result: RunResult = run(app, &app.client, block_id).await.json().await.unwrap();
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
    let stored = count(&app, "SELECT COUNT(*) FROM secret_runs").await;
    assert_eq!(stored, 4);

    // A new value starts its health again.
    set_value(&app, secret.id, "a-new-working-value", "").await;
    assert!(health(list_with(&app, &[]).await).is_none());
    assert!(list_with(&app, &[("filter", "failing")])
        .await
        .variables
        .is_empty());
}

#[tokio::test]
async fn the_list_is_paged_and_searched_on_the_server() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for n in 0..120 {
        create_ok(
            &app,
            &[
                ("kind", "plain"),
                ("name", &format!("VAR_{n:03}")),
                ("value", "x"),
            ],
        )
        .await;
    }
    let first = list_with(&app, &[]).await;
    assert_eq!(first.variables.len(), 50);
    assert_eq!(first.variables[0].name, "VAR_000");
    assert_eq!(first.prev, None);
    let next = first.next.clone().expect("a second page");
    let second = list_with(&app, &[("after", &next)]).await;
    assert_eq!(second.variables[0].name, "VAR_050");
    let third = list_with(&app, &[("after", second.next.as_deref().unwrap())]).await;
    assert_eq!(third.variables.len(), 20);
    assert_eq!(third.next, None);
    let back = list_with(&app, &[("before", third.prev.as_deref().unwrap())]).await;
    assert_eq!(back.variables, second.variables);
    let back = list_with(&app, &[("before", back.prev.as_deref().unwrap())]).await;
    assert_eq!(back.variables[0].name, "VAR_000");
    assert_eq!(back.prev, None);
    // Search narrows in the database, `_` included literally.
    let found = list_with(&app, &[("search", "var_11")]).await;
    let names: Vec<_> = found.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names.len(), 10);
    assert!(names.iter().all(|n| n.starts_with("VAR_11")));
    assert_eq!(found.next, None);
    // The page carries the cursor links, the search and the filter.
    let html = app
        .get(&format!("/w/{WORKSPACE}/variables?q=VAR&after={next}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("VAR_050") && !html.contains("VAR_049"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "/w/{WORKSPACE}/variables?q=VAR&amp;before=var_050"
    )));
    assert!(html.contains(&format!("/w/{WORKSPACE}/variables?q=VAR&amp;after=var_099")));
}

#[tokio::test]
async fn a_plain_form_restore_comes_back_to_the_history_page() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let plain = create_ok(
        &app,
        &[("kind", "plain"), ("name", "REGION"), ("value", "eu")],
    )
    .await;
    let res = update(&app, &app.client, plain.id, &[("value", "us")]).await;
    assert_eq!(res.status(), 200);
    let page = format!("/w/{WORKSPACE}/variables/{}/history", plain.id);
    let html = app.get(&page).await.text().await.unwrap();
    assert!(html.contains("Restore version 1"), "{html}");
    assert!(html.contains(">eu<"), "the plain value is shown: {html}");
    let form_post = |version: &'static str, client: reqwest::Client| {
        let app = &app;
        let id = plain.id.to_string();
        async move {
            client
                .post(app.url("/api/restore_version"))
                .header("origin", app.origin())
                .header("accept", "text/html")
                .form(&[("workspace", WORKSPACE), ("id", &id), ("version", version)])
                .send()
                .await
                .unwrap()
        }
    };
    let res = form_post("1", app.client.clone()).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("{page}?restored=1"));
    let html = app
        .get(&format!("{page}?restored=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Version 1 is the current value again."));
    let res = form_post("7", app.client.clone()).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("{page}?failed=invalid"));
    let html = app
        .get(&format!("{page}?failed=<b>x</b>"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<b>x</b>"), "no text from the URL is shown");
}

async fn owner_id(app: &TestApp) -> varvault::model::UserId {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(OWNER_EMAIL)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

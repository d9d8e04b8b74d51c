//! Earlier values kept, revealed and restored, through rotations.

use super::*;

#[tokio::test]
async fn a_restored_version_is_the_exact_old_value_and_is_what_the_block_sends() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    let secret = app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "first-value-Ab+/= 1"),
            ("visibility", "masked"),
        ])
        .await;
    set_value(&app, secret.id, "second-value-2222", "").await;
    set_value(&app, secret.id, "third-value-33333", "").await;

    let page = history(&app, &app.client, secret.id).await;
    assert_eq!(page.current.version.0, 3);
    // Who set it, by display name (SPEC's Versions table, like the list).
    assert_eq!(page.current.set_by.as_deref(), Some("Olive Owner"));
    assert!(page
        .versions
        .iter()
        .all(|v| v.set_by.as_deref() == Some("Olive Owner")));
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
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'secret.revealed' AND detail = 'version 1'"
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
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.version_restored' \
             AND detail = 'version 1 restored as version 4'"
        )
        .await,
        1
    );

    // The API block sends the restored value.
    let (_, block_id) = app.workflow(&app.client).await;
    let b = block(
        block_id,
        &format!("http://{up_addr}/echo"),
        &[("Authorization", "Bearer {{secret:TOKEN}}")],
        "",
    );
    assert_eq!(app.save_block(&app.client, &b).await.status(), 200);
    assert_eq!(app.run_block(&app.client, block_id).await.status(), 200);
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
    let plain = app
        .create_ok(&[("kind", "plain"), ("name", "REGION"), ("value", "eu")])
        .await;
    let res = update(&app, &editor, plain.id, &[("value", "us")]).await;
    assert_eq!(res.status(), 200);
    let page = history(&app, &editor, plain.id).await;
    assert_eq!(page.versions.len(), 1);
    assert_eq!(page.versions[0].value.as_deref(), Some("eu"));
    assert_eq!(page.current.set_by.as_deref(), Some("Test editor"));
    assert!(page.can_restore && !page.can_reveal);
    let res = restore(&app, &editor, plain.id, 1).await;
    assert_eq!(res.status(), 200);
    let view: VariableView = res.json().await.unwrap();
    assert_eq!(view.value.as_deref(), Some("eu"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'variable.version_restored'")
            .await,
        1
    );
}

#[tokio::test]
async fn editors_see_no_secret_history_values_and_cannot_restore_them() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, _) = app.seed().await;
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
    let secret = app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "value-number-1"),
            ("visibility", "masked"),
        ])
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
    assert_eq!(app.count("SELECT COUNT(*) FROM variable_versions").await, 0);
}

#[tokio::test]
async fn history_survives_workspace_and_master_key_rotation() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let secret = app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", "rotating-value-1"),
            ("visibility", "masked"),
        ])
        .await;
    for n in 2..=3 {
        set_value(&app, secret.id, &format!("rotating-value-{n}"), "").await;
    }
    for args in [
        &["rotate-workspace-key", WORKSPACE][..],
        &["rotate-master-key", "--generate-new-key", "next.key"],
    ] {
        let out = app.cli(args, &[]);
        assert!(out.status.success(), "{}", text(&out));
    }
    // Every kept value is sealed with the new data key; the old key is gone.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM variable_versions WHERE key_version <> \
             (SELECT MAX(version) FROM data_keys)"
        )
        .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM data_keys").await, 1);
    let out = app.cli(&["check"], &[("VARVAULT_MASTER_KEY_FILE", "next.key")]);
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
async fn a_plain_form_restore_comes_back_to_the_history_page() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let plain = app
        .create_ok(&[("kind", "plain"), ("name", "REGION"), ("value", "eu")])
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

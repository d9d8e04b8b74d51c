//! The audit log (SPEC §6): one entry per action with the right fields,
//! none for a failed or rolled-back action, keyset pages, filters, and no
//! value anywhere in it.

use crate::support::*;
use varvault::model::{AuditEntryView, AuditPage};

async fn audit(app: &TestApp, form: &[(&str, &str)]) -> AuditPage {
    let mut all = vec![("workspace", WORKSPACE)];
    all.extend_from_slice(form);
    let res = app.call("list_audit", &all).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    res.json().await.unwrap()
}

async fn newest(app: &TestApp) -> AuditEntryView {
    audit(app, &[])
        .await
        .entries
        .into_iter()
        .next()
        .expect("an entry")
}

async fn count(app: &TestApp) -> usize {
    app.count("SELECT COUNT(*) FROM audit_log").await as usize
}

#[tokio::test]
async fn each_action_writes_one_entry_with_who_what_and_where() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, plain) = app.seed().await;
    let m = masked.id.to_string();
    let p = plain.id.to_string();
    let r = restricted.id.to_string();

    type Form<'a> = Vec<(&'a str, &'a str)>;
    let steps: Vec<(&str, Form, &str, &str)> = vec![
        (
            "reveal_secret",
            vec![("id", &m)],
            "secret.revealed",
            "MASKED_TOKEN",
        ),
        (
            "update_variable",
            vec![("id", &m), ("value", "new-masked")],
            "secret.value_updated",
            "MASKED_TOKEN",
        ),
        (
            "update_variable",
            vec![("id", &r), ("allowed_hosts", "api.zendesk.com")],
            "secret.allowed_hosts_updated",
            "ZENDESK_TOKEN",
        ),
        (
            "update_variable",
            vec![("id", &p), ("value", "us-east-1")],
            "variable.updated",
            "REGION",
        ),
        (
            "delete_variable",
            vec![("id", &p)],
            "variable.deleted",
            "REGION",
        ),
        (
            "delete_variable",
            vec![("id", &m)],
            "secret.deleted",
            "MASKED_TOKEN",
        ),
    ];
    for (name, form, action, target) in steps {
        let before = count(&app).await;
        let mut all = vec![("workspace", WORKSPACE)];
        all.extend(form);
        assert_ok(app.call(name, &all).await).await;
        assert_eq!(count(&app).await, before + 1, "{name} wrote one entry");
        let e = newest(&app).await;
        assert_eq!(e.action, action);
        assert_eq!(e.target_name.as_deref(), Some(target));
        assert_eq!(e.actor.as_deref(), Some(OWNER_EMAIL));
        assert_eq!(e.client_addr.as_deref(), Some("127.0.0.1"));
    }
    let e = audit(&app, &[("action", "secret.created")]).await.entries;
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].target_kind.as_deref(), Some("secret"));
    assert_eq!(e[0].detail.as_deref(), Some("restricted"));

    // Sign-ins, success and failure, for an account in this workspace.
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(newest(&app).await.action, "auth.sign_in");
    let res = app
        .call_with(
            &new_client(),
            "login",
            &[("email", OWNER_EMAIL), ("password", "wrong-password-x")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let e = newest(&app).await;
    assert_eq!(
        (e.action.as_str(), e.detail.as_deref()),
        ("auth.sign_in_failed", Some("wrong password"))
    );
    // An unknown account has no workspace to log into.
    let before = count(&app).await;
    let res = app
        .call_with(
            &new_client(),
            "login",
            &[
                ("email", "ghost@example.com"),
                ("password", "wrong-password-x"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(count(&app).await, before);
}

#[tokio::test]
async fn a_refused_action_writes_nothing() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (_, restricted, _) = app.seed().await;
    let before = count(&app).await;
    let dup = app
        .create_variable(
            &app.client,
            &[("kind", "plain"), ("name", "region"), ("value", "x")],
        )
        .await;
    assert_eq!(dup.status(), 409, "a name taken is a conflict");
    let id = restricted.id.to_string();
    let res = app
        .call("reveal_secret", &[("workspace", WORKSPACE), ("id", &id)])
        .await;
    assert_eq!(res.status(), 403);
    let editor = app.member("ed@example.com", "editor").await;
    let after_member = count(&app).await; // member.added + auth.sign_in
    let res = app
        .call_with(
            &editor,
            "delete_variable",
            &[("workspace", WORKSPACE), ("id", &id)],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(count(&app).await, after_member);
    assert_eq!(after_member, before + 2);
}

#[tokio::test]
async fn when_the_action_rolls_back_its_entry_is_gone() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, _) = app.seed().await;
    // Make the last statement of an update fail, after its audit entry.
    let trigger = if app.db_url().starts_with("sqlite") {
        vec![
            "CREATE TRIGGER fail_touch BEFORE UPDATE OF updated_by ON variables \
              BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ]
    } else {
        vec![
            "CREATE FUNCTION fail_touch() RETURNS trigger AS $$ BEGIN \
             RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_touch BEFORE UPDATE OF updated_by ON variables \
             FOR EACH ROW EXECUTE FUNCTION fail_touch()",
        ]
    };
    for sql in trigger {
        sqlx::query(sql).execute(app.db.pool()).await.unwrap();
    }
    let before = count(&app).await;
    let id = masked.id.to_string();
    let res = app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id),
                ("value", "never-stored"),
            ],
        )
        .await;
    assert_eq!(res.status(), 500);
    assert_eq!(
        count(&app).await,
        before,
        "the entry rolled back with the action"
    );
    let res = app
        .call("reveal_secret", &[("workspace", WORKSPACE), ("id", &id)])
        .await;
    assert_eq!(
        res.json::<String>().await.unwrap(),
        MASKED_CANARY,
        "the value did not change"
    );
}

#[tokio::test]
async fn pages_go_older_and_newer_by_keyset_and_filters_narrow() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for i in 0..110 {
        app.create_ok(&[
            ("kind", "plain"),
            ("name", &format!("V{i:03}")),
            ("value", "x"),
        ])
        .await;
    }
    // 111 entries: workspace.created + 110 variable.created.
    let first = audit(&app, &[]).await;
    assert_eq!(first.entries.len(), 50);
    assert_eq!(first.entries[0].target_name.as_deref(), Some("V109"));
    assert!(first.newer.is_none());
    let older = first.older.expect("an older page").to_string();
    let second = audit(&app, &[("before", &older)]).await;
    assert_eq!(second.entries[0].target_name.as_deref(), Some("V059"));
    let third = audit(&app, &[("before", &second.older.unwrap().to_string())]).await;
    assert_eq!(third.entries.len(), 11);
    assert_eq!(third.entries.last().unwrap().action, "workspace.created");
    assert!(third.older.is_none());
    let back = audit(&app, &[("after", &third.newer.unwrap().to_string())]).await;
    assert_eq!(
        back.entries, second.entries,
        "newer goes back to the same page"
    );

    let only = audit(&app, &[("action", "workspace.created")]).await;
    assert_eq!(only.entries.len(), 1);
    let named = audit(&app, &[("name", "v10")]).await;
    let names: Vec<_> = named
        .entries
        .iter()
        .filter_map(|e| e.target_name.clone())
        .collect();
    assert_eq!(
        names,
        ["V109", "V108", "V107", "V106", "V105", "V104", "V103", "V102", "V101", "V100"]
    );
    let res = app
        .call(
            "list_audit",
            &[("workspace", WORKSPACE), ("action", "nope")],
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn editors_get_no_entries_and_the_page_says_so() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let editor = app.member("ed@example.com", "editor").await;
    let res = app
        .call_with(&editor, "list_audit", &[("workspace", WORKSPACE)])
        .await;
    assert_eq!(res.status(), 403);
    let html = app
        .page(&editor, "/w/acme-support/audit")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("have access to this page"), "{html}");
    assert!(
        !html.contains("member.added") && !html.contains("Member added"),
        "{html}"
    );
    let owner_html = app.get("/w/acme-support/audit").await.text().await.unwrap();
    assert!(owner_html.contains("Member added"), "{owner_html}");
    // A sentence with display names, not codes and emails.
    assert!(
        owner_html.contains("Olive Owner added Test editor as editor"),
        "{owner_html}"
    );
}

#[tokio::test]
async fn no_value_in_the_audit_table_or_page() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, _) = app.seed().await;
    for id in [masked.id, restricted.id] {
        let id = id.to_string();
        app.call("reveal_secret", &[("workspace", WORKSPACE), ("id", &id)])
            .await;
        app.call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id),
                ("value", "second-canary-0x1"),
                ("allowed_hosts", "a.example.com"),
            ],
        )
        .await;
    }
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(actor_email, '') || '|' || action || '|' || COALESCE(target_name, '') || '|' \
         || COALESCE(detail, '') || '|' || COALESCE(client_addr, '') FROM audit_log",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let page = app.get("/w/acme-support/audit").await.text().await.unwrap();
    for haystack in [rows.join("\n"), page] {
        for canary in [
            MASKED_CANARY,
            RESTRICTED_CANARY,
            "second-canary-0x1",
            OWNER_PASSWORD,
        ] {
            assert_no_canary(&haystack, canary);
        }
    }
}

#[tokio::test]
async fn retention_deletes_only_entries_past_it() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.seed().await;
    let total = count(&app).await as u64;
    let now = varvault::server::infra::db::now_ms();
    sqlx::query("UPDATE audit_log SET at = $1 WHERE action = 'secret.created'")
        .bind(now - 40 * 86_400_000)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        varvault::server::rules::audit::apply_retention(&app.db, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        varvault::server::rules::audit::apply_retention(&app.db, Some(30))
            .await
            .unwrap(),
        2
    );
    assert_eq!(count(&app).await as u64, total - 2);
}

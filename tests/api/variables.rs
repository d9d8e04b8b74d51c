//! The Variables panel's server functions (SPEC §2, §4): every role, bad
//! input (clear error, nothing stored), and restricted values never in
//! any answer.

use crate::support::*;
use varvault::error::AppError;
use varvault::model::{VariableKind, VariableView, VariablesPage, Visibility};

async fn variable_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM variables").await
}

#[tokio::test]
async fn the_list_shows_plain_values_and_never_a_secret_value() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, plain) = app.seed().await;
    assert_eq!(masked.value, None);
    assert_eq!(restricted.value, None);
    assert_eq!(restricted.allowed_hosts, ["*.zendesk.com"]);
    assert_eq!(plain.value.as_deref(), Some("eu-west-1"));

    let page = app.list_variables(&app.client).await;
    assert!(page.can_write_secrets, "an owner writes secrets");
    let names: Vec<_> = page.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["MASKED_TOKEN", "REGION", "ZENDESK_TOKEN"]);
    let z = &page.variables[2];
    assert_eq!(
        (z.kind, z.visibility),
        (VariableKind::Secret, Some(Visibility::Restricted))
    );
    assert_eq!(z.updated_by.as_deref(), Some("Olive Owner"));

    let res = app
        .call(
            "list_variables",
            &[("workspace", WORKSPACE), ("search", "token")],
        )
        .await;
    let page: VariablesPage = res.json().await.unwrap();
    assert_eq!(page.variables.len(), 2);
    // `_` is a letter here, not a LIKE wildcard.
    let names_for = |search: &'static str| {
        let app = &app;
        async move {
            let res = app
                .call(
                    "list_variables",
                    &[("workspace", WORKSPACE), ("search", search)],
                )
                .await;
            let page: VariablesPage = res.json().await.unwrap();
            page.variables
                .into_iter()
                .map(|v| v.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names_for("_tok").await, ["MASKED_TOKEN", "ZENDESK_TOKEN"]);
    assert!(
        names_for("N_").await.is_empty(),
        "N_ must not match ZENDESK"
    );
}

#[tokio::test]
async fn a_masked_secret_reveals_with_no_store_and_an_audit_entry() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, _) = app.seed().await;
    let editor = app.member("ed@example.com", "editor").await;
    let id = masked.id.to_string();
    let res = app
        .call_with(
            &editor,
            "reveal_secret",
            &[("workspace", WORKSPACE), ("id", &id)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.json::<String>().await.unwrap(), MASKED_CANARY);
    let actions = varvault::server::infra::db::audit::actions_of(
        app.db.pool(),
        varvault::model::WorkspaceId(1),
    )
    .await
    .unwrap();
    assert_eq!(actions.last().map(String::as_str), Some("secret.revealed"));

    // A restricted secret is shown to no one, owners included.
    let id = restricted.id.to_string();
    let res = app
        .call("reveal_secret", &[("workspace", WORKSPACE), ("id", &id)])
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!((status.as_u16(), err), (403, AppError::Forbidden));
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.create_ok(&[
        ("kind", "secret"),
        ("name", "ZENDESK_TOKEN"),
        ("value", "zendesk-value"),
        ("visibility", "masked"),
    ])
    .await;
    let big = "x".repeat(64 * 1024 + 1);
    let long_name = "N".repeat(65);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("kind", "plain"), ("name", "1BAD"), ("value", "v")], "Name must start with a letter or underscore and contain only letters, digits and underscores"),
        (vec![("kind", "plain"), ("name", "BAD-NAME"), ("value", "v")], "Name must start with a letter"),
        (vec![("kind", "plain"), ("name", &long_name), ("value", "v")], "Name must be at most 64 characters"),
        (vec![("kind", "plain"), ("name", ""), ("value", "v")], "Name is required"),
        (vec![("kind", "plain"), ("name", "EMPTY"), ("value", "")], "Value is required"),
        (vec![("kind", "plain"), ("name", "BIG"), ("value", &big)], "Value must be at most 64 KiB"),
        (vec![("kind", "secret"), ("name", "Zendesk_Token"), ("value", "long-enough"), ("visibility", "masked")], "A variable named ZENDESK_TOKEN already exists"),
        (vec![("kind", "secret"), ("name", "R"), ("value", "long-enough"), ("visibility", "restricted")], "at least one allowed host"),
        (vec![("kind", "secret"), ("name", "R"), ("value", "long-enough"), ("visibility", "restricted"), ("allowed_hosts", "https://x.com/")], "not a host pattern"),
        (vec![("kind", "secret"), ("name", "NOVIS"), ("value", "long-enough")], "Choose a visibility"),
        (vec![("kind", "secret"), ("name", "SHORT"), ("value", "1234567"), ("visibility", "masked")], "A secret's value must be at least 8 bytes"),
    ];
    for (fields, message) in cases {
        let res = app.create_variable(&app.client, &fields).await;
        let (status, err) = app_error(res).await;
        // A name taken is a conflict; the rest break a rule of a field.
        let conflict = message.contains("already exists");
        assert_eq!(status, if conflict { 409 } else { 400 }, "{message}");
        assert!(err.field().is_some(), "{message}: names its field");
        assert!(
            err.to_string().contains(message),
            "{err} should say {message}"
        );
    }
    assert_eq!(variable_count(&app).await, 1, "nothing stored");
}

#[tokio::test]
async fn editors_write_plain_variables_only() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, plain) = app.seed().await;
    let editor = app.member("ed@example.com", "editor").await;
    let before = variable_count(&app).await;

    let res = app
        .create_variable(
            &editor,
            &[
                ("kind", "secret"),
                ("name", "MINE"),
                ("value", "mine-value"),
                ("visibility", "masked"),
            ],
        )
        .await;
    assert_eq!(app_error(res).await.1, AppError::Forbidden);
    let id = masked.id.to_string();
    let res = app
        .call_with(
            &editor,
            "update_variable",
            &[("workspace", WORKSPACE), ("id", &id), ("value", "new")],
        )
        .await;
    assert_eq!(app_error(res).await.1, AppError::Forbidden);
    let res = app
        .call_with(
            &editor,
            "delete_variable",
            &[("workspace", WORKSPACE), ("id", &id)],
        )
        .await;
    assert_eq!(app_error(res).await.1, AppError::Forbidden);
    assert_eq!(variable_count(&app).await, before);

    let res = app
        .create_variable(
            &editor,
            &[("kind", "plain"), ("name", "EDITOR_VAR"), ("value", "v")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let id = plain.id.to_string();
    let res = app
        .call_with(
            &editor,
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id),
                ("value", "us-east-1"),
            ],
        )
        .await;
    let updated: VariableView = res.json().await.unwrap();
    assert_eq!(updated.value.as_deref(), Some("us-east-1"));
    assert_eq!(updated.updated_by.as_deref(), Some("Test editor"));
    let res = app
        .call_with(
            &editor,
            "delete_variable",
            &[("workspace", WORKSPACE), ("id", &id)],
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn editing_a_secret_keeps_its_value_unless_a_new_one_is_given() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, _) = app.seed().await;
    let id = masked.id.to_string();
    let reveal_form = [("workspace", WORKSPACE), ("id", id.as_str())];
    let reveal = || app.call("reveal_secret", &reveal_form);

    let res = app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id),
                ("value", ""),
                ("description", "Support API"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        reveal().await.json::<String>().await.unwrap(),
        MASKED_CANARY
    );

    let res = app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id),
                ("value", "rotated-value"),
                ("description", "Support API"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        reveal().await.json::<String>().await.unwrap(),
        "rotated-value"
    );
    // Too short to redact: refused, and the value stays.
    let res = app
        .call(
            "update_variable",
            &[("workspace", WORKSPACE), ("id", &id), ("value", "short")],
        )
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert_eq!(err.to_string(), "A secret's value must be at least 8 bytes");
    assert_eq!(
        reveal().await.json::<String>().await.unwrap(),
        "rotated-value"
    );

    // Allowed hosts: a restricted secret cannot lose its last one.
    let rid = restricted.id.to_string();
    let res = app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &rid),
                ("allowed_hosts", ""),
            ],
        )
        .await;
    assert_eq!(app_error(res).await.0, 400);
    let res = app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &rid),
                ("allowed_hosts", "*.zendesk.com, api.zendesk.com"),
            ],
        )
        .await;
    let view: VariableView = res.json().await.unwrap();
    assert_eq!(view.allowed_hosts, ["*.zendesk.com", "api.zendesk.com"]);
    let actions = varvault::server::infra::db::audit::actions_of(
        app.db.pool(),
        varvault::model::WorkspaceId(1),
    )
    .await
    .unwrap();
    assert!(
        actions.ends_with(&[
            "secret.description_updated".to_string(),
            "secret.revealed".to_string(),
            "secret.value_updated".to_string(),
            "secret.revealed".to_string(),
            "secret.revealed".to_string(),
            "secret.allowed_hosts_updated".to_string(),
        ]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn ids_of_another_workspace_are_not_found() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, _) = app.seed().await;
    assert_ok(app.call("create_workspace", &[("name", "Other")]).await).await;
    let id = masked.id.to_string();
    for name in ["reveal_secret", "delete_variable", "update_variable"] {
        let res = app
            .call(name, &[("workspace", "other"), ("id", &id), ("value", "x")])
            .await;
        let (status, err) = app_error(res).await;
        assert_eq!((status.as_u16(), err), (404, AppError::NotFound), "{name}");
    }
    assert_eq!(variable_count(&app).await, 3);
}

#[tokio::test]
async fn no_answer_ever_holds_a_restricted_value() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (_, restricted, _) = app.seed().await;
    let id = restricted.id.to_string();
    let editor = app.member("ed@example.com", "editor").await;
    let mut bodies = Vec::new();
    for client in [&app.client, &editor] {
        for (name, form) in [
            ("list_variables", vec![("workspace", WORKSPACE)]),
            (
                "reveal_secret",
                vec![("workspace", WORKSPACE), ("id", id.as_str())],
            ),
            (
                "update_variable",
                vec![
                    ("workspace", WORKSPACE),
                    ("id", id.as_str()),
                    ("allowed_hosts", "*.zendesk.com"),
                ],
            ),
        ] {
            let res = app.call_with(client, name, &form).await;
            bodies.push(format!(
                "{:?}\n{}",
                res.headers().clone(),
                res.text().await.unwrap()
            ));
        }
        for page in ["/w/acme-support/variables", "/"] {
            bodies.push(app.page(client, page).await.text().await.unwrap());
        }
    }
    for body in bodies {
        assert_no_canary(&body, RESTRICTED_CANARY);
    }
}

/// Arguments that do not decode are a bad request, said where the error is
/// made (no middleware reads the answer back).
#[tokio::test]
async fn arguments_that_do_not_decode_are_a_bad_request() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let res = app
        .call(
            "reveal_secret",
            &[("workspace", WORKSPACE), ("id", "not-a-number")],
        )
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert_eq!(err.code(), "invalid");
    assert!(!err.to_string().contains("not-a-number"), "{err}");
}

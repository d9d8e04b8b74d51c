//! The Tokens page, `.env` imports and the remote CLI: what a maker
//! takes along, previewed and applied in one transaction.

use super::*;

#[tokio::test]
async fn the_tokens_page_makes_tokens_shown_once_and_makers_take_them_along() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let admin = app.member("ad@example.com", "admin").await;
    let res = app
        .call_with(
            &admin,
            "create_token",
            &[
                ("workspace", WORKSPACE),
                ("name", "ci deploy"),
                ("scopes", "variables:read secrets:write"),
                ("expires_on", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let made: varvault::model::CreatedTokenView = res.json().await.unwrap();
    assert!(made.token.starts_with("vv_") && made.token.len() == 3 + 43);
    let (status, _) = call(
        &app,
        &made.token,
        reqwest::Method::GET,
        "/api/v1/variables",
        None,
    )
    .await;
    assert_eq!(status, 200);
    // Listed by name, prefix and scopes; never the token again.
    let res = app.call("list_tokens", &[("workspace", WORKSPACE)]).await;
    let text = res.text().await.unwrap();
    assert!(
        text.contains("ci deploy") && text.contains("variables:read"),
        "{text}"
    );
    assert!(!text.contains(&made.token), "the token is shown once");
    let html = app
        .get(&format!("/w/{WORKSPACE}/tokens"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("ci deploy") && !html.contains(&made.token));
    // Bad input names the field.
    let res = app
        .call(
            "create_token",
            &[
                ("workspace", WORKSPACE),
                ("name", "x"),
                ("scopes", "secrets:read"),
            ],
        )
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert_eq!(err.field(), Some("scopes"));
    // Editors may not make or see tokens.
    let editor = app.member("ed@example.com", "editor").await;
    let res = app
        .call_with(&editor, "list_tokens", &[("workspace", WORKSPACE)])
        .await;
    assert_eq!(res.status(), 403);

    // The admin made an editor: their tokens stop at once.
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ad@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let res = app
        .call(
            "change_member_role",
            &[
                ("workspace", WORKSPACE),
                ("user_id", &admin_id.to_string()),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let (status, _) = call(
        &app,
        &made.token,
        reqwest::Method::GET,
        "/api/v1/variables",
        None,
    )
    .await;
    assert_eq!(status, 401);

    // An owner's token, revoked from the page by a plain form.
    let res = app
        .call(
            "create_token",
            &[
                ("workspace", WORKSPACE),
                ("name", "nightly"),
                ("scopes", "audit:read"),
            ],
        )
        .await;
    let nightly: varvault::model::CreatedTokenView = res.json().await.unwrap();
    let res = app
        .client
        .post(app.url("/api/revoke_token"))
        .header("origin", app.origin())
        .header("accept", "text/html")
        .form(&[("workspace", WORKSPACE), ("id", &nightly.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        format!("/w/{WORKSPACE}/tokens?revoked=1")
    );
    let (status, _) = call(
        &app,
        &nightly.token,
        reqwest::Method::GET,
        "/api/v1/audit",
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_env_file_is_previewed_then_applied_in_one_transaction() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.create_ok(&[
        ("kind", "secret"),
        ("name", "EXISTING_TOKEN"),
        ("value", "the-old-value-123"),
        ("visibility", "masked"),
    ])
    .await;
    app.create_ok(&[("kind", "plain"), ("name", "REGION"), ("value", "eu")])
        .await;
    let writer = token(&app, "importer", &[Scope::SecretsWrite], "").await;
    let import = |env: &str, dry_run: bool| {
        let app = &app;
        let writer = writer.clone();
        let body = serde_json::json!({
            "env": env, "kind": "secret", "visibility": "masked", "dry_run": dry_run
        });
        async move {
            call(
                app,
                &writer,
                reqwest::Method::POST,
                "/api/v1/variables:import",
                Some(body),
            )
            .await
        }
    };
    let env = "# from the old vault\n\
               export NEW_TOKEN=\"new-value-123456\"\n\
               existing_token='rotated-value-789'\n\
               REGION=us-east-1\n\
               SHORT=abc\n";
    let (status, text) = import(env, true).await;
    assert_eq!(status, 200, "{text}");
    let preview: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lines: Vec<(u64, String, String)> = preview["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["name"].as_str().unwrap().to_string(),
                l["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (2, "NEW_TOKEN".into(), "create".into()),
            (3, "EXISTING_TOKEN".into(), "update".into()),
            (4, "REGION".into(), "refused".into()),
            (5, "SHORT".into(), "refused".into()),
        ]
    );
    assert!(text.contains("REGION exists as a plain variable"), "{text}");
    assert!(text.contains("at least 8 bytes"), "{text}");
    for value in [
        "new-value-123456",
        "rotated-value-789",
        "us-east-1",
        "abc\"",
    ] {
        assert!(!text.contains(value), "no value in the preview: {text}");
    }
    // Applying with refusals imports nothing.
    let (status, text) = import(env, false).await;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("2 of 4 lines are refused; nothing was imported"),
        "{text}"
    );
    let count: i64 = app.count("SELECT COUNT(*) FROM variables").await;
    assert_eq!(count, 2);
    // Without them, all of it at once: a create and a new version.
    let env = "NEW_TOKEN=new-value-123456\nEXISTING_TOKEN=rotated-value-789\n";
    let (status, text) = import(env, false).await;
    assert_eq!(status, 200, "{text}");
    let version: i64 =
        sqlx::query_scalar("SELECT value_version FROM variables WHERE name = 'EXISTING_TOKEN'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(version, 2);
    let audited: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE actor_kind = 'token' ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, ["secret.created", "secret.value_updated"]);
    // A name twice in the file, in any case, refuses both lines.
    let (status, text) = import("DUP_KEY=first-value-123\ndup_key=second-value-45\n", true).await;
    assert_eq!(status, 200, "{text}");
    let preview: serde_json::Value = serde_json::from_str(&text).unwrap();
    let reasons: Vec<&str> = preview["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reason"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        reasons,
        [
            "DUP_KEY is in the file twice (lines 1 and 2)",
            "dup_key is in the file twice (lines 1 and 2)"
        ]
    );
    // A malformed file names the line, never its text.
    let (status, text) = import("A=1\nnot a line sk-live-99\n", true).await;
    assert_eq!(status, 400);
    assert!(
        text.contains("line 2: expected KEY=value") && !text.contains("sk-live"),
        "{text}"
    );
}

/// `varvault remote …` as a process, with the value on standard input. It
/// runs off the test's thread, which also serves the app.
async fn remote(app: &TestApp, token: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_varvault"));
    command
        .arg("remote")
        .args(args)
        .env("VARVAULT_URL", app.url(""))
        .env("VARVAULT_TOKEN", token)
        .env("RUST_LOG", "warn")
        .current_dir(app.dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_cli_sets_lists_and_imports_with_a_token_from_the_environment() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.create_ok(&[
        ("kind", "secret"),
        ("name", "DEPLOY_KEY"),
        ("value", "the-old-value-123"),
        ("visibility", "restricted"),
        ("allowed_hosts", "api.example.com"),
    ])
    .await;
    let ci = token(&app, "ci", &[Scope::SecretsWrite, Scope::VariablesRead], "").await;
    std::fs::write(app.dir().join("new.env"), "NEW_TOKEN=imported-value-123\n").unwrap();
    let out = vec![
        remote(&app, &ci, &["set", "deploy_key"], "cli-canary-value-42\n").await,
        remote(&app, &ci, &["list"], "").await,
        remote(
            &app,
            &ci,
            &["import", "new.env", "--visibility", "masked"],
            "",
        )
        .await,
        remote(&app, &ci, &["set", "NO_SUCH"], "whatever-value-1").await,
        // A token of another workspace than the one named: nothing done.
        remote(
            &app,
            &ci,
            &["set", "DEPLOY_KEY", "--workspace", "elsewhere"],
            "other-value-123",
        )
        .await,
        remote(&app, &ci, &["--workspace", WORKSPACE, "list"], "").await,
    ];
    assert!(out[0].status.success(), "{}", text(&out[0]));
    assert_eq!(text(&out[0]).trim(), "DEPLOY_KEY: new value set");
    assert!(
        text(&out[1]).contains("DEPLOY_KEY\tsecret\trestricted\t-"),
        "{}",
        text(&out[1])
    );
    assert!(out[2].status.success(), "{}", text(&out[2]));
    assert!(
        text(&out[2]).contains("line 1\tNEW_TOKEN\tcreate"),
        "{}",
        text(&out[2])
    );
    assert!(!out[3].status.success());
    assert!(
        text(&out[3]).contains("error: Not found"),
        "{}",
        text(&out[3])
    );
    assert!(!out[4].status.success());
    assert_eq!(
        text(&out[4]).trim(),
        format!("error: VARVAULT_TOKEN belongs to workspace \"{WORKSPACE}\", not \"elsewhere\": nothing was done")
    );
    assert!(out[5].status.success(), "{}", text(&out[5]));
    for o in &out {
        assert!(!text(o).contains("cli-canary-value-42"));
    }
    // The value arrived, as a new version, audited under the token's name.
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE actor_kind = 'token' AND actor_email = 'ci' \
         AND action = 'secret.value_updated'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // Without a token in the environment: one clear line.
    let out = remote(&app, "", &["list"], "").await;
    assert!(!out.status.success());
    assert!(text(&out).contains("set VARVAULT_TOKEN"), "{}", text(&out));
}

#[tokio::test]
async fn admins_import_a_file_from_the_variables_page_and_editors_cannot() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.create_ok(&[
        ("kind", "secret"),
        ("name", "STRIPE_KEY"),
        ("value", "the-old-value-123"),
        ("visibility", "restricted"),
        ("allowed_hosts", "api.stripe.com"),
    ])
    .await;
    let editor = app.member("editor@example.com", "editor").await;
    // The way in: "Import .env" on the Variables page, for owners and admins.
    let owner_page = app
        .get(&format!("/w/{WORKSPACE}/variables"))
        .await
        .text()
        .await
        .unwrap();
    // The button; the dialog's code is loaded on the first click by the
    // page's script.
    assert!(
        owner_page.contains(&format!(
            "<span data-workspace=\"{WORKSPACE}\" data-pkg=\"/pkg\" class=\"import-env\"><button id=\"import-env-open\""
        )),
        "{owner_page}"
    );
    assert!(
        owner_page.contains("<script type=\"module\" src=\"/variables.js\""),
        "{owner_page}"
    );
    let script = include_str!("../../../public/variables.js");
    assert!(script.contains("mod.mount_import_env("));
    let editor_page = app
        .page(&editor, &format!("/w/{WORKSPACE}/variables"))
        .await;
    let editor_page = editor_page.text().await.unwrap();
    assert!(editor_page.contains("<h1>Variables</h1>") && !editor_page.contains("Import .env"));

    let env = format!("STRIPE_KEY={RESTRICTED_CANARY}\nexport NEW_MASKED='{MASKED_CANARY}'\n");
    let form = |apply: &'static str| {
        vec![
            ("workspace", WORKSPACE.to_string()),
            ("env", env.clone()),
            ("kind", "secret".to_string()),
            ("visibility", "restricted".to_string()),
            ("allowed_hosts", "api.example.com".to_string()),
            ("apply", apply.to_string()),
        ]
    };
    let send = |client: reqwest::Client, form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.call_with(&client, "import_env", &form).await;
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let owner = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    // The preview: a line each, no value, nothing stored.
    let (status, text) = send(owner.clone(), form("false")).await;
    assert_eq!(status, 200, "{text}");
    let lines: Vec<varvault::model::ImportLine> = serde_json::from_str(&text).unwrap();
    let actions: Vec<_> = lines
        .iter()
        .map(|l| (l.line, l.name.as_str(), l.action))
        .collect();
    use varvault::model::ImportAction;
    assert_eq!(
        actions,
        [
            (1, "STRIPE_KEY", ImportAction::Update),
            (2, "NEW_MASKED", ImportAction::Create)
        ]
    );
    assert_no_canary(&text, RESTRICTED_CANARY);
    assert_no_canary(&text, MASKED_CANARY);
    let count = |app: &TestApp| {
        let pool = app.db.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM variables")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(&app).await, 1);
    // An editor is refused, even for plain variables, and nothing changes.
    let mut plain = form("true");
    plain[2].1 = "plain".into();
    let (status, _) = send(editor, plain).await;
    assert_eq!(status, 403);
    assert_eq!(count(&app).await, 1);
    // Applied: a new version of the existing secret (its hosts kept) and
    // a new secret, audited under the owner.
    let (status, text) = send(owner, form("true")).await;
    assert_eq!(status, 200, "{text}");
    assert_no_canary(&text, RESTRICTED_CANARY);
    assert_no_canary(&text, MASKED_CANARY);
    let rows: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT name, value_version, allowed_hosts FROM variables ORDER BY name")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            ("NEW_MASKED".to_string(), 1, "api.example.com".to_string()),
            ("STRIPE_KEY".to_string(), 2, "api.stripe.com".to_string()),
        ]
    );
    let audited: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, actor_email FROM audit_log WHERE action LIKE 'secret.%' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        audited[1..],
        [
            ("secret.value_updated".to_string(), OWNER_EMAIL.to_string()),
            ("secret.created".to_string(), OWNER_EMAIL.to_string()),
        ]
    );
}

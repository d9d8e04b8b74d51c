//! The REST API under `/api/v1/` (issue 16), called as a script would:
//! each scope allows exactly its operations (a matrix that fails when an
//! endpoint of the OpenAPI document has no row), tokens refused once
//! expired or revoked, from another workspace or another network, cookies
//! ignored, errors as problem details, and no answer holding a value.

use crate::helpers::*;
use crate::variables::{assert_no_canary, create_ok, MASKED_CANARY, RESTRICTED_CANARY};
use std::collections::BTreeSet;
use varvault::model::{Role, Scope};
use varvault::server::rules::tokens::{self, NewToken};
use varvault::server::web::authz::member_of;

async fn owner(app: &TestApp) -> varvault::server::web::authz::Member {
    let id = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(OWNER_EMAIL)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    member_of(&app.db, id, WORKSPACE, Role::Owner, "test")
        .await
        .unwrap()
}

async fn token(app: &TestApp, name: &str, scopes: &[Scope], networks: &str) -> String {
    let created = tokens::create(
        &app.db,
        &owner(app).await,
        NewToken {
            name: name.into(),
            scopes: scopes.to_vec(),
            expires_at: None,
            allowed_networks: networks.into(),
        },
    )
    .await
    .unwrap();
    created.token.expose().to_string()
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, String) {
    let mut req = client()
        .request(method, app.url(path))
        .header("authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Every operation of the document and the scope it needs (`None`: any
/// live token), with a call that would succeed for a token with it.
fn operations() -> Vec<(&'static str, &'static str, Option<Scope>)> {
    vec![
        ("GET", "/api/v1/workspace", None),
        ("GET", "/api/v1/variables", Some(Scope::VariablesRead)),
        (
            "GET",
            "/api/v1/variables/{name}",
            Some(Scope::VariablesRead),
        ),
        ("POST", "/api/v1/variables", Some(Scope::SecretsWrite)),
        (
            "PUT",
            "/api/v1/variables/{name}/value",
            Some(Scope::SecretsWrite),
        ),
        (
            "DELETE",
            "/api/v1/variables/{name}",
            Some(Scope::SecretsWrite),
        ),
        (
            "POST",
            "/api/v1/variables:import",
            Some(Scope::SecretsWrite),
        ),
        ("GET", "/api/v1/audit", Some(Scope::AuditRead)),
    ]
}

#[tokio::test]
async fn each_scope_allows_exactly_its_operations() {
    let app = spawn_app().await;
    app.setup_owner().await;
    crate::variables::seed(&app).await;

    // The matrix covers the document, and the document the matrix.
    let (status, doc) = call(&app, "", reqwest::Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = operations()
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, listed, "operations without a matrix row");

    for scope in Scope::ALL {
        let token = token(&app, &format!("only {}", scope.as_str()), &[scope], "").await;
        for (n, (method, path, needs)) in operations().into_iter().enumerate() {
            let name = format!("T_{}_{n}", scope.as_str().replace(':', "_").to_uppercase());
            // Each write acts on a secret of its own, made first.
            create_ok(
                &app,
                &[
                    ("kind", "secret"),
                    ("name", &name),
                    ("value", "the-old-value-123"),
                    ("visibility", "masked"),
                ],
            )
            .await;
            let url = path.replace("{name}", &name);
            let body = match method {
                "POST" if path.ends_with(":import") => Some(serde_json::json!({
                    "env": format!("export {name}=an-imported-value-1\n"),
                    "kind": "secret", "visibility": "masked"
                })),
                "POST" => Some(serde_json::json!({
                    "name": format!("{name}_NEW"), "kind": "secret",
                    "value": "a-new-value-12345", "visibility": "masked"
                })),
                "PUT" => Some(serde_json::json!({ "value": "a-new-value-12345" })),
                _ => None,
            };
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let (status, text) = call(&app, &token, method.clone(), &url, body).await;
            if needs.is_none_or(|needs| needs == scope) {
                assert!(
                    (200..300).contains(&status),
                    "{} {method} {url}: {status} {text}",
                    scope.as_str()
                );
            } else {
                assert_eq!(status, 403, "{} {method} {url}: {text}", scope.as_str());
                let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(problem["type"], "/api/v1/problems/forbidden");
                assert_eq!(problem["status"], 403);
            }
        }
    }
    // Its use (reading its workspace) and writes are audited with the
    // token's name as the actor.
    let by_token: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE actor_kind = 'token' \
         AND actor_email = 'only secrets:write' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        by_token,
        [
            "token.used",
            "secret.created",
            "secret.value_updated",
            "secret.deleted",
            "secret.value_updated"
        ]
    );
}

#[tokio::test]
async fn no_answer_holds_a_value_and_puts_never_compare() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, restricted, _) = crate::variables::seed(&app).await;
    let all = token(
        &app,
        "everything",
        &[
            Scope::VariablesRead,
            Scope::VariablesWrite,
            Scope::SecretsWrite,
            Scope::AuditRead,
        ],
        "",
    )
    .await;
    let mut answers = String::new();
    for path in [
        "/api/v1/variables".to_string(),
        format!("/api/v1/variables/{}", masked.name),
        format!("/api/v1/variables/{}", restricted.name.to_lowercase()),
        "/api/v1/audit".to_string(),
        "/api/v1/openapi.json".to_string(),
        "/api/v1/nothing/here".to_string(),
    ] {
        let (_, text) = call(&app, &all, reqwest::Method::GET, &path, None).await;
        answers.push_str(&text);
    }
    // Every read is in the log under the token's name.
    let reads: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'token.used' AND actor_email = 'everything' \
         ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        reads,
        [
            "listed variables",
            "read MASKED_TOKEN",
            "read ZENDESK_TOKEN",
            "read the audit log"
        ]
    );
    // The same value and another one get the same answer but the time.
    let strip = |t: &str| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
        v.as_object_mut().unwrap().remove("updated_at");
        v
    };
    let put = |value: &'static str| {
        let app = &app;
        let all = all.clone();
        async move {
            call(
                app,
                &all,
                reqwest::Method::PUT,
                "/api/v1/variables/ZENDESK_TOKEN/value",
                Some(serde_json::json!({ "value": value })),
            )
            .await
        }
    };
    let (s1, right) = put(RESTRICTED_CANARY).await;
    let (s2, wrong) = put("a-wrong-guess-123456").await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(strip(&right), strip(&wrong), "a guess is not told apart");
    answers.push_str(&right);
    let versions: i64 =
        sqlx::query_scalar("SELECT value_version FROM variables WHERE name = 'ZENDESK_TOKEN'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(versions, 3, "every PUT is a new version");
    for canary in [MASKED_CANARY, RESTRICTED_CANARY] {
        assert_no_canary(&answers, canary);
    }
    assert!(answers.contains("MASKED_TOKEN") && answers.contains("eu-west-1"));
}

#[tokio::test]
async fn tokens_are_refused_when_revoked_expired_foreign_or_off_network() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let read = token(&app, "reader", &[Scope::VariablesRead], "").await;
    let (status, _) = call(&app, &read, reqwest::Method::GET, "/api/v1/variables", None).await;
    assert_eq!(status, 200);

    // No token, a malformed one, a session cookie instead: 401 problems.
    let (status, text) = call(
        &app,
        "vv_nope",
        reqwest::Method::GET,
        "/api/v1/variables",
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert!(text.contains("/api/v1/problems/unauthenticated"), "{text}");
    let res = app
        .client
        .get(app.url("/api/v1/variables"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        401,
        "the UI's session cookie means nothing here"
    );
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // And the UI's server functions ignore tokens.
    let res = client()
        .post(app.url("/api/list_variables"))
        .header("origin", app.origin())
        .header("authorization", format!("Bearer {read}"))
        .form(&[("workspace", WORKSPACE)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Off its networks.
    let elsewhere = token(&app, "elsewhere", &[Scope::VariablesRead], "10.9.0.0/16").await;
    let (status, _) = call(
        &app,
        &elsewhere,
        reqwest::Method::GET,
        "/api/v1/variables",
        None,
    )
    .await;
    assert_eq!(status, 403);

    // Revoked: refused at its next request.
    let id: i64 = sqlx::query_scalar("SELECT id FROM access_tokens WHERE name = 'reader'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    tokens::revoke(&app.db, &owner(&app).await, varvault::model::TokenId(id))
        .await
        .unwrap();
    let (status, _) = call(&app, &read, reqwest::Method::GET, "/api/v1/variables", None).await;
    assert_eq!(status, 401);

    // Expired: refused from then on.
    let soon = token(&app, "short-lived", &[Scope::VariablesRead], "").await;
    sqlx::query("UPDATE access_tokens SET expires_at = $1 WHERE name = 'short-lived'")
        .bind(varvault::server::infra::db::now_ms() - 1)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, _) = call(&app, &soon, reqwest::Method::GET, "/api/v1/variables", None).await;
    assert_eq!(status, 401);

    // A token of another workspace sees nothing of this one: it acts in
    // its own workspace only.
    let res = app
        .call("create_workspace", &[("name", "Other Team")])
        .await;
    assert!(res.status().is_success());
    create_ok(
        &app,
        &[("kind", "plain"), ("name", "ONLY_HERE"), ("value", "1")],
    )
    .await;
    let other_owner = member_of(
        &app.db,
        owner(&app).await.user.user_id,
        "other-team",
        Role::Owner,
        "test",
    )
    .await
    .unwrap();
    let foreign = tokens::create(
        &app.db,
        &other_owner,
        NewToken {
            name: "other".into(),
            scopes: vec![Scope::VariablesRead],
            expires_at: None,
            allowed_networks: String::new(),
        },
    )
    .await
    .unwrap();
    let (status, text) = call(
        &app,
        foreign.token.expose(),
        reqwest::Method::GET,
        "/api/v1/variables/ONLY_HERE",
        None,
    )
    .await;
    assert_eq!(status, 404, "{text}");
}

#[tokio::test]
async fn bad_input_is_a_problem_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let all = token(
        &app,
        "writer",
        &[Scope::SecretsWrite, Scope::VariablesWrite],
        "",
    )
    .await;
    for (body, field) in [
        (
            serde_json::json!({"name": "1BAD", "kind": "plain", "value": "x"}),
            "name",
        ),
        (
            serde_json::json!({"name": "OK", "kind": "nope", "value": "x"}),
            "kind",
        ),
        (
            serde_json::json!({"name": "OK", "kind": "secret", "value": "short"}),
            "value",
        ),
        (
            serde_json::json!({"name": "OK", "kind": "secret", "value": "long-enough-1",
                               "visibility": "restricted"}),
            "allowed_hosts",
        ),
        (
            serde_json::json!({"name": "OK", "kind": "secret", "value": "long-enough-1",
                               "visibility": "masked", "expires_on": "2026-02-30"}),
            "expires_on",
        ),
    ] {
        let (status, text) = call(
            &app,
            &all,
            reqwest::Method::POST,
            "/api/v1/variables",
            Some(body),
        )
        .await;
        assert_eq!(status, 400, "{text}");
        let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(problem["type"], "/api/v1/problems/invalid");
        assert_eq!(problem["field"], field, "{text}");
    }
    // Bodies and queries that do not parse are problems too, naming the
    // missing field or the part, and never echoing what was sent.
    let raw = |method: reqwest::Method, path: &str, content_type: &str, body: &str| {
        client()
            .request(method, app.url(path))
            .header("authorization", format!("Bearer {all}"))
            .header("content-type", content_type)
            .body(body.to_string())
    };
    for (request, field, detail) in [
        (
            raw(
                reqwest::Method::POST,
                "/api/v1/variables",
                "application/json",
                "{\"name\": ",
            ),
            "body",
            "not valid JSON",
        ),
        (
            raw(
                reqwest::Method::POST,
                "/api/v1/variables",
                "application/json",
                r#"{"name": "OK", "kind": "secret", "value": 4242424242}"#,
            ),
            "body",
            "wrong type",
        ),
        (
            raw(
                reqwest::Method::POST,
                "/api/v1/variables",
                "application/json",
                r#"{"name": "OK", "kind": "secret"}"#,
            ),
            "value",
            "value is required",
        ),
        (
            raw(
                reqwest::Method::PUT,
                "/api/v1/variables/OK/value",
                "text/plain",
                r#"{"value": "sent-as-text-1"}"#,
            ),
            "body",
            "as JSON",
        ),
        (
            raw(
                reqwest::Method::GET,
                "/api/v1/audit?before=4242424242x",
                "text/plain",
                "",
            ),
            "query",
            "wrong type",
        ),
        // Past the 2 MiB a body may have.
        (
            raw(
                reqwest::Method::PUT,
                "/api/v1/variables/OK/value",
                "application/json",
                &format!("{{\"value\": \"4242424242{}\"}}", "x".repeat(3 << 20)),
            ),
            "body",
            "at most 2 MiB",
        ),
    ] {
        let res = request.send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        let text = res.text().await.unwrap();
        assert_eq!(status, 400, "{text}");
        assert_eq!(content_type, "application/problem+json");
        let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(problem["field"], field, "{text}");
        assert!(
            problem["detail"].as_str().unwrap().contains(detail),
            "{text}"
        );
        assert!(
            !text.contains("4242424242") && !text.contains("sent-as-text"),
            "{text}"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM variables")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

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
    create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "EXISTING_TOKEN"),
            ("value", "the-old-value-123"),
            ("visibility", "masked"),
        ],
    )
    .await;
    create_ok(
        &app,
        &[("kind", "plain"), ("name", "REGION"), ("value", "eu")],
    )
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
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM variables")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
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
    create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "DEPLOY_KEY"),
            ("value", "the-old-value-123"),
            ("visibility", "restricted"),
            ("allowed_hosts", "api.example.com"),
        ],
    )
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
    create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "STRIPE_KEY"),
            ("value", "the-old-value-123"),
            ("visibility", "restricted"),
            ("allowed_hosts", "api.stripe.com"),
        ],
    )
    .await;
    let editor = app.member("editor@example.com", "editor").await;
    // The way in: "Import .env" on the Variables page, for owners and admins.
    let owner_page = app
        .get(&format!("/w/{WORKSPACE}/variables"))
        .await
        .text()
        .await
        .unwrap();
    // The button; the dialog's code is loaded on the first click.
    assert!(
        owner_page.contains(&format!(
            "<span data-workspace=\"{WORKSPACE}\" class=\"import-env\"><button id=\"import-env-open\""
        )),
        "{owner_page}"
    );
    assert!(owner_page.contains("mod.mount_import_env("), "{owner_page}");
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

/// Property-based fuzzing of the API from its own OpenAPI document with
/// schemathesis (a PyPI tool `.ci/setup.sh` installs under target/): calls
/// generated from the schema, valid and invalid, a bounded number per
/// operation and a fixed seed, with a token of every scope. No answer is a
/// server error and each one matches the document: status, content type
/// and body schema.
#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_schema() {
    let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/schemathesis/bin/schemathesis");
    assert!(
        bin.exists(),
        "{} is missing: run bash .ci/setup.sh",
        bin.display()
    );
    let app = spawn_app().await;
    app.setup_owner().await;
    crate::variables::seed(&app).await;
    let all = token(&app, "schemathesis", &Scope::ALL, "").await;
    let mut command = std::process::Command::new(bin);
    command
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--header", &format!("Authorization: Bearer {all}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "40",
            "--seed",
            "16",
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
            "--output-sanitize",
            "true",
        ])
        .current_dir(app.dir());
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    // Positive controls: it tested every operation, and its calls reached
    // the rules (each kind of read is audited under the token's name).
    let tested = format!("Tested: {}", operations().len());
    assert!(report.contains(&tested), "not {tested}:\n{report}");
    let reads: BTreeSet<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE actor_kind = 'token' \
         AND actor_email = 'schemathesis' AND action = 'token.used'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap()
    .into_iter()
    .collect();
    for read in [
        "listed variables",
        "read the audit log",
        "read its workspace",
    ] {
        assert!(reads.contains(read), "{read} missing from {reads:?}");
    }
}

/// Issue 23: a NUL in any text the REST API takes (every string of every
/// body schema in the OpenAPI document, every query parameter, the path's
/// name) is a problem naming it, with nothing changed, on both databases.
#[tokio::test]
async fn every_text_input_of_the_rest_api_refuses_a_nul() {
    let app = spawn_app().await;
    app.setup_owner().await;
    crate::variables::seed(&app).await;
    let all = token(&app, "every scope", &Scope::ALL, "").await;
    let (_, doc) = call(&app, "", reqwest::Method::GET, "/api/v1/openapi.json", None).await;
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let schema_of = |v: &serde_json::Value| -> serde_json::Value {
        match v["$ref"].as_str() {
            Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
            None => v.clone(),
        }
    };
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM variables")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let concrete = path.replace("{name}", "MASKED_TOKEN");
            // The path's name.
            if path.contains("{name}") {
                let p = path.replace("{name}", "A%00B");
                let (status, text) = call(&app, &all, method.clone(), &p, None).await;
                let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(
                    (status, problem["field"].as_str()),
                    (400, Some("name")),
                    "{p}: {text}"
                );
                checked += 1;
            }
            // Query parameters.
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["in"] != "query" {
                    continue;
                }
                let name = param["name"].as_str().unwrap();
                let p = format!("{concrete}?{name}=a%00b");
                let (status, text) = call(&app, &all, method.clone(), &p, None).await;
                let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(
                    (status, problem["field"].as_str()),
                    (400, Some(name)),
                    "{p}: {text}"
                );
                checked += 1;
            }
            // Every string of the body.
            let schema = schema_of(&op["requestBody"]["content"]["application/json"]["schema"]);
            let props = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let stringy = |p: &serde_json::Value| {
                let t = &p["type"];
                t == "string"
                    || t.as_array().is_some_and(|a| a.contains(&"string".into()))
                    || p["items"]["type"] == "string"
            };
            for (field, _) in props.iter().filter(|(_, p)| stringy(p)) {
                let mut body = serde_json::Map::new();
                for (other, p) in props.iter().filter(|(_, p)| stringy(p)) {
                    let text = if other == field { "a\u{0}b" } else { "x" };
                    let v = if p["items"]["type"] == "string" {
                        serde_json::json!([text])
                    } else {
                        serde_json::json!(text)
                    };
                    body.insert(other.clone(), v);
                }
                let (status, text) =
                    call(&app, &all, method.clone(), &concrete, Some(body.into())).await;
                let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
                let named = problem["field"].as_str().unwrap_or_default();
                assert_eq!(status, 400, "{method} {path} {field}: {text}");
                assert!(
                    named == field || named == format!("{field}[0]"),
                    "{path} {field}: {text}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "{checked} inputs");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM variables")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(after, count, "nothing was stored");
}

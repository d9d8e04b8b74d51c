//! Which token may do what: the scope matrix, answers that never hold a
//! value, and tokens refused when revoked, expired, foreign or off-network.

use super::*;

#[tokio::test]
async fn each_scope_allows_exactly_its_operations() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.seed().await;

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
            app.create_ok(&[
                ("kind", "secret"),
                ("name", &name),
                ("value", "the-old-value-123"),
                ("visibility", "masked"),
            ])
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
    let (masked, restricted, _) = app.seed().await;
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
    app.create_ok(&[("kind", "plain"), ("name", "ONLY_HERE"), ("value", "1")])
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

//! Bad input over REST: problems naming the field, nothing stored, no
//! NUL anywhere, and schemathesis finding no server error.

use super::*;

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
    let count: i64 = app.count("SELECT COUNT(*) FROM variables").await;
    assert_eq!(count, 0);
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
    app.seed().await;
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
    app.seed().await;
    let all = token(&app, "every scope", &Scope::ALL, "").await;
    let (_, doc) = call(&app, "", reqwest::Method::GET, "/api/v1/openapi.json", None).await;
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let schema_of = |v: &serde_json::Value| -> serde_json::Value {
        match v["$ref"].as_str() {
            Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
            None => v.clone(),
        }
    };
    let count: i64 = app.count("SELECT COUNT(*) FROM variables").await;
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
    let after: i64 = app.count("SELECT COUNT(*) FROM variables").await;
    assert_eq!(after, count, "nothing was stored");
}

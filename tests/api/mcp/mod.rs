//! `/mcp` (issue 27): the token checked before the body, the origin, both
//! protocol versions without a session, and an agent that sends a secret
//! it never sees, held to hosts and to header values. `sdk` drives the
//! same through the official TypeScript and Python clients.

use crate::scene::{Scene, TOKEN};
use crate::support::*;
use serde_json::{json, Value};
use varvault::model::{Role, Scope};
use varvault::server::rules::tokens::{self, NewToken};
use varvault::server::web::authz::member_of;

mod conformance;
mod exfiltration;
mod sdk;

pub(crate) const AGENT: &str = "release-bot";

async fn owner_id(app: &TestApp) -> varvault::model::UserId {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(OWNER_EMAIL)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// A token of `WORKSPACE` made by the owner.
pub(crate) async fn token(app: &TestApp, name: &str, scopes: &[Scope]) -> String {
    let owner = member_of(&app.db, owner_id(app).await, WORKSPACE, Role::Owner, "test")
        .await
        .unwrap();
    let new = NewToken {
        name: name.into(),
        scopes: scopes.to_vec(),
        expires_at: None,
        allowed_networks: String::new(),
    };
    let created = tokens::create(&app.db, &owner, new).await.unwrap();
    created.token.expose().to_string()
}

/// A JSON-RPC client of `/mcp` on protocol 2025-11-25, as an SDK sends.
pub(crate) struct Rpc {
    pub url: String,
    pub token: String,
    client: reqwest::Client,
}

impl Rpc {
    pub(crate) fn new(app: &TestApp, token: &str) -> Rpc {
        Rpc {
            url: app.url("/mcp"),
            token: token.to_string(),
            client: reqwest::Client::new(),
        }
    }

    pub(crate) async fn post(&self, body: Value) -> reqwest::Response {
        self.client
            .post(&self.url)
            .bearer_auth(&self.token)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// `tools/call`: the result (or the JSON-RPC error) as text and JSON.
    pub(crate) async fn call(&self, tool: &str, arguments: Value) -> (String, Value) {
        let res = self
            .post(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                         "params": {"name": tool, "arguments": arguments}}))
            .await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        (text, value)
    }
}

/// One of the official SDK clients, run as an agent would.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sdk {
    /// npm `@modelcontextprotocol/sdk`, protocol 2025-11-25.
    TypeScript,
    /// PyPI `mcp`, protocol 2026-07-28.
    Python,
}

/// Runs `sdk`'s client (`end2end/mcp/client.mjs`, `tests/mcp/client.py`)
/// with `calls` against `/mcp`: what it printed, parsed, and its whole
/// output as text (for the oracle).
pub(crate) async fn run_sdk(app: &TestApp, token: &str, sdk: Sdk, calls: Value) -> (Value, String) {
    let plan = json!({"url": app.url("/mcp"), "token": token, "calls": calls});
    run_plan(sdk, plan).await
}

/// Runs `sdk`'s client with `plan` (see the clients' comments).
pub(crate) async fn run_plan(sdk: Sdk, plan: Value) -> (Value, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut command = match sdk {
        Sdk::TypeScript => {
            let mut c = std::process::Command::new("node");
            c.arg(format!("{root}/end2end/mcp/client.mjs"));
            c
        }
        Sdk::Python => {
            let mut c = std::process::Command::new(format!("{root}/target/mcp-python/bin/python"));
            c.arg(format!("{root}/tests/mcp/client.py"));
            c
        }
    };
    command.env("MCP_PLAN", plan.to_string());
    // In a thread of its own: the app serves it on this test's runtime.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| {
            panic!("{sdk:?} client did not start (bash .ci/setup.sh installs it): {e}")
        });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{sdk:?} client failed: {stderr}\n{stdout}"
    );
    let value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (value, format!("{stdout}\n{stderr}"))
}

/// The text a tool answered, and whether it is an error.
pub(crate) fn outcome(answer: &Value) -> (bool, String) {
    let result = &answer["result"];
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    (result["isError"] == json!(true), text.to_string())
}

fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {},
        "clientInfo": {"name": "varvault-tests", "version": "1"}}})
}

#[tokio::test]
async fn only_an_agent_token_gets_past_the_door_and_before_its_body_is_read() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let agent = token(&app, AGENT, &[Scope::AgentUse]).await;
    let reader = token(&app, "reader", &[Scope::VariablesRead]).await;
    let client = reqwest::Client::new();
    let post = |token: Option<&str>| {
        let mut req = client.post(app.url("/mcp")).json(&initialize("2025-11-25"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.header("accept", "application/json, text/event-stream")
    };

    let res = post(None).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    let res = post(Some("vv_not-a-token")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    let res = post(Some(&reader)).send().await.unwrap();
    assert_eq!(res.status(), 403, "a token without agent:use");
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains(r#"scope="agent:use""#));

    // Another origin is refused even with the token; the public one passes.
    let res = post(Some(&agent))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = post(Some(&agent))
        .header("origin", app.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A 1 GiB body announced without a token: refused at once, unread.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 1073741824\r\n\r\n{{",
        app.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // A token held to other networks is refused from here.
    let elsewhere = tokens::create(
        &app.db,
        &member_of(
            &app.db,
            owner_id(&app).await,
            WORKSPACE,
            Role::Owner,
            "test",
        )
        .await
        .unwrap(),
        NewToken {
            name: "elsewhere".into(),
            scopes: vec![Scope::AgentUse],
            expires_at: None,
            allowed_networks: "10.0.0.0/8".into(),
        },
    )
    .await
    .unwrap();
    let res = post(Some(elsewhere.token.expose())).send().await.unwrap();
    assert_eq!(res.status(), 403, "off its networks");

    // Expired, then revoked: refused like an unknown token.
    sqlx::query("UPDATE access_tokens SET expires_at = 1 WHERE name = $1")
        .bind(AGENT)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(post(Some(&agent)).send().await.unwrap().status(), 401);
    sqlx::query("UPDATE access_tokens SET expires_at = NULL WHERE name = $1")
        .bind(AGENT)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(post(Some(&agent)).send().await.unwrap().status(), 200);
    // Revoked: refused like an unknown token.
    sqlx::query("UPDATE access_tokens SET revoked_at = 1 WHERE name = $1")
        .bind(AGENT)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(post(Some(&agent)).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn both_protocol_versions_are_served_without_a_session() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let rpc = Rpc::new(&app, &token(&app, AGENT, &[Scope::AgentUse]).await);

    let res = rpc.post(initialize("2025-11-25")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("mcp-session-id").is_none());
    let init: Value = res.json().await.unwrap();
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(init["result"]["serverInfo"]["name"], "varvault");

    let res = rpc
        .post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    assert!(res.headers().get("mcp-session-id").is_none());
    let list: Value = res.json().await.unwrap();
    let mut names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "http_request",
            "list_secrets",
            "list_variables",
            "list_workflows",
            "request_secret",
            "run_block"
        ]
    );

    // 2026-07-28: no initialize; each request carries its own metadata.
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "varvault-tests", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let res = reqwest::Client::new()
        .post(&rpc.url)
        .bearer_auth(&rpc.token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "list_secrets")
        .json(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                      "params": {"name": "list_secrets", "arguments": {}, "_meta": meta}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("mcp-session-id").is_none());
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["result"]["structuredContent"]["items"], json!([]));

    // No stream the server could send requests on.
    let res = reqwest::Client::new()
        .get(&rpc.url)
        .bearer_auth(&rpc.token)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

#[tokio::test]
async fn an_agent_sends_a_secret_it_never_sees_and_only_in_a_header() {
    let mut scene = Scene::new().await;
    let agent = token(&scene.app, AGENT, &[Scope::AgentUse]).await;
    let rpc = Rpc::new(&scene.app, &agent);
    let echo = format!("http://{}/echo", scene.good);

    let (text, answer) = rpc
        .call(
            "http_request",
            json!({"method": "GET", "url": echo,
                   "headers": [{"name": "Authorization", "value": "Bearer {{secret:TOKEN}}"}]}),
        )
        .await;
    let (error, _) = outcome(&answer);
    assert!(!error, "{text}");
    assert_eq!(answer["result"]["structuredContent"]["status"], 200);
    scene.check(&text, "http_request's answer");
    let hits = scene.good_up.hits();
    let sent = hits.last().unwrap().1["authorization"].to_str().unwrap();
    assert_eq!(
        sent,
        format!("Bearer {}", scene.canary),
        "the upstream got it"
    );
    assert!(text.contains("[REDACTED:TOKEN]"), "{text}");

    // In the body or the URL: refused until an owner ticks the box.
    scene.typed.push("{{secret:TOKEN}}".into());
    for (field, args) in [
        (
            "body",
            json!({"method": "POST", "url": echo, "body": "key={{secret:TOKEN}}"}),
        ),
        (
            "url",
            json!({"method": "GET", "url": format!("{echo}?k={{{{secret:TOKEN}}}}")}),
        ),
        (
            "query",
            json!({"method": "GET", "url": echo,
                          "query": [{"name": "k", "value": "{{secret:TOKEN}}"}]}),
        ),
    ] {
        let before = scene.good_up.hits().len();
        let (text, answer) = rpc.call("http_request", args).await;
        let (error, message) = outcome(&answer);
        assert!(error, "{field}: {text}");
        assert!(
            message.contains("may stand only in a header value"),
            "{message}"
        );
        assert_eq!(scene.good_up.hits().len(), before, "{field}: nothing sent");
        scene.check(&text, field);
    }
    let id = scene.app.list_variables(&scene.app.client).await.variables[0].id;
    let res = scene
        .app
        .call(
            "set_agent_placement",
            &[
                ("workspace", WORKSPACE),
                ("id", &id.to_string()),
                ("anywhere", "true"),
            ],
        )
        .await;
    assert_ok(res).await;
    let (text, answer) = rpc
        .call(
            "http_request",
            json!({"method": "POST", "url": echo, "body": "key={{secret:TOKEN}}"}),
        )
        .await;
    assert!(!outcome(&answer).0, "{text}");
    assert_eq!(
        scene.good_up.hits().last().unwrap().2,
        format!("key={}", scene.canary)
    );
    scene.check(&text, "a body an owner allowed");

    // A secret without allowed hosts (a masked one may have none).
    scene
        .app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "LOOSE"),
            ("value", "loose-secret-value-0042"),
            ("visibility", "masked"),
        ])
        .await;
    let (_, answer) = rpc
        .call(
            "http_request",
            json!({"method": "GET", "url": echo,
                   "headers": [{"name": "X-Key", "value": "{{secret:LOOSE}}"}]}),
        )
        .await;
    let (error, message) = outcome(&answer);
    assert!(error);
    assert_eq!(
        message,
        "LOOSE has no allowed hosts; agents may use only secrets bound to hosts. Nothing was sent."
    );

    // Listing never holds a secret's value, whatever the arguments.
    for args in [
        json!({}),
        json!({"search": "TOK"}),
        json!({"search": scene.canary}),
    ] {
        let (text, _) = rpc.call("list_secrets", args).await;
        scene.check(&text, "list_secrets");
    }
    let (text, answer) = rpc.call("list_secrets", json!({})).await;
    let items = &answer["result"]["structuredContent"]["items"];
    assert_eq!(items[1]["name"], TOKEN, "{text}");
    assert_eq!(items[1]["placeholder"], "{{secret:TOKEN}}");
    assert_eq!(items[1]["allowed_hosts"], json!(["127.0.0.1"]));

    // Every call is audited under the token's name, via MCP.
    let audit: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT action, actor_email, detail FROM audit_log WHERE actor_kind = 'token' ORDER BY id",
    )
    .fetch_all(scene.app.db.pool())
    .await
    .unwrap();
    let used: Vec<_> = audit.iter().filter(|a| a.0 == "secret.used").collect();
    assert_eq!(used.len(), 2, "{audit:?}");
    for (_, actor, detail) in &used {
        assert_eq!(actor.as_deref(), Some(AGENT));
        let detail = detail.as_deref().unwrap();
        assert!(
            detail.starts_with("http_request via MCP (127.0.0.1)"),
            "{detail}"
        );
    }
    let calls = audit.iter().filter(|a| a.0 == "token.used").count();
    assert!(calls >= 9, "each tool call audited: {audit:?}");
    scene.finish().await;
}

#[tokio::test]
async fn saved_blocks_run_by_id_and_missing_secrets_are_asked_of_a_person() {
    let mut scene = Scene::new().await;
    let rpc = Rpc::new(
        &scene.app,
        &token(&scene.app, AGENT, &[Scope::AgentUse]).await,
    );
    let url = format!("http://{}/echo", scene.good);
    scene
        .save(&url, &[("Authorization", "Bearer {{secret:TOKEN}}")], "")
        .await;
    let (text, answer) = rpc.call("list_workflows", json!({})).await;
    let workflow = &answer["result"]["structuredContent"]["items"][0];
    let block = &workflow["blocks"][0];
    assert_eq!(block["block_id"], json!(scene.block_id), "{text}");
    assert_eq!(block["url"], url);

    let (text, answer) = rpc
        .call("run_block", json!({"block_id": scene.block_id}))
        .await;
    assert!(!outcome(&answer).0, "{text}");
    assert_eq!(answer["result"]["structuredContent"]["status"], 200);
    scene.check(&text, "run_block");
    let (_, answer) = rpc.call("run_block", json!({"block_id": 999_999})).await;
    assert!(outcome(&answer).0, "an unknown block is refused");

    let (text, answer) = rpc
        .call("request_secret", json!({"name": "STRIPE_KEY"}))
        .await;
    let asked = &answer["result"]["structuredContent"];
    assert_eq!(
        asked["url"],
        scene.app.url("/w/acme-support/variables?new=STRIPE_KEY"),
        "{text}"
    );
    let (_, answer) = rpc.call("request_secret", json!({"name": TOKEN})).await;
    let (error, message) = outcome(&answer);
    assert!(error && message.contains("already exists"), "{message}");
    let (_, answer) = rpc.call("request_secret", json!({"name": "1 bad"})).await;
    assert!(outcome(&answer).0);

    // Arguments off the schema: named, never quoted.
    let (text, answer) = rpc
        .call(
            "http_request",
            json!({"method": "GET", "url": url, "canary": scene.canary}),
        )
        .await;
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not in its input schema"));
    scene.check(&text, "an unknown argument");
    scene.finish().await;
}

/// "Agents may place it in the URL or body" is a plain form on the
/// secret's history page, for owners and admins only; a browser's post is
/// answered with a redirect saying what happened, and the change audited.
#[tokio::test]
async fn owners_choose_where_agents_may_put_a_secret_on_its_history_page() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let secret = app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "GH_TOKEN"),
            ("value", "ghp-secret-value-0042"),
            ("visibility", "restricted"),
            ("allowed_hosts", "api.github.com"),
        ])
        .await;
    let editor = app.member("eve@example.com", "editor").await;
    let path = format!("/w/{WORKSPACE}/variables/{}/history", secret.id);
    let html = app.get(&path).await.text().await.unwrap();
    assert!(
        html.contains(r#"action="/api/set_agent_placement""#),
        "{html}"
    );
    assert!(html.contains("may put it in a header value only"));
    let html = app.page(&editor, &path).await.text().await.unwrap();
    assert!(html.contains("may put it in a header value only"));
    assert!(
        !html.contains("set_agent_placement"),
        "no form for an editor"
    );

    let post = |client: &reqwest::Client, anywhere: Option<&str>| {
        let mut form = vec![
            ("workspace", WORKSPACE.to_string()),
            ("id", secret.id.to_string()),
        ];
        if let Some(a) = anywhere {
            form.push(("anywhere", a.to_string()));
        }
        client
            .post(app.url("/api/set_agent_placement"))
            .header("origin", app.origin())
            .header("accept", "text/html")
            .form(&form)
            .send()
    };
    let res = post(&editor, Some("true")).await.unwrap();
    assert_eq!(res.status(), 302);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("?placement=forbidden"));
    let res = post(&app.client, Some("true")).await.unwrap();
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("{path}?placement=saved")
    );
    let html = app
        .get(&format!("{path}?placement=saved"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("the URL or the body"), "{html}");
    assert!(html.contains("Saved where AI agents may put this secret."));
    // Unticked, the box is not sent: back to header values only.
    post(&app.client, None).await.unwrap();
    let audit: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT actor_email, detail FROM audit_log WHERE action = 'secret.agent_placement_updated' \
         ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let details: Vec<_> = audit.iter().map(|(_, d)| d.clone().unwrap()).collect();
    assert_eq!(
        details,
        ["in a header, the URL or the body", "in a header value only"]
    );
}

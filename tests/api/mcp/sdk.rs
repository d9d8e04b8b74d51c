//! The official clients, pinned: the TypeScript SDK on 2025-11-25 and the
//! Python SDK on 2026-07-28 connect, list the tools and send a restricted
//! secret to a local upstream. The upstream gets the value; no tool
//! result, error, log line or audit entry holds a 6-byte piece of it; the
//! audit log names the token; a secret without hosts, and one placed in a
//! body without the owner's tick, are refused.

use super::{run_sdk, token, Sdk, AGENT};
use crate::scene::Scene;
use serde_json::{json, Value};
use varvault::model::Scope;

async fn an_agent_uses_a_secret_through(sdk: Sdk) {
    let mut scene = Scene::new().await;
    scene
        .app
        .create_ok(&[
            ("kind", "secret"),
            ("name", "LOOSE"),
            ("value", "loose-secret-value-0042"),
            ("visibility", "masked"),
        ])
        .await;
    let agent = token(&scene.app, AGENT, &[Scope::AgentUse]).await;
    let echo = format!("http://{}/echo", scene.good);
    let header = json!([{"name": "Authorization", "value": "Bearer {{secret:TOKEN}}"}]);
    scene.typed.push("{{secret:TOKEN}}".into());
    let calls = json!([
        {"tool": "http_request", "arguments": {"method": "GET", "url": echo, "headers": header}},
        {"tool": "http_request", "arguments": {"method": "POST", "url": echo, "body": "{{secret:TOKEN}}"}},
        {"tool": "http_request", "arguments": {"method": "GET", "url": echo,
            "headers": [{"name": "X-Key", "value": "{{secret:LOOSE}}"}]}},
        {"tool": "list_secrets", "arguments": {}},
        {"tool": "request_secret", "arguments": {"name": "NEW_API_KEY"}},
    ]);
    let (out, text) = run_sdk(&scene.app, &agent, sdk, calls).await;
    scene.check(&text, &format!("{sdk:?} client's output"));

    let tools = out["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 6, "{out}");
    let call = |i: usize| &out["calls"][i];
    assert_eq!(call(0)["isError"], false, "{out}");
    assert_eq!(call(0)["structured"]["status"], 200);
    let sent = scene.good_up.hits();
    assert_eq!(sent.len(), 1, "only the header call left varvault");
    assert_eq!(
        sent[0].1["authorization"].to_str().unwrap(),
        format!("Bearer {}", scene.canary)
    );
    assert_eq!(call(1)["isError"], true);
    assert!(call(1)["text"]
        .as_str()
        .unwrap()
        .contains("may stand only in a header value"));
    assert_eq!(call(2)["isError"], true);
    assert!(call(2)["text"]
        .as_str()
        .unwrap()
        .contains("LOOSE has no allowed hosts"));
    let names: Vec<&str> = call(3)["structured"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["LOOSE", "TOKEN"]);
    let link = scene.app.url("/w/acme-support/variables?new=NEW_API_KEY");
    assert_eq!(call(4)["structured"]["url"], link, "{out}");

    match sdk {
        Sdk::TypeScript => {
            assert_eq!(out["protocol"], "2025-11-25");
            assert_eq!(out["session"], Value::Null, "no session");
        }
        Sdk::Python => {
            // It declared URL elicitation: asked to open the link, once.
            assert_eq!(out["elicitations"], json!([link]), "{out}");
        }
    }

    let used: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT actor_email, detail FROM audit_log WHERE action = 'secret.used'")
            .fetch_all(scene.app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        used,
        [(
            AGENT.to_string(),
            Some("http_request via MCP (127.0.0.1)".to_string())
        )]
    );
    scene.finish().await;
}

#[tokio::test]
async fn the_typescript_sdk_on_2025_11_25() {
    an_agent_uses_a_secret_through(Sdk::TypeScript).await;
}

#[tokio::test]
async fn the_python_sdk_on_2026_07_28() {
    an_agent_uses_a_secret_through(Sdk::Python).await;
}

/// A local agent starts `varvault remote mcp`, which forwards to `/mcp`
/// with the token from its environment: the same tools, the same rules.
#[tokio::test]
async fn a_local_agent_over_stdio_through_varvault_remote_mcp() {
    let mut scene = Scene::new().await;
    let agent = token(&scene.app, AGENT, &[Scope::AgentUse]).await;
    let echo = format!("http://{}/echo", scene.good);
    scene.typed.push("{{secret:TOKEN}}".into());
    let plan = json!({
        "stdio": {
            "command": env!("CARGO_BIN_EXE_varvault"),
            "args": ["remote", "mcp"],
            "env": {"VARVAULT_URL": scene.app.url(""), "VARVAULT_TOKEN": agent,
                    "RUST_LOG": "debug", "PATH": std::env::var("PATH").unwrap()},
        },
        "calls": [
            {"tool": "http_request", "arguments": {"method": "GET", "url": echo,
                "headers": [{"name": "Authorization", "value": "Bearer {{secret:TOKEN}}"}]}},
            {"tool": "http_request", "arguments": {"method": "POST", "url": echo, "body": "{{secret:TOKEN}}"}},
        ],
    });
    let (out, text) = super::run_plan(Sdk::TypeScript, plan).await;
    scene.check(&text, "the stdio client's output");
    assert_eq!(out["tools"].as_array().unwrap().len(), 6, "{out}");
    assert_eq!(out["calls"][0]["structured"]["status"], 200, "{out}");
    assert_eq!(out["calls"][1]["isError"], true, "{out}");
    let hits = scene.good_up.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].1["authorization"].to_str().unwrap(),
        format!("Bearer {}", scene.canary)
    );
    scene.finish().await;
}

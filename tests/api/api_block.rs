//! Workflows and the API block (SPEC §5) against a real HTTP server on
//! 127.0.0.1 started by the test: the upstream gets the real value, the
//! answer shows none of it, and every way to send a secret elsewhere is
//! refused before any byte leaves.

use crate::helpers::*;
use crate::variables::{assert_no_canary, create_ok};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::any;
use axum::Router;
use base64::Engine;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use varvault::model::{
    BlockId, BlockInput, BlockView, HttpMethod, KeyValue, RunResult, WorkflowId, WorkflowView,
};

const CANARY: &str = "canary-api/9f*e7Qx3 dK4m8Zp2Lw";

/// What the upstream received, one entry per request.
#[derive(Clone, Default)]
pub struct Upstream {
    hits: Arc<Mutex<Vec<(String, HeaderMap, String)>>>,
}

impl Upstream {
    pub fn hits(&self) -> Vec<(String, HeaderMap, String)> {
        self.hits.lock().unwrap().clone()
    }
}

async fn record(State(up): State<Upstream>, req: Request) -> (HeaderMap, String, String) {
    let (parts, body) = req.into_parts();
    let body =
        String::from_utf8_lossy(&axum::body::to_bytes(body, 1 << 20).await.unwrap()).into_owned();
    let path = parts.uri.to_string();
    up.hits
        .lock()
        .unwrap()
        .push((path.clone(), parts.headers.clone(), body.clone()));
    (parts.headers, path, body)
}

/// An echo server: `/echo` answers with what it got, in JSON and in a
/// header; `/b64` with base64 and URL-encoded forms; `/encodings` with the
/// bearer token in every encoding the redactor knows; `/big?n=N` with the
/// token N times; `/static` with the same text whatever it got;
/// `/redirect` sends to another host; `/slow` never answers in time;
/// `/status?code=N` answers with status N.
pub async fn start_upstream() -> (SocketAddr, Upstream) {
    start_upstream_on([127, 0, 0, 1]).await
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string()
}

/// Every spelling of `token` an upstream might echo.
pub fn encodings(token: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let json_u: String = token
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let html_dec: String = token.chars().map(|c| format!("&#{};", c as u32)).collect();
    let html_hex: String = token
        .chars()
        .map(|c| format!("&#x{:X};", c as u32))
        .collect();
    let pct: String = token.bytes().map(|b| format!("%{b:02x}")).collect();
    vec![
        token.to_string(),
        token.to_uppercase(),
        token.to_lowercase(),
        STANDARD.encode(format!("user:{token}")),
        STANDARD.encode(format!("u:{token}")),
        STANDARD.encode(format!("us:{token}")),
        URL_SAFE_NO_PAD.encode(token),
        hex::encode(token),
        hex::encode_upper(token),
        json_u,
        html_dec,
        html_hex,
        pct,
    ]
}

pub async fn start_upstream_on(ip: [u8; 4]) -> (SocketAddr, Upstream) {
    let up = Upstream::default();
    async fn echo(s: State<Upstream>, req: Request) -> impl IntoResponse {
        let (headers, path, body) = record(s, req).await;
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let json = serde_json::json!({ "path": path, "authorization": auth, "body": body });
        ([("x-echo-auth", auth)], axum::Json(json))
    }
    async fn b64(s: State<Upstream>, req: Request) -> String {
        let (headers, _, _) = record(s, req).await;
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let token = auth.trim_start_matches("Bearer ");
        let b64 = base64::engine::general_purpose::STANDARD.encode(token);
        let url: String = token
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("b64={b64} url={url}")
    }
    async fn redirect(
        s: State<Upstream>,
        Query(q): Query<HashMap<String, String>>,
        req: Request,
    ) -> Redirect {
        record(s, req).await;
        Redirect::temporary(
            q.get("to")
                .map(String::as_str)
                .unwrap_or("http://localhost/"),
        )
    }
    async fn slow(s: State<Upstream>, req: Request) -> StatusCode {
        record(s, req).await;
        tokio::time::sleep(std::time::Duration::from_secs(20)).await;
        StatusCode::OK
    }
    async fn all_encodings(s: State<Upstream>, req: Request) -> String {
        let (headers, _, _) = record(s, req).await;
        encodings(&bearer(&headers)).join("\n")
    }
    async fn big(
        s: State<Upstream>,
        Query(q): Query<HashMap<String, String>>,
        req: Request,
    ) -> String {
        let (headers, _, _) = record(s, req).await;
        let n = q.get("n").and_then(|n| n.parse().ok()).unwrap_or(1);
        bearer(&headers).repeat(n)
    }
    async fn fixed(s: State<Upstream>, req: Request) -> &'static str {
        record(s, req).await;
        "the same answer for everyone"
    }
    async fn status(
        s: State<Upstream>,
        Query(q): Query<HashMap<String, String>>,
        req: Request,
    ) -> StatusCode {
        record(s, req).await;
        q.get("code")
            .and_then(|c| c.parse().ok())
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::OK)
    }
    async fn not_found(s: State<Upstream>, req: Request) -> StatusCode {
        record(s, req).await;
        StatusCode::NOT_FOUND
    }
    let app = Router::new()
        .fallback(not_found)
        .route("/echo", any(echo))
        .route("/encodings", any(all_encodings))
        .route("/big", any(big))
        .route("/static", any(fixed))
        .route("/b64", any(b64))
        .route("/redirect", any(redirect))
        .route("/slow", any(slow))
        .route("/status", any(status))
        .with_state(up.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((ip, 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, up)
}

pub async fn private_app() -> TestApp {
    spawn_app_with(|c| {
        c.allow_private_networks = true;
        c.outbound_timeout = std::time::Duration::from_secs(2);
    })
    .await
}

pub async fn workflow(app: &TestApp, client: &reqwest::Client) -> (WorkflowId, BlockId) {
    let res = app
        .call_with(
            client,
            "create_workflow",
            &[("workspace", WORKSPACE), ("name", "Support sync")],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let id: WorkflowId = res.json().await.unwrap();
    let res = app
        .call_with(
            client,
            "add_block",
            &[("workspace", WORKSPACE), ("workflow_id", &id.to_string())],
        )
        .await;
    let block: BlockView = res.json().await.unwrap();
    (id, block.block.id)
}

pub fn block(id: BlockId, url: &str, headers: &[(&str, &str)], body: &str) -> BlockInput {
    BlockInput {
        id,
        name: "Fetch tickets".into(),
        method: if body.is_empty() {
            HttpMethod::Get
        } else {
            HttpMethod::Post
        },
        url: url.into(),
        query: vec![],
        headers: headers
            .iter()
            .map(|(n, v)| KeyValue {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect(),
        body: body.into(),
    }
}

pub async fn save(app: &TestApp, client: &reqwest::Client, b: &BlockInput) -> reqwest::Response {
    client
        .post(app.url("/api/save_block"))
        .header("origin", app.origin())
        .json(&serde_json::json!({ "workspace": WORKSPACE, "block": b }))
        .send()
        .await
        .unwrap()
}

pub async fn run(app: &TestApp, client: &reqwest::Client, id: BlockId) -> reqwest::Response {
    app.call_with(
        client,
        "run_block",
        &[("workspace", WORKSPACE), ("id", &id.to_string())],
    )
    .await
}

async fn token(app: &TestApp, visibility: &str, hosts: &str) {
    create_ok(
        app,
        &[
            ("kind", "secret"),
            ("name", "TOKEN"),
            ("value", CANARY),
            ("visibility", visibility),
            ("allowed_hosts", hosts),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_upstream_gets_the_value_and_the_answer_shows_none_of_it() {
    let (up_addr, up) = start_upstream().await;
    let app = private_app().await;
    app.setup_owner().await;
    token(&app, "restricted", "127.0.0.1").await;
    create_ok(&app, &[("kind", "plain"), ("name", "PAGE"), ("value", "2")]).await;
    let editor = app.member("ed@example.com", "editor").await;
    let (wf, id) = workflow(&app, &editor).await;

    for path in ["echo", "b64"] {
        let mut b = block(
            id,
            &format!("http://{up_addr}/{path}?page={{{{var:PAGE}}}}"),
            &[("Authorization", "Bearer {{secret:TOKEN}}")],
            "",
        );
        b.query = vec![KeyValue {
            name: "t".into(),
            value: "{{secret:TOKEN}}".into(),
        }];
        assert_eq!(save(&app, &editor, &b).await.status(), 200);
        let res = run(&app, &editor, id).await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(text.contains("[REDACTED:TOKEN]"), "{text}");
        assert_no_canary(&text, CANARY);
        let result: RunResult = serde_json::from_str(&text).unwrap();
        assert_eq!(result.status, 200);
        if path == "echo" {
            let echoed: serde_json::Value = serde_json::from_str(&result.body).unwrap();
            assert_eq!(echoed["authorization"], "Bearer [REDACTED:TOKEN]");
            assert!(echoed["path"].as_str().unwrap().contains("page=2"));
            let header = result
                .headers
                .iter()
                .find(|(k, _)| k == "x-echo-auth")
                .unwrap();
            assert_eq!(header.1, "Bearer [REDACTED:TOKEN]");
        } else {
            assert_eq!(result.body, "b64=[REDACTED:TOKEN] url=[REDACTED:TOKEN]");
        }
    }
    // The upstream got the real value, in the header and the query.
    let hits = up.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].1["authorization"], format!("Bearer {CANARY}"));
    assert!(hits[0].0.contains("page=2"));

    // Used: counted, audited, dated.
    let page: varvault::model::VariablesPage = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    let t = page.variables.iter().find(|v| v.name == "TOKEN").unwrap();
    assert_eq!(t.usage_count, 1);
    assert_eq!(t.used_in[0].block, "Fetch tickets");
    assert_eq!(t.used_in[0].workflow_id, wf);
    assert!(t.last_used_at.is_some());
    let page: varvault::model::VariablesPage = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page.variables
            .iter()
            .find(|v| v.name == "PAGE")
            .unwrap()
            .usage_count,
        1
    );
    let used: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'secret.used'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(used, 2, "one per secret per run");
}

#[tokio::test]
async fn private_and_odd_addresses_are_refused_without_the_flag() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_app().await;
    app.setup_owner().await;
    token(&app, "masked", "").await;
    let (_, id) = workflow(&app, &app.client).await;
    let port = up_addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/echo"),
        format!("http://127.1:{port}/echo"),
        format!("http://0x7f000001:{port}/echo"),
        format!("http://2130706433:{port}/echo"),
        format!("http://localhost:{port}/echo"),
        format!("http://[::1]:{port}/echo"),
        format!("http://[::ffff:127.0.0.1]:{port}/echo"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.1.2.3/".to_string(),
        "http://[fd00:ec2::254]/".to_string(),
        "http://224.0.0.1/".to_string(),
        format!("ftp://127.0.0.1:{port}/"),
    ] {
        let b = block(
            id,
            &url,
            &[("Authorization", "Bearer {{secret:TOKEN}}")],
            "",
        );
        assert_eq!(save(&app, &app.client, &b).await.status(), 200, "{url}");
        let res = run(&app, &app.client, id).await;
        let (status, err) = app_error(res).await;
        assert_eq!(status, 400, "{url}");
        let msg = err.to_string();
        assert!(
            msg.contains("Refused") || msg.contains("http:// or https://"),
            "{url}: {msg}"
        );
        assert_no_canary(&msg, CANARY);
    }
    assert!(up.hits().is_empty(), "nothing reached the upstream");
}

#[tokio::test]
async fn a_redirect_is_shown_not_followed_and_other_hosts_never_get_the_secret() {
    let (up_addr, up) = start_upstream().await;
    let app = private_app().await;
    app.setup_owner().await;
    token(&app, "restricted", "127.0.0.1").await;
    let editor = app.member("ed@example.com", "editor").await;
    let (_, id) = workflow(&app, &editor).await;
    let port = up_addr.port();

    let to = format!("http://localhost:{port}/echo");
    let b = block(
        id,
        &format!("http://127.0.0.1:{port}/redirect?to={to}"),
        &[("Authorization", "{{secret:TOKEN}}")],
        "",
    );
    save(&app, &editor, &b).await;
    let result: RunResult = run(&app, &editor, id).await.json().await.unwrap();
    assert_eq!(result.status, 307);
    assert_eq!(up.hits().len(), 1, "the redirect target was not called");

    // Not an allowed host: refused before sending.
    let attempts = [
        format!("http://localhost:{port}/echo?t={{{{secret:TOKEN}}}}"),
        "http://{{var:HOST}}/echo?t={{secret:TOKEN}}".to_string(),
    ];
    create_ok(
        &app,
        &[
            ("kind", "plain"),
            ("name", "HOST"),
            ("value", &format!("localhost:{port}")),
        ],
    )
    .await;
    for url in attempts {
        let b = block(id, &url, &[], "");
        assert_eq!(save(&app, &editor, &b).await.status(), 200, "{url}");
        let (status, err) = app_error(run(&app, &editor, id).await).await;
        assert_eq!(status, 400);
        assert!(
            err.to_string()
                .contains("TOKEN may only be sent to 127.0.0.1"),
            "{err}"
        );
    }
    // The secret in the host, the user or the port is refused at save.
    for url in [
        format!("http://{{{{secret:TOKEN}}}}.127.0.0.1.nip.io:{port}/"),
        format!("http://{{{{secret:TOKEN}}}}@127.0.0.1:{port}/"),
        "http://127.0.0.1:{{secret:TOKEN}}/".to_string(),
    ] {
        let (status, err) = app_error(save(&app, &editor, &block(id, &url, &[], "")).await).await;
        assert_eq!(status, 400, "{url}");
        assert!(
            err.to_string()
                .contains("may not stand in the scheme, host or port"),
            "{err}"
        );
    }
    assert_eq!(up.hits().len(), 1, "still only the redirect");
}

#[tokio::test]
async fn a_slow_upstream_times_out() {
    let (up_addr, _up) = start_upstream().await;
    let app = private_app().await; // total timeout 2 s here, 30 s by default
    app.setup_owner().await;
    let (_, id) = workflow(&app, &app.client).await;
    save(
        &app,
        &app.client,
        &block(id, &format!("http://{up_addr}/slow"), &[], ""),
    )
    .await;
    let started = std::time::Instant::now();
    let (status, err) = app_error(run(&app, &app.client, id).await).await;
    // The upstream's trouble, not the block's: 502, an Upstream error.
    assert_eq!(status, 502);
    assert!(
        matches!(err, varvault::error::AppError::Upstream(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn fields_hold_one_secret_and_only_names_that_exist() {
    let app = private_app().await;
    app.setup_owner().await;
    token(&app, "masked", "").await;
    create_ok(
        &app,
        &[
            ("kind", "secret"),
            ("name", "OTHER"),
            ("value", "other-value"),
            ("visibility", "masked"),
        ],
    )
    .await;
    let (_, id) = workflow(&app, &app.client).await;
    let cases = [
        (
            block(
                id,
                "http://a.example/",
                &[("X", "{{secret:TOKEN}}{{secret:OTHER}}")],
                "",
            ),
            "Header value 1 holds 2 secrets",
        ),
        (
            block(id, "http://a.example/", &[], "{{secret:NOPE}}"),
            "Body: there is no secret named NOPE",
        ),
        (
            block(id, "http://a.example/", &[], "{{var:NOPE}}"),
            "Body: there is no variable named NOPE",
        ),
        (
            block(id, "http://a.example/", &[], "{{secret:TOKEN"),
            "Body: a placeholder is not closed",
        ),
        (
            block(id, "http://a.example/", &[("Bad Header", "x")], ""),
            "Header name 1 is not a valid header name",
        ),
    ];
    for (b, message) in cases {
        let (status, err) = app_error(save(&app, &app.client, &b).await).await;
        assert_eq!(status, 400);
        assert!(
            err.to_string().contains(message),
            "{err} should say {message}"
        );
    }
    // Typed by hand, in any case, it is accepted when the secret exists.
    let b = block(
        id,
        "http://a.example/",
        &[("Authorization", "Bearer {{secret:token}}")],
        "{{secret:OTHER}}",
    );
    assert_eq!(save(&app, &app.client, &b).await.status(), 200);
}

#[tokio::test]
async fn a_deleted_secret_leaves_the_block_missing_it_and_unable_to_run() {
    let (up_addr, up) = start_upstream().await;
    let app = private_app().await;
    app.setup_owner().await;
    token(&app, "masked", "").await;
    let (wf, id) = workflow(&app, &app.client).await;
    save(
        &app,
        &app.client,
        &block(
            id,
            &format!("http://{up_addr}/echo"),
            &[("Authorization", "{{secret:TOKEN}}")],
            "",
        ),
    )
    .await;
    let page: varvault::model::VariablesPage = app
        .call("list_variables", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    let t = page
        .variables
        .iter()
        .find(|v| v.name == "TOKEN")
        .unwrap()
        .id
        .to_string();
    assert_ok(
        app.call("delete_variable", &[("workspace", WORKSPACE), ("id", &t)])
            .await,
    )
    .await;

    let view: WorkflowView = app
        .call(
            "get_workflow",
            &[("workspace", WORKSPACE), ("id", &wf.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.blocks[0].missing, ["Missing secret TOKEN"]);
    let (status, err) = app_error(run(&app, &app.client, id).await).await;
    assert_eq!(status, 400);
    assert_eq!(err.to_string(), "Missing secret TOKEN");
    assert!(up.hits().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn the_picker_searches_secrets_only_with_a_limit() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for i in 0..60 {
        create_ok(
            &app,
            &[
                ("kind", "secret"),
                ("name", &format!("KEY_{i:02}")),
                ("value", "key-value"),
                ("visibility", "masked"),
            ],
        )
        .await;
    }
    create_ok(
        &app,
        &[("kind", "plain"), ("name", "KEY_PLAIN"), ("value", "v")],
    )
    .await;
    let options: Vec<varvault::model::SecretOption> = app
        .call(
            "search_secrets",
            &[("workspace", WORKSPACE), ("search", "key_")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(options.len(), 50);
    assert!(options.iter().all(|o| o.name != "KEY_PLAIN"));
    let options: Vec<varvault::model::SecretOption> = app
        .call(
            "search_secrets",
            &[("workspace", WORKSPACE), ("search", "y_5")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        options.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        [
            "KEY_50", "KEY_51", "KEY_52", "KEY_53", "KEY_54", "KEY_55", "KEY_56", "KEY_57",
            "KEY_58", "KEY_59"
        ]
    );
}

//! varvault is never its own upstream (SPEC §5). An editor builds blocks
//! that send a request to varvault with their own session cookie, so the
//! inner request would store a restricted value where they can read it
//! (POST /api/create_variable with `value={{secret:TOKEN}}`). Every way
//! there is refused: the listen address, a name resolving to it, the
//! public URL's host, another instance (the `Varvault-Outbound` mark),
//! and the connector's own check at connect time. Against a real server
//! process logging at trace level; no 6-byte piece of the canary may
//! appear in an answer, a row the editor reads, the audit log or the log.

use crate::scene::{refused, Scene};
use crate::support::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use varvault::model::{BlockInput, HttpMethod, KeyValue};
use varvault::server::infra::outbound::{self, Outbound, OwnAddresses, Refusal};

const SELF_CALL: &str = "A block cannot call varvault itself";

/// The form an inner create_variable would take: the secret as the value
/// of a plain variable the editor can list.
const LEAK_BODY: &str =
    "workspace=acme-support&kind=plain&name=LEAKED&value={{secret:TOKEN}}&description=x";

/// A free port on 127.0.0.1, for a server whose public URL must name it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The editor's session cookie (`varvault_session=…`), from a sign-in of
/// its own.
async fn editor_cookie(app: &TestApp) -> String {
    let res = new_client()
        .post(app.url("/api/login"))
        .header("origin", app.origin())
        .form(&[
            ("email", "eve@example.com"),
            ("password", "editor-password-1234"),
        ])
        .send()
        .await
        .unwrap();
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("varvault_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// Sets the secret's allowed hosts (as the owner) to `hosts`, so the
/// refusal cannot come from them.
async fn allow(s: &Scene, hosts: &str) {
    let id: i64 = sqlx::query_scalar("SELECT id FROM variables WHERE name = 'TOKEN'")
        .fetch_one(s.app.db.pool())
        .await
        .unwrap();
    let res = s
        .app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &id.to_string()),
                ("allowed_hosts", hosts),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

/// Whether any variable named LEAKED exists (an inner request that ran).
async fn leaked(s: &Scene) -> bool {
    let n: i64 = s
        .app
        .count("SELECT COUNT(*) FROM variables WHERE name = 'LEAKED'")
        .await;
    n > 0
}

/// The block that posts `body` with the editor's cookie (from a
/// variable, so the save accepts it), saved and then run.
async fn try_self_call(s: &mut Scene, url: &str, body: &str) -> (u16, String) {
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", "{{var:SESSION}}"),
    ];
    let (status, text) = s.save(url, &headers, body).await;
    assert_eq!(status, 200, "{url}: {text}");
    s.run().await
}

#[tokio::test]
async fn a_block_cannot_call_the_instance_it_runs_on() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let public = format!("http://localhost:{port}");
    let mut s = Scene::with_env(&[
        ("LEPTOS_SITE_ADDR", &addr),
        ("VARVAULT_PUBLIC_URL", &public),
    ])
    .await;
    assert_eq!(s.app.addr.port(), port);
    // Allowed hosts that match varvault's own: the refusal must not rest
    // on them.
    allow(&s, "127.0.0.1, localhost").await;
    let cookie = editor_cookie(&s.app).await;
    s.var("SESSION", &cookie).await;
    let g = s.good.port();
    // The listen address, a name that resolves to it, and the public
    // URL's host on any port, even one where varvault is not.
    for url in [
        format!("http://127.0.0.1:{port}/api/create_variable"),
        format!("http://localhost:{port}/api/create_variable"),
        format!("http://2130706433:{port}/api/create_variable"),
        format!("http://LOCALHOST.:{g}/echo"),
        "http://localhost/api/create_variable".to_string(),
    ] {
        let (status, text) = try_self_call(&mut s, &url, LEAK_BODY).await;
        refused(status, &text, &url);
        assert!(text.contains(SELF_CALL), "{url}: {text}");
    }
    // Without a secret (no allowed hosts to pass): other spellings of
    // the address, and a block that would run itself without end.
    for url in [
        format!("http://[::ffff:127.0.0.1]:{port}/api/create_variable"),
        format!("http://0.0.0.0:{port}/api/create_variable"),
        format!("http://127.0.0.1:{port}/api/run_block"),
    ] {
        let body = "workspace=acme-support&kind=plain&name=LEAKED&value=v&id=1";
        let (status, text) = try_self_call(&mut s, &url, body).await;
        refused(status, &text, &url);
        assert!(text.contains(SELF_CALL), "{url}: {text}");
    }

    assert!(!leaked(&s).await, "no inner request ran");
    assert!(s.good_up.hits().is_empty(), "nothing was sent");
    s.finish().await;
}

#[tokio::test]
async fn another_instance_refuses_what_varvault_sent() {
    let mut s = Scene::new().await;
    allow(&s, "127.0.0.1").await;
    let other = s.app.second_instance().await;
    // No cookie: an argument that does not decode was answered quoting
    // it, session or not.
    let url = format!("http://127.0.0.1:{}/api/create_variable", other.port());
    let body = "workspace=acme-support&kind={{secret:TOKEN}}&name=X&value=v";
    s.save(
        &url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body,
    )
    .await;
    let (status, text) = s.run().await;
    // It left (the other instance is not this one's address), and was
    // turned away on arrival, before routing or sessions.
    assert_eq!(status, 200, "{text}");
    let result: varvault::model::RunResult = serde_json::from_str(&text).unwrap();
    assert_eq!(result.status, 403, "{text}");
    assert!(result.body.contains("cannot reach varvault"), "{text}");
    // The REST API too.
    let url = format!("http://127.0.0.1:{}/api/v1/variables", other.port());
    s.save(&url, &[("Authorization", "Bearer {{secret:TOKEN}}")], "")
        .await;
    let (status, text) = s.run().await;
    assert_eq!(status, 200, "{text}");
    let result: varvault::model::RunResult = serde_json::from_str(&text).unwrap();
    assert_eq!(result.status, 403, "{text}");
    assert!(!leaked(&s).await, "no inner request ran");
    s.finish().await;
}

#[tokio::test]
async fn the_outbound_mark_is_refused_before_the_body_is_read() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for path in [
        "/healthz",
        "/login",
        "/api/v1/variables",
        "/api/login",
        "/nowhere",
    ] {
        let res = new_client()
            .post(app.url(path))
            .header(outbound::MARK, "1")
            .header("origin", app.origin())
            .form(&[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
        assert!(
            res.headers().get("set-cookie").is_none(),
            "{path}: no session"
        );
    }
    // A body announced but never sent: the answer comes at once.
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: {}\r\nVarvault-Outbound: 1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n",
        app.addr
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(5), tcp.read_exact(&mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 403");
}

#[tokio::test]
async fn the_connector_checks_the_peer_it_reached() {
    let (up_addr, up) = start_upstream_on([127, 0, 0, 1]).await;
    let url = format!("http://{up_addr}/echo");
    // The upstream's address plays varvault's listener: the request is
    // refused after connecting and before a byte is written, whatever the
    // earlier checks said (as after a DNS answer that changed).
    for own in [
        up_addr,
        SocketAddr::from(([0, 0, 0, 0], up_addr.port())),
        SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 0], up_addr.port())),
    ] {
        let client = Outbound::new(
            true,
            Duration::from_secs(5),
            OwnAddresses::new(None, vec![own]),
        );
        let err = client.client().get(&url).send().await.unwrap_err();
        assert_eq!(
            outbound::refusal_in(&err),
            Some(Refusal::SelfCall(outbound::SelfCall)),
            "{own}: {err:?}"
        );
    }
    // Private networks not allowed: refused at connect time too.
    let client = Outbound::new(false, Duration::from_secs(5), OwnAddresses::default());
    let err = client.client().get(&url).send().await.unwrap_err();
    assert!(outbound::refusal_in(&err).is_some(), "{err:?}");
    assert!(up.hits().is_empty(), "nothing was written");

    // Elsewhere it goes, carrying the mark.
    let client = Outbound::new(true, Duration::from_secs(5), OwnAddresses::default());
    let res = client.client().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(up.hits()[0].1[outbound::MARK], "1");
}

#[tokio::test]
async fn a_block_cannot_carry_the_mark_a_browser_header_or_a_credential() {
    let mut s = Scene::new().await;
    let g = s.good.port();
    let url = format!("http://127.0.0.1:{g}/echo");
    let cookie = editor_cookie(&s.app).await;
    let token = format!("vv_{}", "Q".repeat(43));
    let bad_names = [
        ("Varvault-Outbound", "0".to_string()),
        ("varvault-outbound", "{{secret:TOKEN}}".to_string()),
        ("Origin", format!("http://127.0.0.1:{g}")),
        ("Sec-Fetch-Site", "same-origin".to_string()),
        ("Sec-Fetch-Mode", "navigate".to_string()),
        ("Accept-Encoding", "gzip".to_string()),
        ("Range", "bytes=0-3".to_string()),
    ];
    for (name, value) in &bad_names {
        let headers = [
            ("Authorization", "{{secret:TOKEN}}"),
            (*name, value.as_str()),
        ];
        let (status, text) = s.save(&url, &headers, "").await;
        refused(status, &text, name);
        assert!(text.contains("Header name 2: "), "{name}: {text}");
        s.store(&url, &headers, "").await;
        let (status, text) = s.run().await;
        refused(status, &text, name);
    }
    // varvault's credentials, typed, or filled in from a variable.
    for value in [cookie.clone(), format!("Bearer {token}")] {
        let headers = [
            ("Authorization", "{{secret:TOKEN}}"),
            ("X-Pass", value.as_str()),
        ];
        let (status, text) = s.save(&url, &headers, "").await;
        refused(status, &text, &value);
        assert!(
            text.contains("Header value 2: A block cannot carry varvault's own credentials"),
            "{text}"
        );
        s.store(&url, &headers, "").await;
        let (status, text) = s.run().await;
        refused(status, &text, &value);
        s.var("CRED", &value).await;
        let headers = [
            ("Authorization", "{{secret:TOKEN}}"),
            ("Cookie", "{{var:CRED}}"),
        ];
        let (status, _) = s.save(&url, &headers, "").await;
        assert_eq!(status, 200, "a placeholder is checked when filled");
        let (status, text) = s.run().await;
        refused(status, &text, "a filled credential");
        assert!(
            text.contains("cannot carry varvault's own credentials"),
            "{text}"
        );
    }
    assert!(s.good_up.hits().is_empty(), "nothing was sent");
    s.finish().await;
}

#[tokio::test]
async fn errors_and_logs_never_quote_what_a_request_sent() {
    let s = Scene::new().await;
    let canary = s.canary.clone();
    // Server function arguments that do not decode: the field, never the
    // text (without a session: turned away before they are read).
    for (client, signed_in) in [(s.editor.clone(), true), (new_client(), false)] {
        for (field, form) in [
            (
                "kind",
                vec![("kind", canary.as_str()), ("name", "X"), ("value", "v")],
            ),
            (
                "visibility",
                vec![
                    ("kind", "secret"),
                    ("name", "X"),
                    ("value", "long-enough"),
                    ("visibility", canary.as_str()),
                ],
            ),
        ] {
            let mut args = vec![("workspace", WORKSPACE)];
            args.extend(form);
            let res = s.app.call_with(&client, "create_variable", &args).await;
            let text = res.text().await.unwrap();
            s.check(&text, "an argument that does not decode");
            let err: varvault::error::AppError = serde_json::from_str(&text).unwrap();
            if signed_in {
                assert_eq!(err.field(), Some(field), "{text}");
            } else {
                // Turned away before its arguments are read.
                assert_eq!(err, varvault::error::AppError::Unauthenticated);
            }
        }
    }
    let mut b = BlockInput {
        id: s.block_id,
        name: "x".into(),
        method: HttpMethod::Get,
        url: "http://example.com/".into(),
        query: vec![],
        headers: vec![KeyValue {
            name: "A".into(),
            value: "b".into(),
        }],
        body: String::new(),
    };
    b.name = canary.clone();
    let mut json = serde_json::json!({ "workspace": WORKSPACE, "block": b });
    json["block"]["method"] = serde_json::Value::String(canary.clone());
    json["block"]["id"] = serde_json::Value::String(canary.clone());
    let res = s
        .editor
        .post(s.app.url("/api/save_block"))
        .header("origin", s.app.origin())
        .json(&json)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    s.check(&res.text().await.unwrap(), "a block that does not decode");

    // Paths and queries: answered, and refused cross-origin, never logged.
    for path in [
        format!("/x/{canary}"),
        format!("/api/{canary}"),
        format!("/api/create_variable?q={canary}"),
        format!("/w/{canary}/variables"),
    ] {
        for origin in ["http://evil.example", s.app.origin().as_str()] {
            let res = s
                .editor
                .post(s.app.url(&path))
                .header("origin", origin)
                .send()
                .await
                .unwrap();
            let text = res.text().await.unwrap();
            s.check(&text, &path);
        }
        let res = s.editor.get(s.app.url(&path)).send().await.unwrap();
        s.check(&res.text().await.unwrap(), &path);
    }
    // A cookie with neither Origin nor Sec-Fetch-Site: no browser sent it.
    let res = s
        .editor
        .post(s.app.url("/api/create_variable"))
        .form(&[
            ("workspace", WORKSPACE),
            ("kind", "plain"),
            ("name", "NO_ORIGIN"),
            ("value", "v"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let n: i64 = s
        .app
        .count("SELECT COUNT(*) FROM variables WHERE name = 'NO_ORIGIN'")
        .await;
    assert_eq!(n, 0);
    let log = std::fs::read_to_string(&s.log).unwrap();
    assert!(log.contains("refused a cross-origin request"), "logged");
    assert!(log.contains("unmatched"), "logged by route");
    s.finish().await;
}

#[tokio::test]
async fn a_webhook_cannot_lead_to_varvault_either() {
    let app = spawn_private_app().await;
    app.setup_owner().await;
    for url in [app.url("/api/create_variable"), app.url("/healthz")] {
        let res = app
            .call(
                "set_webhook",
                &[("workspace", WORKSPACE), ("url", url.as_str())],
            )
            .await;
        let (status, err) = app_error(res).await;
        assert_eq!(status, 400, "{url}");
        assert_eq!(
            err.to_string(),
            "Webhook URL: it leads to varvault itself",
            "{url}"
        );
    }
}

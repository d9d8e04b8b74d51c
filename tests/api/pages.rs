use crate::helpers::{spawn_app, WORKSPACE};

fn location(res: &reqwest::Response) -> &str {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_setup_page_is_rendered_on_the_server_with_its_bundle() {
    let app = spawn_app().await;
    let res = app.get("/setup").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Create the owner account</h1>"), "{html}");
    // Its own bundle (the account forms), not another page's.
    assert!(
        html.contains("/pkg/varvault_forms.js"),
        "hydration script missing"
    );
    assert!(
        html.contains("/pkg/varvault_forms.wasm"),
        "wasm preload missing"
    );
    assert!(!html.contains("varvault_vars"), "another page's bundle");
    assert!(html.contains("/pkg/varvault.css"), "stylesheet missing");
    assert!(!html.contains("data-hydrated"), "live only once hydrated");
}

#[tokio::test]
async fn a_page_without_islands_loads_no_wasm_and_is_live_at_once() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let html = app
        .get(&format!("/w/{WORKSPACE}/audit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h1>Audit log</h1>"), "{html}");
    assert!(!html.contains(".wasm"), "{html}");
    assert!(!html.contains("type=\"module\""), "{html}");
    assert!(html.contains("<body data-hydrated"), "{html}");
    let html = app
        .get(&format!("/w/{WORKSPACE}/variables"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("/pkg/varvault_vars.wasm"), "{html}");
    assert!(!html.contains("varvault_flow"), "{html}");
}

#[tokio::test]
async fn root_leads_to_setup_then_to_login_then_to_the_workspace() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/setup");

    app.setup_owner().await;
    let stranger = crate::helpers::new_client();
    for path in ["/", "/setup", "/w/acme-support/variables", "/account"] {
        let res = app.page(&stranger, path).await;
        assert_eq!(res.status(), 302, "{path}");
        assert_eq!(location(&res), "/login", "{path}");
    }
    let res = app.get("/").await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), format!("/w/{WORKSPACE}/variables"));
    let res = app.get(&format!("/w/{WORKSPACE}/variables")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Variables"), "{html}");
    assert!(html.contains("Sign out"), "{html}");
}

#[tokio::test]
async fn a_workspace_of_someone_else_shows_no_data() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let res = app.get("/w/not-mine/members").await;
    let html = res.text().await.unwrap();
    assert!(
        html.contains("You don&#x27;t have access to this page")
            || html.contains("You don't have access to this page"),
        "{html}"
    );
}

#[tokio::test]
async fn an_unknown_path_gets_the_404_page() {
    let app = spawn_app().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"), "{html}");
}

/// Island props are serialised into the page: they hold names, metadata
/// and plain values, never a secret's value (masked or restricted), even
/// right after a reveal and with blocks that use both.
#[tokio::test]
async fn no_secret_value_is_in_a_page_or_its_island_props() {
    use crate::variables::{assert_no_canary, seed, MASKED_CANARY, RESTRICTED_CANARY};
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, _) = seed(&app).await;
    let res = app
        .call(
            "reveal_secret",
            &[("workspace", WORKSPACE), ("id", &masked.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let (workflow_id, block_id) = crate::api_block::workflow(&app, &app.client).await;
    let b = crate::api_block::block(
        block_id,
        "https://api.zendesk.com/v2?k={{secret:MASKED_TOKEN}}",
        &[("Authorization", "Bearer {{secret:ZENDESK_TOKEN}}")],
        "",
    );
    assert_eq!(
        crate::api_block::save(&app, &app.client, &b).await.status(),
        200
    );
    for path in [
        format!("/w/{WORKSPACE}/variables"),
        format!("/w/{WORKSPACE}/workflows"),
        format!("/w/{WORKSPACE}/workflows/{workflow_id}"),
        format!("/w/{WORKSPACE}/audit"),
    ] {
        let html = app.get(&path).await.text().await.unwrap();
        assert!(
            html.contains("data-props") || path.ends_with("audit"),
            "{path}"
        );
        for canary in [MASKED_CANARY, RESTRICTED_CANARY] {
            assert_no_canary(&html, canary);
        }
    }
}

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
    assert!(
        html.contains("/pkg/varvault.js"),
        "hydration script missing"
    );
    assert!(html.contains("/pkg/varvault.wasm"), "wasm preload missing");
    assert!(html.contains("/pkg/varvault.css"), "stylesheet missing");
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

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_home_page_is_rendered_on_the_server_with_its_bundle() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<h1>Variables &amp; secrets for your workflows</h1>"),
        "{html}"
    );
    assert!(
        html.contains("/pkg/varvault.js"),
        "hydration script missing"
    );
    assert!(html.contains("/pkg/varvault.wasm"), "wasm preload missing");
    assert!(html.contains("/pkg/varvault.css"), "stylesheet missing");
}

#[tokio::test]
async fn an_unknown_path_gets_the_404_page() {
    let app = spawn_app().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"), "{html}");
}

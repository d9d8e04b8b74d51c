use crate::support::*;

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
    let stranger = crate::support::new_client();
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
    let app = spawn_app().await;
    app.setup_owner().await;
    let (masked, _, _) = app.seed().await;
    let res = app
        .call(
            "reveal_secret",
            &[("workspace", WORKSPACE), ("id", &masked.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let (workflow_id, block_id) = app.workflow(&app.client).await;
    let b = block(
        block_id,
        "https://api.zendesk.com/v2?k={{secret:MASKED_TOKEN}}",
        &[("Authorization", "Bearer {{secret:ZENDESK_TOKEN}}")],
        "",
    );
    assert_eq!(app.save_block(&app.client, &b).await.status(), 200);
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

/// The CSP's nonce, and every `<script>` of the page with its nonce.
fn csp_nonce(res: &reqwest::Response) -> String {
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    for rule in [
        "script-src 'self' 'nonce-",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(rule), "{rule} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let start = csp.find("'nonce-").unwrap() + "'nonce-".len();
    csp[start..start + csp[start..].find('\'').unwrap()].to_string()
}

/// Every `<script>` of a page carries the nonce its CSP allows.
fn scripts_carry(html: &str, nonce: &str) {
    let want = format!("nonce=\"{nonce}\"");
    for tag in html.split("<script").skip(1) {
        let tag = &tag[..tag.find('>').unwrap()];
        assert!(
            tag.contains(&want),
            "a script without this answer's nonce: <script{tag}>"
        );
    }
}

#[tokio::test]
async fn pages_carry_a_fresh_csp_nonce_that_their_scripts_use() {
    let app = spawn_app().await;
    let first = app.get("/setup").await;
    assert_eq!(first.headers()["cache-control"], "no-store");
    let nonce = csp_nonce(&first);
    assert!(nonce.len() >= 16, "{nonce}");
    let html = first.text().await.unwrap();
    assert!(
        html.contains("<script"),
        "the hydration script is inline: {html}"
    );
    scripts_carry(&html, &nonce);
    let second = app.get("/setup").await;
    assert_ne!(csp_nonce(&second), nonce, "a nonce is used once");
    // Pages hold private data: no cache keeps any of them.
    app.setup_owner().await;
    for path in [
        format!("/w/{WORKSPACE}/variables"),
        format!("/w/{WORKSPACE}/members"),
        format!("/w/{WORKSPACE}/audit"),
        "/account".to_string(),
        "/no-such-page".to_string(),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        let nonce = csp_nonce(&res);
        scripts_carry(&res.text().await.unwrap(), &nonce);
    }
    assert!(first_hsts(&app).await.is_none(), "no HSTS over plain http");
}

async fn first_hsts(app: &crate::support::TestApp) -> Option<String> {
    app.get("/login")
        .await
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app =
        crate::support::spawn_app_with(|c| c.public_url = Some("https://vault.example.com".into()))
            .await;
    assert_eq!(first_hsts(&app).await.as_deref(), Some("max-age=31536000"));
}

/// The workflow list is server HTML: each row's "Rename" a plain form that
/// comes back to the list with a fixed notice, "Delete" an island of its
/// own with the row's id and name only.
#[tokio::test]
async fn the_workflow_list_renames_by_plain_form_and_deletes_by_island() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let (id, _) = app.workflow(&app.client).await;
    let list = format!("/w/{WORKSPACE}/workflows");
    let html = app.get(&list).await.text().await.unwrap();
    assert!(html.contains("Support sync"), "{html}");
    assert!(
        html.contains("aria-label=\"Rename Support sync\""),
        "{html}"
    );
    assert!(html.contains("action=\"/api/rename_workflow\""), "{html}");
    assert!(html.contains("data-component=\"DeleteWorkflow_"), "{html}");
    assert!(
        html.contains("varvault_workflows"),
        "the list's bundle: {html}"
    );
    let rename = |name: &'static str| {
        let app = &app;
        let id = id.to_string();
        async move {
            app.client
                .post(app.url("/api/rename_workflow"))
                .header("origin", app.origin())
                .header("accept", "text/html")
                .form(&[("workspace", WORKSPACE), ("id", &id), ("name", name)])
                .send()
                .await
                .unwrap()
        }
    };
    let res = rename("Zendesk sync").await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("{list}?renamed=1"));
    let html = app
        .get(&format!("{list}?renamed=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Workflow renamed.") && html.contains("Zendesk sync"),
        "{html}"
    );
    // An empty name is refused and changes nothing.
    let res = rename("").await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], format!("{list}?failed=invalid"));
    let html = app
        .get(&format!("{list}?failed=invalid"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("could not be renamed") && html.contains("Zendesk sync"),
        "{html}"
    );
}

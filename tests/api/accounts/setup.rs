//! First set-up: the owner made once, bad input refused, a token asked
//! for on a public address or behind a proxy.

use super::*;

#[tokio::test]
async fn setup_creates_the_owner_and_signs_them_in() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let res = app.call("get_session_info", &[]).await;
    assert_eq!(res.status(), 200);
    let info: varvault::model::SessionInfo = res.json().await.unwrap();
    assert_eq!(info.email, OWNER_EMAIL);
    assert_eq!(info.workspaces.len(), 1);
    assert_eq!(info.workspaces[0].slug, WORKSPACE);
    assert_eq!(info.workspaces[0].role, varvault::model::Role::Owner);
}

#[tokio::test]
async fn setup_refuses_bad_input_and_stores_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            "not-an-email",
            "Olive",
            "long-enough-password",
            "Acme",
            "valid email",
        ),
        (
            "o@example.com",
            "Olive",
            "short",
            "Acme",
            "at least 12 characters",
        ),
        (
            "o@example.com",
            " ",
            "long-enough-password",
            "Acme",
            "Name is required",
        ),
        (
            "o@example.com",
            "Olive",
            "long-enough-password",
            "",
            "Workspace name is required",
        ),
    ];
    for (email, name, password, workspace, message) in cases {
        let res = app
            .call(
                "setup_owner",
                &[
                    ("email", email),
                    ("name", name),
                    ("password", password),
                    ("workspace_name", workspace),
                ],
            )
            .await;
        let (status, err) = app_error(res).await;
        assert_eq!(status, 400);
        assert!(
            err.to_string().contains(message),
            "{err} should say {message}"
        );
    }
    assert_eq!(user_count(&app).await, 0);
    assert!(meta::get(app.db.pool(), meta::SETUP_DONE)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn setup_happens_once_even_when_two_race() {
    let app = spawn_app().await;
    let form = |email: &'static str| {
        [
            ("email", email),
            ("name", "Racer"),
            ("password", "racing-password-123"),
            ("workspace_name", "Race"),
        ]
    };
    let (client_a, client_b) = (new_client(), new_client());
    let (form_a, form_b) = (form("a@example.com"), form("b@example.com"));
    let (a, b) = tokio::join!(
        app.call_with(&client_a, "setup_owner", &form_a),
        app.call_with(&client_b, "setup_owner", &form_b),
    );
    let ok = [a.status(), b.status()]
        .iter()
        .filter(|s| s.is_success() || s.is_redirection())
        .count();
    assert_eq!(
        ok,
        1,
        "exactly one set-up wins: {} {}",
        a.status(),
        b.status()
    );
    assert_eq!(user_count(&app).await, 1);

    // And afterwards it is gone for good.
    let res = app
        .call_with(&new_client(), "setup_owner", &form("c@example.com"))
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert!(err.to_string().contains("already set up"), "{err}");
    assert_eq!(user_count(&app).await, 1);
}

#[tokio::test]
async fn setup_on_a_public_address_asks_for_the_logged_token() {
    let app = spawn_app_with(|c| c.site_addr = "0.0.0.0:0".parse().unwrap()).await;
    let res = app.call("get_landing", &[]).await;
    let landing: Landing = res.json().await.unwrap();
    assert_eq!(landing, Landing::Setup { needs_token: true });

    let token = meta::get(app.db.pool(), meta::SETUP_TOKEN)
        .await
        .unwrap()
        .expect("a token");
    let res = setup_with_token(&app, "wrong-token").await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert!(err.to_string().contains("setup token"), "{err}");
    assert_eq!(user_count(&app).await, 0);

    assert_ok(setup_with_token(&app, &token).await).await;
    assert_eq!(user_count(&app).await, 1);
    assert!(
        meta::get(app.db.pool(), meta::SETUP_TOKEN)
            .await
            .unwrap()
            .is_none(),
        "token consumed"
    );
}

#[tokio::test]
async fn setup_behind_a_proxy_asks_for_the_token_too() {
    // A loopback listener whose users come through a proxy at a public URL.
    let public = "https://vault.example.com";
    let app = spawn_app_with(|c| c.public_url = Some(public.to_string())).await;
    let post = |name: &str, form: &[(&str, &str)]| {
        new_client()
            .post(app.url(&format!("/api/{name}")))
            .header("origin", public)
            .form(form)
            .send()
    };
    let landing: Landing = post("get_landing", &[])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(landing, Landing::Setup { needs_token: true });
    let res = post(
        "setup_owner",
        &[
            ("email", "o@example.com"),
            ("name", "Olive"),
            ("password", "long-enough-password"),
            ("workspace_name", "Acme"),
        ],
    )
    .await
    .unwrap();
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert!(err.to_string().contains("setup token"), "{err}");
    assert_eq!(user_count(&app).await, 0);
}

async fn setup_with_token(app: &TestApp, token: &str) -> reqwest::Response {
    app.call(
        "setup_owner",
        &[
            ("email", "o@example.com"),
            ("name", "Olive"),
            ("password", "long-enough-password"),
            ("workspace_name", "Acme"),
            ("setup_token", token),
        ],
    )
    .await
}

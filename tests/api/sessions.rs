//! Sessions (SPEC §7): cookie flags, fixation, sign-out, revocation on
//! every instance, cross-origin refusal.

use crate::support::*;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};

/// The session cookie a response set, as `name=value`.
fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("varvault_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
}

fn set_cookie_header(res: &reqwest::Response) -> String {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("varvault_session="))
        .expect("a session cookie")
        .to_string()
}

async fn login_raw(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    app.call_with(
        client,
        "login",
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    )
    .await
}

/// Calls get_session_info with exactly this cookie, no jar.
async fn status_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/get_session_info"))
        .header(ORIGIN, app.origin())
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let res = login_raw(&app, &new_client()).await;
    let cookie = set_cookie_header(&res);
    assert!(cookie.starts_with("varvault_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
}

#[tokio::test]
async fn an_https_public_url_makes_the_cookie_secure() {
    let app = spawn_app_with(|c| c.public_url = Some("https://vault.example.com".into())).await;
    // A public URL that is not loopback: set-up asks for the logged token.
    let token = varvault::server::infra::db::meta::get(
        app.db.pool(),
        varvault::server::infra::db::meta::SETUP_TOKEN,
    )
    .await
    .unwrap()
    .expect("a setup token");
    let res = app
        .client
        .post(app.url("/api/setup_owner"))
        .header(ORIGIN, "https://vault.example.com")
        .form(&[
            ("email", OWNER_EMAIL),
            ("name", "Olive"),
            ("password", OWNER_PASSWORD),
            ("workspace_name", "Acme"),
            ("setup_token", &token),
        ])
        .send()
        .await
        .unwrap();
    let cookie = set_cookie_header(&res);
    assert!(cookie.starts_with("__Host-varvault_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let client = new_client();
    let first = session_cookie(&login_raw(&app, &client).await).expect("cookie");
    let second = session_cookie(&login_raw(&app, &client).await).expect("cookie");
    assert_ne!(first, second);
    assert_eq!(
        status_with_cookie(&app, &first).await,
        401,
        "the old id is dead"
    );
    assert_eq!(status_with_cookie(&app, &second).await, 200);
}

#[tokio::test]
async fn after_sign_out_the_old_id_is_useless() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let client = new_client();
    let cookie = session_cookie(&login_raw(&app, &client).await).expect("cookie");
    assert_eq!(status_with_cookie(&app, &cookie).await, 200);
    let res = app.call_with(&client, "logout", &[]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    assert_eq!(status_with_cookie(&app, &cookie).await, 401);
}

#[tokio::test]
async fn the_database_never_holds_the_session_id_itself() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let cookie = session_cookie(&login_raw(&app, &new_client()).await).unwrap();
    let id = cookie.split_once('=').unwrap().1;
    let stored: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|h| !h.contains(id)), "raw id stored");
}

#[tokio::test]
async fn a_removed_member_is_signed_out_at_once_on_every_instance() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let editor = app.member("ed@example.com", "editor").await;
    assert_eq!(
        app.call_with(&editor, "get_session_info", &[])
            .await
            .status(),
        200
    );

    // A second instance on the same database serves the same session.
    let other_addr = app.second_instance().await;
    let on_other = |client: &reqwest::Client| {
        client
            .post(format!("http://{other_addr}/api/get_session_info"))
            .header(ORIGIN, format!("http://{other_addr}"))
            .send()
    };
    assert_eq!(on_other(&editor).await.unwrap().status(), 200);

    let members: varvault::model::MembersPage = app
        .call("list_members", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    let ed = members
        .members
        .iter()
        .find(|m| m.email == "ed@example.com")
        .unwrap();
    let res = app
        .call(
            "remove_member",
            &[
                ("workspace", WORKSPACE),
                ("user_id", &ed.user_id.to_string()),
            ],
        )
        .await;
    assert_ok(res).await;

    assert_eq!(
        app.call_with(&editor, "get_session_info", &[])
            .await
            .status(),
        401
    );
    assert_eq!(on_other(&editor).await.unwrap().status(), 401);
}

#[tokio::test]
async fn changing_a_password_ends_the_other_sessions_only() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let here = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let elsewhere = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let res = app
        .call_with(
            &here,
            "change_password",
            &[
                ("current_password", "wrong-current-pw"),
                ("new_password", "brand-new-password-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400, "the current password is required");
    assert_eq!(
        app.call_with(&elsewhere, "get_session_info", &[])
            .await
            .status(),
        200
    );

    let res = app
        .call_with(
            &here,
            "change_password",
            &[
                ("current_password", OWNER_PASSWORD),
                ("new_password", "brand-new-password-1"),
            ],
        )
        .await;
    assert_ok(res).await;
    assert_eq!(
        app.call_with(&here, "get_session_info", &[]).await.status(),
        200
    );
    assert_eq!(
        app.call_with(&elsewhere, "get_session_info", &[])
            .await
            .status(),
        401
    );
    app.sign_in(OWNER_EMAIL, "brand-new-password-1").await;
    let old = app
        .call_with(
            &new_client(),
            "login",
            &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
        )
        .await;
    assert_eq!(old.status(), 400);
}

#[tokio::test]
async fn the_cli_resets_a_password_from_stdin_and_ends_every_session() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let app = spawn_app().await;
    app.setup_owner().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_varvault"))
        .args(["reset-password", "--email", OWNER_EMAIL])
        .env("VARVAULT_DATABASE_URL", app.db_url())
        .env("VARVAULT_MASTER_KEY_FILE", key_path(app.dir()))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "reset-by-operator-99").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(app.call("get_session_info", &[]).await.status(), 401);
    app.sign_in(OWNER_EMAIL, "reset-by-operator-99").await;
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let app = spawn_app().await;
    let form = [
        ("email", OWNER_EMAIL),
        ("name", "Mallory"),
        ("password", OWNER_PASSWORD),
        ("workspace_name", "Evil"),
    ];
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let res = app
            .client
            .post(app.url("/api/setup_owner"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{header}: {value}");
    }
    assert_eq!(
        varvault::server::infra::db::users::count(app.db.pool())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn guessing_the_current_password_is_slowed_down() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let guess = || {
        app.call(
            "change_password",
            &[
                ("current_password", "wrong-current-pw"),
                ("new_password", "brand-new-password-1"),
            ],
        )
    };
    for _ in 0..5 {
        assert_eq!(guess().await.status(), 400);
    }
    // Five recent failures: the next check waits its turn, about a second.
    let started = std::time::Instant::now();
    assert_eq!(guess().await.status(), 400);
    assert!(
        started.elapsed().as_millis() >= 900,
        "waited {:?}",
        started.elapsed()
    );
}

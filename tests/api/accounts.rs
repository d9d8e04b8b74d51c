//! Set-up, sign-in and workspaces (SPEC §7).

use crate::helpers::*;
use std::time::Instant;
use varvault::error::AppError;
use varvault::model::Landing;
use varvault::server::infra::db::{meta, users};

async fn user_count(app: &TestApp) -> i64 {
    users::count(app.db.pool()).await.unwrap()
}

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

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let client = new_client();
    let wrong = app
        .call_with(
            &client,
            "login",
            &[("email", OWNER_EMAIL), ("password", "not-the-password")],
        )
        .await;
    let unknown = app
        .call_with(
            &client,
            "login",
            &[
                ("email", "nobody@example.com"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(unknown.status(), wrong.status());
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(wrong, unknown);
    assert_eq!(
        serde_json::from_str::<AppError>(&wrong).unwrap(),
        AppError::rule("Invalid email or password")
    );
}

#[tokio::test]
async fn emails_sign_in_case_insensitively() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.sign_in("  Owner@Example.COM ", OWNER_PASSWORD).await;
}

#[tokio::test]
async fn repeated_failures_slow_sign_in_down() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let client = new_client();
    let attempt = || {
        app.call_with(
            &client,
            "login",
            &[("email", OWNER_EMAIL), ("password", "guess-guess-guess")],
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt().await.status(), 400);
    }
    // Five recent failures: the sixth attempt waits about a second.
    let started = Instant::now();
    let res = attempt().await;
    assert_eq!(res.status(), 400);
    assert!(
        started.elapsed().as_millis() >= 900,
        "waited {:?}",
        started.elapsed()
    );
    // The right password still works, and it resets the account's streak.
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
}

async fn failed_sign_ins_audited(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sign_in_failed'")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn parallel_guesses_are_counted_as_they_start() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let guess = |client: reqwest::Client| {
        let app = &app;
        async move {
            let res = app
                .call_with(
                    &client,
                    "login",
                    &[("email", OWNER_EMAIL), ("password", "guess-guess-guess")],
                )
                .await;
            app_error(res).await
        }
    };
    // 100 wrong guesses at once against a fresh account.
    let answers = futures::future::join_all((0..100).map(|_| guess(new_client()))).await;
    let mut refused = 0;
    for (status, err) in answers {
        assert_eq!(status, 400);
        if err == AppError::rule(varvault::server::rules::accounts::TOO_MANY_ATTEMPTS) {
            refused += 1;
        } else {
            assert_eq!(err, AppError::rule("Invalid email or password"));
        }
    }
    // Turns are 0, 0, 0, then 250, 500, 1000, 2000 ms apart, none more
    // than 5 s ahead: 7 checks, the rest refused without a hash.
    let checked = failed_sign_ins_audited(&app).await;
    assert!(
        (1..=7).contains(&checked),
        "{checked} of 100 parallel guesses were checked; the schedule allows 7"
    );
    assert_eq!(refused, 100 - checked);
    // The owner is held up by seconds at most (from a browser without a
    // device cookie, once the turns have passed).
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
}

/// A sign-in that waited for the database (a busy writer queue, a full
/// pool) behind attempts that began later is still no guess: with no
/// failures counted it is never refused, however late its turn.
#[tokio::test]
async fn a_sign_in_held_up_by_a_busy_database_is_not_refused() {
    use varvault::server::rules::accounts::throttle;
    let app = spawn_app().await;
    app.setup_owner().await;
    let address = throttle::key("address", "127.0.0.1");
    let started = varvault::server::infra::db::now_ms();
    // Another attempt, begun 5.5 s after ours, took its turn first; the
    // database stays busy until then.
    let mut tx = app.db.begin_write().await.unwrap();
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, last_failure_at, next_allowed_at) \
         VALUES ($1, 0, 0, $2) ON CONFLICT (key) DO UPDATE SET next_allowed_at = $2",
    )
    .bind(&address)
    .bind(started + 5_500)
    .execute(&mut *tx)
    .await
    .unwrap();
    let sign_in = tokio::spawn({
        let (url, origin) = (app.url("/api/login"), app.origin());
        async move {
            new_client()
                .post(url)
                .header("origin", origin)
                .form(&[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)])
                .send()
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(5_500)).await;
    tx.commit().await.unwrap();
    let res = sign_in.await.unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

/// A sign-in that succeeds clears its account's row; another attempt of
/// the same account taking its turn at that moment finds no row. On
/// PostgreSQL the two run at once: the turn must be taken in one
/// statement that makes the row when it is missing, or that attempt reads
/// as refused (found by CI: a correct sign-in refused under load).
#[tokio::test]
async fn a_turn_is_taken_even_when_the_row_was_just_cleared() {
    use varvault::server::infra::db::throttle;
    let app = spawn_app().await;
    let key = varvault::server::rules::accounts::throttle::key("account", "gone@example.com");
    let now = varvault::server::infra::db::now_ms();
    let turn = throttle::reserve(app.db.pool(), &key, now, now - 1000, &[0, 0, 0, 250], 5000)
        .await
        .unwrap();
    assert_eq!(
        turn,
        Some(now),
        "a missing row is a first turn, not a refusal"
    );
    let mut tx = app.db.begin_write().await.unwrap();
    throttle::clear(&mut *tx, &key).await.unwrap();
    tx.commit().await.unwrap();
    let turn = throttle::reserve(
        app.db.pool(),
        &key,
        now + 1,
        now - 1000,
        &[0, 0, 0, 250],
        5000,
    )
    .await
    .unwrap();
    assert_eq!(turn, Some(now + 1));
    // Every attempt counts as it takes its turn: two more are free, then
    // the slow-down applies.
    for _ in 0..2 {
        let turn = throttle::reserve(
            app.db.pool(),
            &key,
            now + 2,
            now - 1000,
            &[0, 0, 0, 250],
            5000,
        )
        .await
        .unwrap();
        assert_eq!(turn, Some(now + 2));
    }
    let turn = throttle::reserve(
        app.db.pool(),
        &key,
        now + 2,
        now - 1000,
        &[0, 0, 0, 250],
        5000,
    )
    .await
    .unwrap();
    assert_eq!(turn, Some(now + 2 + 250));
}

#[tokio::test]
async fn an_overlong_email_is_refused_before_anything_is_written() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let long = format!("{}@example.com", "a".repeat(300));
    let res = app
        .call_with(
            &new_client(),
            "login",
            &[("email", &long), ("password", "guess-guess-guess")],
        )
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert_eq!(
        err,
        AppError::invalid("email", "An email address has at most 254 characters")
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_throttle")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing is stored for an overlong email");
}

#[tokio::test]
async fn throttle_keys_are_stored_as_hashes() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let res = app
        .call_with(
            &new_client(),
            "login",
            &[("email", OWNER_EMAIL), ("password", "guess-guess-guess")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM login_throttle")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for key in keys {
        assert_eq!(key.len(), 64, "{key}");
        assert!(
            !key.contains("example") && !key.contains("127.0.0.1"),
            "{key}"
        );
    }
}

#[tokio::test]
async fn public_endpoints_take_small_bodies_only() {
    let app = spawn_app().await;
    let big = "x".repeat(20 * 1024);
    for name in ["login", "setup_owner"] {
        let res = app
            .call_with(
                &new_client(),
                name,
                &[("email", big.as_str()), ("password", "p")],
            )
            .await;
        assert_eq!(res.status(), 413, "{name}");
    }
    assert_eq!(user_count(&app).await, 0);
}

#[tokio::test]
async fn an_owner_creates_workspaces_with_unique_slugs() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let res = app
        .call("create_workspace", &[("name", "Acme Support")])
        .await;
    assert_ok(res).await;
    let res = app
        .call("create_workspace", &[("name", "Acme Support")])
        .await;
    assert_ok(res).await;
    let info: varvault::model::SessionInfo = app
        .call("get_session_info", &[])
        .await
        .json()
        .await
        .unwrap();
    let mut slugs: Vec<_> = info.workspaces.iter().map(|w| w.slug.as_str()).collect();
    slugs.sort();
    assert_eq!(slugs, ["acme-support", "acme-support-2", "acme-support-3"]);
}

#[tokio::test]
async fn only_owners_create_workspaces() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let editor = app.member("ed@example.com", "editor").await;
    let res = app
        .call_with(&editor, "create_workspace", &[("name", "Mine")])
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!((status.as_u16(), err), (403, AppError::Forbidden));
}

#[tokio::test]
async fn the_cli_creates_users_with_the_password_from_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let app = spawn_app().await;
    app.setup_owner().await;
    let run = |args: &[&str], password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_varvault"))
            .args(args)
            .env("VARVAULT_DATABASE_URL", app.db_url())
            .env(
                "VARVAULT_MASTER_KEY_FILE",
                app.dir().join("data/master.key"),
            )
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        &[
            "create-user",
            "--email",
            "cli@example.com",
            "--name",
            "Cli User",
            "--workspace",
            WORKSPACE,
            "--role",
            "admin",
        ],
        "cli-user-password-1",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let client = app.sign_in("cli@example.com", "cli-user-password-1").await;
    let page: varvault::model::MembersPage = app
        .call_with(&client, "list_members", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.your_role, varvault::model::Role::Admin);

    // A name that is not a slug makes a new workspace the user owns.
    let out = run(
        &[
            "create-user",
            "--email",
            "solo@example.com",
            "--name",
            "Solo",
            "--workspace",
            "Solo Team",
        ],
        "solo-password-123",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("solo-team"));

    // Refusals are clear and store nothing.
    let out = run(
        &[
            "create-user",
            "--email",
            "cli@example.com",
            "--name",
            "Again",
        ],
        "another-password-1",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let out = run(
        &[
            "create-user",
            "--email",
            "short@example.com",
            "--name",
            "Short",
        ],
        "short",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
    assert!(users::find_by_email(
        app.db.pool(),
        &varvault::model::Email::parse("short@example.com").unwrap()
    )
    .await
    .unwrap()
    .is_none());
}

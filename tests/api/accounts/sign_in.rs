//! Sign-in: one answer for every failure, and the throttle that slows
//! guessing without refusing a busy but honest user.

use super::*;

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
    app.audited("auth.sign_in_failed").await
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
    let rows: i64 = app.count("SELECT COUNT(*) FROM login_throttle").await;
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

//! An oracle upstream: guessing a character at a time, and the cap on a
//! workspace's secret bytes.

use super::*;

#[tokio::test]
async fn guessing_one_character_at_a_time_is_one_loud_rate_limited_bit() {
    // A segment mixing in a symbol: its windows are 8 characters.
    let value = format!(
        "Xk9{}Qz7Lm2Pw4Ty8",
        ['!', '$', '*'][rand::thread_rng().gen_range(0..3)]
    );
    let suite = Suite::new(vec![value.clone()]).await;
    let oracle = start_oracle().await;
    let url = |piece: &str| format!("http://{oracle}/oracle?piece={piece}");
    // A wrong piece: the answer is shown (that is the one bit).
    let r = suite.run_at(&url("Zz9Zz9Z")).await.unwrap();
    assert_eq!(outcome(&r), "shown");
    assert!(r.body.contains("Zz9Zz9ZA"));
    // Right pieces whose next character is among the 62: withheld, and
    // each answer the same note whichever extension was right.
    let pieces: Vec<String> = (4..value.len() - 7)
        .map(|i| value[i..i + 7].to_string())
        .filter(|p| !p.contains(['!', '$', '*']))
        .take(3)
        .collect();
    assert_eq!(pieces.len(), 3, "{value}");
    let mut answers = Vec::new();
    for piece in &pieces {
        let r = suite.run_at(&url(piece)).await.unwrap();
        assert_eq!(outcome(&r), "withheld", "{piece}");
        answers.push((r.status, r.headers, r.body, r.notes));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(
        answers[0].3,
        ["The response was withheld: it contained part of CANARY_0"]
    );
    // The fourth run in a day is refused, before anything is sent.
    let err = suite.run_at(&url("Zz9Zz9Z")).await.unwrap_err();
    assert!(
        err.contains("Runs are paused after 3 withheld responses"),
        "{err}"
    );
    let entries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'response.withheld' \
         AND actor_email = 'eve@example.com' AND target_name = 'CANARY_0'",
    )
    .fetch_one(suite.s.app.db.pool())
    .await
    .unwrap();
    assert_eq!(entries, 3);
    // The members page says so, and an owner resumes the runs there.
    let page = suite
        .s
        .app
        .get(&format!("/w/{WORKSPACE}/members"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Runs paused") && page.contains("Resume runs of Test editor"),
        "members page"
    );
    suite.resume().await;
    assert_eq!(
        outcome(&suite.run_at(&url("Zz9Zz9Z")).await.unwrap()),
        "shown"
    );
    let resumed: i64 = suite.s.app.audited("runs.resumed").await;
    assert_eq!(resumed, 1);
    // An editor cannot resume anyone's runs.
    let res = suite
        .s
        .app
        .call_with(
            &suite.s.editor,
            "resume_runs",
            &[("workspace", WORKSPACE), ("user_id", "1")],
        )
        .await;
    assert_eq!(res.status(), 403);
    suite.finish().await;
}

#[tokio::test]
async fn a_workspaces_secrets_hold_at_most_two_mib_of_values() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let big = "v".repeat(64 * 1024);
    for i in 0..32 {
        app.create_ok(&[
            ("kind", "secret"),
            ("name", &format!("BIG_{i}")),
            ("value", &big),
            ("visibility", "masked"),
        ])
        .await;
    }
    let res = app
        .create_variable(
            &app.client,
            &[
                ("kind", "secret"),
                ("name", "ONE_MORE"),
                ("value", "12345678"),
                ("visibility", "masked"),
            ],
        )
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert_eq!(err.field(), Some("value"));
    assert!(err.to_string().contains("at most 2 MiB"), "{err}");
    let n: i64 = app
        .count("SELECT COUNT(*) FROM variables WHERE name = 'ONE_MORE'")
        .await;
    assert_eq!(n, 0, "nothing stored");
    // Plain variables do not count.
    app.create_ok(&[("kind", "plain"), ("name", "PLAIN"), ("value", &big)])
        .await;
}

//! Every request's work is bounded (issue 23): a block's filled fields
//! stop at their caps, each name is looked up once, and runs in flight are
//! capped per member and per instance.

use crate::support::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_template_cannot_amplify_into_gigabytes() {
    let (up, hits) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    let big = "x".repeat(64 * 1024);
    app.create_ok(&[("kind", "plain"), ("name", "BIG"), ("value", &big)])
        .await;
    let (_, id) = app.workflow(&app.client).await;
    // A 1 MiB body of references to a 64 KiB variable: 7.6 GB filled.
    let body = "{{var:BIG}}".repeat(1024 * 1024 / 11);
    let b = block(id, &format!("http://{up}/echo"), &[], &body);
    let started = Instant::now();
    let res = app.save_block(&app.client, &b).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let (status, err) = app_error(app.run_block(&app.client, id).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        err.to_string(),
        "Body: once filled in, it is larger than 1024 KiB"
    );
    // Headers and the URL with its query rows have caps of their own.
    let mut b = block(
        id,
        &format!("http://{up}/echo"),
        &[("X-Big", "{{var:BIG}}")],
        "",
    );
    let res = app.save_block(&app.client, &b).await;
    assert_eq!(res.status(), 200);
    let (_, err) = app_error(app.run_block(&app.client, id).await).await;
    assert_eq!(
        err.to_string(),
        "Header value 1: once filled in, it is larger than 8 KiB"
    );
    b.headers.clear();
    b.query = vec![varvault::model::KeyValue {
        name: "q".into(),
        value: "{{var:BIG}}".into(),
    }];
    app.save_block(&app.client, &b).await;
    let (_, err) = app_error(app.run_block(&app.client, id).await).await;
    assert!(err.to_string().contains("larger than 8 KiB"), "{err}");
    assert!(hits.hits().is_empty(), "nothing was sent");
    // No gigabytes were built: well within the time one copy takes.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn runs_in_flight_are_capped_per_member_and_per_instance() {
    let (up, _hits) = start_upstream().await;
    let app = spawn_app_with(|c| {
        c.allow_private_networks = true;
        c.outbound_timeout = Duration::from_secs(3);
        c.max_runs_per_caller = 2;
        c.max_runs = 3;
    })
    .await;
    app.setup_owner().await;
    let editor = app.member("ed@example.com", "editor").await;
    let other = app.member("ann@example.com", "editor").await;
    let (_, id) = app.workflow(&editor).await;
    // The upstream answers after 20 s: each run holds its slot for 3 s.
    let b = block(id, &format!("http://{up}/slow"), &[], "");
    assert_eq!(app.save_block(&editor, &b).await.status(), 200);

    let runs = futures::future::join_all((0..3).map(|i| {
        let (app, editor) = (&app, &editor);
        async move {
            tokio::time::sleep(Duration::from_millis(200 * i)).await;
            app.run_block(editor, id).await
        }
    }));
    let others = async {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let second = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            app.run_block(&other, id).await
        };
        tokio::join!(app.run_block(&other, id), second)
    };
    let (mine, (first, second)) = tokio::join!(runs, others);
    // Two of the editor's run (and time out); the third is turned away.
    let statuses: Vec<u16> = mine.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 503).count(),
        1,
        "{statuses:?}"
    );
    let busy = mine.into_iter().find(|r| r.status() == 503).unwrap();
    assert_eq!(busy.headers()["retry-after"], "2");
    let (_, err) = app_error(busy).await;
    assert_eq!(
        err.to_string(),
        "Too many requests in flight; try again shortly"
    );
    // Another member gets the instance's third slot, not a fourth.
    assert_eq!(first.status(), 502, "timed out upstream");
    assert_eq!(second.status(), 503, "the instance's bound");
    // Once they end, runs go again.
    let res = app.run_block(&editor, id).await;
    assert_eq!(res.status(), 502);
}

//! Expiry reminders (issue 15) against a real webhook server on 127.0.0.1:
//! one message per secret and threshold (14, 3, 0 days), claimed once even
//! when two passes race, never a value, retried with backoff, refused for
//! private addresses like any API block. Time is passed in, not slept.

use crate::support::*;
use axum::routing::post;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use varvault::error::AppError;
use varvault::model::{Day, NotificationSettings, WebhookRefusal};
use varvault::server::infra::crypto::{master, Keyring, MasterKeySource};
use varvault::server::rules::reminders::{self, TickReport};

const DAY_MS: i64 = 86_400_000;
const HOOK_TOKEN: &str = "hook-token-canary-51ab";

fn keyring(app: &TestApp) -> Keyring {
    Keyring::new(master::load(&MasterKeySource::File(key_path(app.dir()))).unwrap())
}

async fn tick(app: &TestApp, allow_private: bool, now: i64) -> TickReport {
    use varvault::server::infra::outbound::{Outbound, OwnAddresses};
    let outbound = Outbound::new(
        allow_private,
        std::time::Duration::from_secs(5),
        OwnAddresses::default(),
    );
    reminders::tick(&app.db, &keyring(app), &outbound, now)
        .await
        .unwrap()
}

async fn set_webhook(app: &TestApp, client: &reqwest::Client, url: &str) -> reqwest::Response {
    app.call_with(
        client,
        "set_webhook",
        &[("workspace", WORKSPACE), ("url", url)],
    )
    .await
}

async fn settings(app: &TestApp) -> NotificationSettings {
    let res = app
        .call("get_notification_settings", &[("workspace", WORKSPACE)])
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn secret_expiring(app: &TestApp, name: &str, value: &str, expires: Day) {
    let today = Day::of_ms(varvault::server::infra::db::now_ms());
    app.create_ok(&[
        ("kind", "secret"),
        ("name", name),
        ("value", value),
        ("visibility", "masked"),
        ("expires_on", &expires.max(today).to_iso()),
    ])
    .await;
    // A past date cannot be set: time passes behind the app's back.
    if expires < today {
        sqlx::query("UPDATE variables SET expires_on = $1 WHERE name = $2")
            .bind(expires.to_iso())
            .bind(name)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
}

/// A webhook that answers 500 to its first `failures` requests, then 200.
async fn flaky_webhook(failures: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/{*path}",
        post(move || {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) < failures {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, hits)
}

#[tokio::test]
async fn each_threshold_is_sent_once_even_when_passes_race_and_never_a_value() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    let url = format!("http://{up_addr}/echo?t={HOOK_TOKEN}");
    let res = set_webhook(&app, &app.client, &url).await;
    assert_eq!(res.status(), 200);
    let answer = res.text().await.unwrap();
    assert_eq!(answer, "\"127.0.0.1\"", "only the host comes back");

    let now = varvault::server::infra::db::now_ms();
    let today = Day::of_ms(now);
    let day = |n: i64| Day(today.0 + n);
    secret_expiring(&app, "IN_14", "value-canary-in-14", day(14)).await;
    secret_expiring(&app, "IN_3", "value-canary-in-3", day(3)).await;
    secret_expiring(&app, "TODAY", "value-canary-today", day(0)).await;
    secret_expiring(&app, "IN_20", "value-canary-in-20", day(20)).await;
    secret_expiring(&app, "LONG_GONE", "value-canary-gone", day(-5)).await;

    let report = tick(&app, true, now).await;
    assert_eq!((report.claimed, report.sent, report.failed), (4, 4, 0));
    assert_eq!(tick(&app, true, now + 60_000).await, TickReport::default());
    let hits = up.hits();
    assert_eq!(hits.len(), 4);
    let bodies: Vec<serde_json::Value> = hits
        .iter()
        .map(|(path, _, body)| {
            assert!(path.ends_with(HOOK_TOKEN), "{path}");
            serde_json::from_str(body).unwrap()
        })
        .collect();
    let mut told: Vec<(String, i64)> = bodies
        .iter()
        .map(|b| {
            (
                b["secret"].as_str().unwrap().to_string(),
                b["days_left"].as_i64().unwrap(),
            )
        })
        .collect();
    told.sort();
    assert_eq!(
        told,
        [
            ("IN_14".to_string(), 14),
            ("IN_3".to_string(), 3),
            ("LONG_GONE".to_string(), -5),
            ("TODAY".to_string(), 0)
        ]
    );
    let in_3 = bodies.iter().find(|b| b["secret"] == "IN_3").unwrap();
    assert_eq!(
        in_3["text"],
        format!(
            "varvault: the secret IN_3 in workspace {WORKSPACE} expires in 3 days ({}). \
             Set a new value before it stops working.",
            day(3).to_iso()
        )
    );
    for (_, _, body) in &hits {
        for canary in [
            "value-canary-in-14",
            "value-canary-in-3",
            "value-canary-today",
        ] {
            assert_no_canary(body, canary);
        }
    }

    // A rotated workspace key: the webhook still opens.
    let out = app.cli(&["rotate-workspace-key", WORKSPACE], &[]);
    assert!(out.status.success(), "{}", text(&out));

    // Eleven days on, IN_14 reaches its 3-day reminder, IN_3 its last and
    // IN_20 its first.
    let report = tick(&app, true, now + 11 * DAY_MS).await;
    assert_eq!((report.claimed, report.sent), (3, 3));
    // Three more days: two passes race for IN_14's last reminder.
    let later = now + 14 * DAY_MS;
    let (a, b) = tokio::join!(tick(&app, true, later), tick(&app, true, later));
    assert_eq!(a.claimed + b.claimed, 1, "{a:?} {b:?}");
    assert_eq!(a.sent + b.sent, 1);
    assert_eq!(up.hits().len(), 8);

    // The page lists them, with the webhook's host and never its URL.
    let s = settings(&app).await;
    assert_eq!(s.webhook_host.as_deref(), Some("127.0.0.1"));
    assert_eq!(s.deliveries.len(), 8);
    assert!(s.deliveries.iter().all(|d| d.sent_at.is_some()));
    let html = app
        .get(&format!("/w/{WORKSPACE}/settings"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("127.0.0.1") && html.contains("3 days before"),
        "{html}"
    );
    assert!(!html.contains(HOOK_TOKEN));
    let stored = app.stored_bytes().await;
    assert!(stored.contains("IN_14"), "the scan sees the data");
    assert!(
        !stored.contains(HOOK_TOKEN),
        "the webhook URL is stored sealed"
    );
    let audit = app
        .get(&format!("/w/{WORKSPACE}/audit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("Notification webhook set") && !audit.contains(HOOK_TOKEN));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_later_and_given_up_after_five_tries() {
    let (flaky, flaky_hits) = flaky_webhook(1).await;
    let (down, down_hits) = flaky_webhook(usize::MAX).await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    assert_eq!(
        set_webhook(&app, &app.client, &format!("http://{flaky}/hook"))
            .await
            .status(),
        200
    );
    let now = varvault::server::infra::db::now_ms();
    secret_expiring(
        &app,
        "TOKEN",
        "a-value-12345678",
        Day(Day::of_ms(now).0 + 3),
    )
    .await;

    let report = tick(&app, true, now).await;
    assert_eq!((report.sent, report.failed), (0, 1));
    let d = settings(&app).await.deliveries.remove(0);
    assert_eq!(d.attempts, 1);
    assert_eq!(
        d.last_error.as_deref(),
        Some("the webhook answered HTTP 500")
    );
    assert_eq!(d.next_attempt_at, Some(now + 60_000));
    // Not before its time; then once.
    assert_eq!(tick(&app, true, now + 30_000).await, TickReport::default());
    assert_eq!(flaky_hits.load(Ordering::SeqCst), 1);
    let report = tick(&app, true, now + 61_000).await;
    assert_eq!(report.sent, 1);
    assert_eq!(flaky_hits.load(Ordering::SeqCst), 2);
    assert!(settings(&app).await.deliveries[0].sent_at.is_some());

    // A webhook that never works: five tries, 1, 4, 16 and 64 min apart.
    assert_eq!(
        set_webhook(&app, &app.client, &format!("http://{down}/hook"))
            .await
            .status(),
        200
    );
    secret_expiring(&app, "OTHER", "b-value-12345678", Day(Day::of_ms(now).0)).await;
    let mut at = now;
    for wait in [0, 1, 4, 16, 64, 256] {
        at += wait * 60_000;
        tick(&app, true, at).await;
    }
    assert_eq!(down_hits.load(Ordering::SeqCst), 5);
    let d = settings(&app).await;
    let other = d.deliveries.iter().find(|d| d.secret == "OTHER").unwrap();
    assert_eq!((other.attempts, other.next_attempt_at), (5, None));
    let html = app
        .get(&format!("/w/{WORKSPACE}/settings"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Gave up after 5 tries: the webhook answered HTTP 500"),
        "{html}"
    );
}

#[tokio::test]
async fn webhooks_follow_the_api_block_rules_and_only_admins_set_them() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for (url, refusal) in [
        ("https://127.0.0.1/hook", WebhookRefusal::Private),
        ("https://localhost/hook", WebhookRefusal::Private),
        ("https://[::1]/hook", WebhookRefusal::Private),
        ("https://10.1.2.3/hook", WebhookRefusal::Private),
        ("http://hooks.example.com/hook", WebhookRefusal::NotHttps),
        ("hooks.example.com", WebhookRefusal::NotAUrl),
        (
            "https://u:p@hooks.example.com/x",
            WebhookRefusal::HasCredentials,
        ),
    ] {
        let (status, err) = app_error(set_webhook(&app, &app.client, url).await).await;
        assert_eq!(status, 400, "{url}");
        assert_eq!(err, AppError::invalid("url", refusal.message()), "{url}");
    }
    assert_eq!(
        settings(&app).await.webhook_host,
        None,
        "nothing was stored"
    );
    // A plain form comes back to the page with the rule's code.
    let res = app
        .client
        .post(app.url("/api/set_webhook"))
        .header("origin", app.origin())
        .header("accept", "text/html")
        .form(&[("workspace", WORKSPACE), ("url", "https://127.0.0.1/x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        format!("/w/{WORKSPACE}/settings?failed=private")
    );
    let html = app
        .get(&format!("/w/{WORKSPACE}/settings?failed=private"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(WebhookRefusal::Private.message()));

    let editor = app.member("ed@example.com", "editor").await;
    let (status, err) =
        app_error(set_webhook(&app, &editor, "https://hooks.example.com/x").await).await;
    assert_eq!((status.as_u16(), err), (403, AppError::Forbidden));
    let res = app
        .call_with(
            &editor,
            "get_notification_settings",
            &[("workspace", WORKSPACE)],
        )
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_webhook_that_became_private_is_refused_at_delivery() {
    let (up_addr, up) = start_upstream().await;
    let app = spawn_private_app().await;
    app.setup_owner().await;
    let url = format!("http://{up_addr}/echo");
    assert_eq!(set_webhook(&app, &app.client, &url).await.status(), 200);
    let now = varvault::server::infra::db::now_ms();
    secret_expiring(&app, "TOKEN", "a-value-12345678", Day::of_ms(now)).await;
    // The same database served without private networks: nothing goes out.
    let report = tick(&app, false, now).await;
    assert_eq!((report.sent, report.failed), (0, 1));
    assert!(up.hits().is_empty());
    let d = settings(&app).await.deliveries.remove(0);
    assert!(
        d.last_error
            .as_deref()
            .unwrap()
            .starts_with("Webhook URL: its host is a private"),
        "{d:?}"
    );
}

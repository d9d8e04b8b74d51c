//! Device cookies (issue 23): no outsider can lock the owner out. While
//! guesses from other addresses keep the account's turns full, a browser
//! the owner signed in with before signs in at once, and a new browser is
//! told to wait or use one it signed in with before.

use crate::support::*;
use std::time::{Duration, Instant};
use varvault::error::AppError;
use varvault::server::rules::accounts::TOO_MANY_ATTEMPTS;

/// The app behind a "proxy" on 127.0.0.1, so each attacker can come from
/// an address of its own (`X-Forwarded-For`).
async fn app_behind_proxy() -> TestApp {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = vec![varvault::server::web::client::parse_net("127.0.0.1").unwrap()]
    })
    .await;
    app.setup_owner().await;
    app
}

async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    password: &str,
    from: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/login"))
        .header("origin", app.origin())
        .header("x-forwarded-for", from)
        .form(&[("email", OWNER_EMAIL), ("password", password)])
        .send()
        .await
        .unwrap()
}

fn device_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("varvault_device="))
        .map(str::to_string)
}

#[tokio::test]
async fn the_owners_browser_signs_in_while_others_guess() {
    let app = app_behind_proxy().await;
    // The owner's browser signs in once (a device cookie) and out again.
    let owner = new_client();
    let res = login(&app, &owner, OWNER_PASSWORD, "198.51.100.7").await;
    assert_eq!(res.status(), 200);
    let cookie = device_cookie(&res).expect("a device cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_ok(app.call_with(&owner, "logout", &[]).await).await;

    // 20 attackers guess from 20 addresses, for 8 seconds.
    let stop = Instant::now() + Duration::from_secs(8);
    let attackers = (0..20).map(|i| {
        let app = &app;
        async move {
            let client = new_client();
            let mut n = 0;
            while Instant::now() < stop {
                login(app, &client, "guess-guess-guess", &format!("203.0.113.{i}")).await;
                n += 1;
            }
            n
        }
    });
    let attack = futures::future::join_all(attackers);
    let owner_signs_in = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        // A new browser is slowed or refused like any other.
        let res = login(&app, &new_client(), OWNER_PASSWORD, "198.51.100.8").await;
        let stranger = if res.status() == 200 {
            None
        } else {
            Some(app_error(res).await.1)
        };
        // The owner's browser is not.
        let started = Instant::now();
        let res = login(&app, &owner, OWNER_PASSWORD, "198.51.100.7").await;
        (res.status(), started.elapsed(), stranger)
    };
    let (guesses, (status, took, stranger)) = tokio::join!(attack, owner_signs_in);
    assert!(
        guesses.iter().sum::<usize>() > 40,
        "the attack ran: {guesses:?}"
    );
    assert_eq!(status, 200, "the owner's browser signs in");
    assert!(took < Duration::from_secs(2), "it took {took:?}");
    assert_eq!(stranger, Some(AppError::rule(TOO_MANY_ATTEMPTS)));
}

#[tokio::test]
async fn a_device_cookie_is_bound_to_its_account_and_password_and_wears_out() {
    let app = app_behind_proxy().await;
    let owner = new_client();
    let res = login(&app, &owner, OWNER_PASSWORD, "198.51.100.7").await;
    assert!(device_cookie(&res).is_some());
    // Wrong passwords from the trusted browser count on the device: after
    // five it is trusted no more, and dropped.
    let mut dropped = false;
    for _ in 0..6 {
        let res = login(&app, &owner, "wrong-password-xx", "198.51.100.7").await;
        if device_cookie(&res).is_some_and(|c| c.contains("Max-Age=0")) {
            dropped = true;
            break;
        }
        assert_eq!(res.status(), 400);
    }
    assert!(dropped, "a worn-out device cookie is dropped");

    // A new sign-in gives a new cookie; a password change revokes it.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let owner = new_client();
    let res = login(&app, &owner, OWNER_PASSWORD, "198.51.100.9").await;
    assert_eq!(res.status(), 200);
    let value = device_cookie(&res).unwrap();
    let value = value.split(';').next().unwrap().to_string();
    let res = owner
        .post(app.url("/api/change_password"))
        .header("origin", app.origin())
        .form(&[
            ("current_password", OWNER_PASSWORD),
            ("new_password", "a-brand-new-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_ok(res).await;
    // The old cookie, presented with the new password: not trusted, dropped.
    let res = new_client()
        .post(app.url("/api/login"))
        .header("origin", app.origin())
        .header("cookie", &value)
        .form(&[
            ("email", OWNER_EMAIL),
            ("password", "a-brand-new-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .filter(|c| c.starts_with("varvault_device="))
        .collect();
    // Dropped, then a fresh one for this sign-in.
    assert!(set.iter().any(|c| !c.contains("Max-Age=0")), "{set:?}");
    assert!(!set.iter().any(|c| c.starts_with(&value)), "{set:?}");
}

//! Two instances on one database, as behind a load balancer without
//! sticky sessions: whatever one instance does, the other knows at its
//! next request (sessions, memberships, keys and the sign-in throttle all
//! live in the database).

use crate::support::*;
use std::net::SocketAddr;
use std::time::Instant;
use varvault::model::{MembersPage, SessionInfo};

/// Calls server function `name` on the instance at `addr`, as its page.
async fn call_on(
    addr: SocketAddr,
    client: &reqwest::Client,
    name: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("http://{addr}/api/{name}"))
        .header("origin", format!("http://{addr}"))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_made_on_one_instance_works_on_the_other() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    a.setup_owner().await;
    let res = call_on(b, &a.client, "get_session_info", &[]).await;
    assert_eq!(res.status(), 200);
    let info: SessionInfo = res.json().await.unwrap();
    assert_eq!(info.email, OWNER_EMAIL);
    // And signing out on B ends it on A.
    assert_ok(call_on(b, &a.client, "logout", &[]).await).await;
    assert_eq!(a.call("get_session_info", &[]).await.status(), 401);
}

#[tokio::test]
async fn a_member_removed_on_one_instance_is_out_on_the_other_at_once() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    a.setup_owner().await;
    let editor = a.member("ed@example.com", "editor").await;
    let list = [("workspace", WORKSPACE)];
    assert_eq!(
        call_on(b, &editor, "list_variables", &list).await.status(),
        200
    );

    let page: MembersPage = a
        .call("list_members", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    let ed = page
        .members
        .iter()
        .find(|m| m.email == "ed@example.com")
        .unwrap()
        .user_id
        .to_string();
    let res = a
        .call(
            "remove_member",
            &[("workspace", WORKSPACE), ("user_id", &ed)],
        )
        .await;
    assert_ok(res).await;
    let status = call_on(b, &editor, "list_variables", &list).await.status();
    assert!(
        status == 401 || status == 403,
        "B still served a removed member: {status}"
    );
}

#[tokio::test]
async fn a_key_rotated_meanwhile_is_used_by_the_other_instances_next_seal() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    a.setup_owner().await;
    let secret = |name: &'static str| {
        [
            ("workspace", WORKSPACE),
            ("kind", "secret"),
            ("name", name),
            ("value", "value-0001"),
            ("visibility", "masked"),
        ]
    };
    assert_ok(call_on(b, &a.client, "create_variable", &secret("FIRST")).await).await;
    a.create_ok(&[("kind", "plain"), ("name", "P"), ("value", "1")])
        .await;
    let out = a.cli(&["rotate-workspace-key", WORKSPACE], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_ok(call_on(b, &a.client, "create_variable", &secret("SECOND")).await).await;
    let version: i64 =
        sqlx::query_scalar("SELECT key_version FROM variables WHERE name = 'SECOND'")
            .fetch_one(a.db.pool())
            .await
            .unwrap();
    assert_eq!(version, 2, "B sealed with the rotated-out key");
    let out = a.cli(&["check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn the_sign_in_throttle_counts_across_instances() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    a.setup_owner().await;
    let guess = [("email", OWNER_EMAIL), ("password", "guess-guess-guess")];
    for i in 0..5 {
        let addr = if i % 2 == 0 { a.addr } else { b };
        assert_eq!(
            call_on(addr, &new_client(), "login", &guess).await.status(),
            400
        );
    }
    // Five failures across A and B: B's next check waits about a second.
    let started = Instant::now();
    assert_eq!(
        call_on(b, &new_client(), "login", &guess).await.status(),
        400
    );
    assert!(
        started.elapsed().as_millis() >= 900,
        "{:?}",
        started.elapsed()
    );
}

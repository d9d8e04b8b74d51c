//! Members and roles (SPEC §2, §7).

use crate::support::*;
use varvault::error::AppError;
use varvault::model::{MembersPage, Role};

async fn members(app: &TestApp, client: &reqwest::Client, ws: &str) -> MembersPage {
    let res = app
        .call_with(client, "list_members", &[("workspace", ws)])
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn id_of(app: &TestApp, email: &str) -> String {
    members(app, &app.client, WORKSPACE)
        .await
        .members
        .iter()
        .find(|m| m.email == email)
        .map(|m| m.user_id.to_string())
        .unwrap_or_else(|| panic!("{email} is not a member"))
}

async fn add(
    app: &TestApp,
    client: &reqwest::Client,
    ws: &str,
    email: &str,
    password: &str,
    role: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        "add_member",
        &[
            ("workspace", ws),
            ("email", email),
            ("name", "Someone New"),
            ("initial_password", password),
            ("role", role),
        ],
    )
    .await
}

#[tokio::test]
async fn a_new_member_signs_in_with_the_initial_password() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let editor = app.member("Ed@Example.com", "editor").await;
    let page = members(&app, &editor, WORKSPACE).await;
    assert_eq!(page.your_role, Role::Editor);
    assert_eq!(page.members.len(), 2);
    let me = page.members.iter().find(|m| m.is_you).unwrap();
    assert_eq!(me.email, "ed@example.com");
}

#[tokio::test]
async fn adding_an_existing_account_never_touches_its_password() {
    let app = spawn_app().await;
    app.setup_owner().await;
    // Bob belongs to another workspace, with his own password.
    assert_ok(app.call("create_workspace", &[("name", "Other")]).await).await;
    let res = app
        .call(
            "add_member",
            &[
                ("workspace", "other"),
                ("email", "bob@example.com"),
                ("name", "Bob Original"),
                ("initial_password", "bobs-own-password"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_ok(res).await;

    // An admin of Acme adds Bob's email with a password of their choosing.
    let admin = app.member("admin@example.com", "admin").await;
    let existing = add(
        &app,
        &admin,
        WORKSPACE,
        "bob@example.com",
        "admins-choice-123",
        "editor",
    )
    .await;
    let fresh = add(
        &app,
        &admin,
        WORKSPACE,
        "new@example.com",
        "admins-choice-123",
        "editor",
    )
    .await;
    assert_eq!(existing.status(), fresh.status(), "same answer for both");
    assert_eq!(existing.text().await.unwrap(), fresh.text().await.unwrap());

    app.sign_in("bob@example.com", "bobs-own-password").await;
    let res = app
        .call_with(
            &new_client(),
            "login",
            &[
                ("email", "bob@example.com"),
                ("password", "admins-choice-123"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400, "the admin's password must not work");
    let bob = members(&app, &app.client, WORKSPACE)
        .await
        .members
        .into_iter()
        .find(|m| m.email == "bob@example.com")
        .unwrap();
    assert_eq!(bob.display_name, "Bob Original", "nor its name");
}

#[tokio::test]
async fn adding_a_member_twice_is_a_clear_error() {
    let app = spawn_app().await;
    app.setup_owner().await;
    assert_ok(
        add(
            &app,
            &app.client,
            WORKSPACE,
            "ed@example.com",
            "initial-password-1",
            "editor",
        )
        .await,
    )
    .await;
    let res = add(
        &app,
        &app.client,
        WORKSPACE,
        "ED@example.com",
        "initial-password-1",
        "admin",
    )
    .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 409);
    assert_eq!(err.field(), Some("email"));
    assert!(err.to_string().contains("already a member"), "{err}");
}

#[tokio::test]
async fn admins_manage_editors_only() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let admin = app.member("admin@example.com", "admin").await;
    app.member("ed@example.com", "editor").await;
    let ed = id_of(&app, "ed@example.com").await;
    let owner = id_of(&app, OWNER_EMAIL).await;
    let before = members(&app, &app.client, WORKSPACE).await;

    let res = add(
        &app,
        &admin,
        WORKSPACE,
        "x@example.com",
        "initial-password-1",
        "admin",
    )
    .await;
    assert_eq!(app_error(res).await.1, AppError::Forbidden);
    let res = app
        .call_with(
            &admin,
            "change_member_role",
            &[
                ("workspace", WORKSPACE),
                ("user_id", &ed),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(app_error(res).await.1, AppError::Forbidden);
    let res = app
        .call_with(
            &admin,
            "remove_member",
            &[("workspace", WORKSPACE), ("user_id", &owner)],
        )
        .await;
    assert_eq!(app_error(res).await.1, AppError::Forbidden);
    assert_eq!(
        members(&app, &app.client, WORKSPACE).await,
        before,
        "nothing changed"
    );

    let res = app
        .call_with(
            &admin,
            "remove_member",
            &[("workspace", WORKSPACE), ("user_id", &ed)],
        )
        .await;
    assert_ok(res).await;
    assert_eq!(members(&app, &app.client, WORKSPACE).await.members.len(), 2);
}

#[tokio::test]
async fn the_last_owner_can_be_neither_removed_nor_demoted() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let owner = id_of(&app, OWNER_EMAIL).await;
    let res = app
        .call(
            "change_member_role",
            &[
                ("workspace", WORKSPACE),
                ("user_id", &owner),
                ("role", "admin"),
            ],
        )
        .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert!(err.to_string().contains("at least one owner"), "{err}");
    let res = app
        .call(
            "remove_member",
            &[("workspace", WORKSPACE), ("user_id", &owner)],
        )
        .await;
    assert_eq!(app_error(res).await.0, 400);

    // With a second owner, the first may step down.
    app.member("second@example.com", "owner").await;
    let res = app
        .call(
            "change_member_role",
            &[
                ("workspace", WORKSPACE),
                ("user_id", &owner),
                ("role", "admin"),
            ],
        )
        .await;
    assert_ok(res).await;
    let page = members(&app, &app.client, WORKSPACE).await;
    assert_eq!(page.your_role, Role::Admin);
}

#[tokio::test]
async fn member_changes_are_audited() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.member("ed@example.com", "editor").await;
    let ed = id_of(&app, "ed@example.com").await;
    let res = app
        .call(
            "change_member_role",
            &[
                ("workspace", WORKSPACE),
                ("user_id", &ed),
                ("role", "admin"),
            ],
        )
        .await;
    assert_ok(res).await;
    assert_ok(
        app.call(
            "remove_member",
            &[("workspace", WORKSPACE), ("user_id", &ed)],
        )
        .await,
    )
    .await;
    let actions = varvault::server::infra::db::audit::actions_of(
        app.db.pool(),
        varvault::model::WorkspaceId(1),
    )
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "workspace.created",
            "member.added",
            "auth.sign_in",
            "member.role_changed",
            "member.removed"
        ]
    );
}

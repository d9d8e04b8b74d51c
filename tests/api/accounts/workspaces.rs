//! Workspaces and users made by owners and by the CLI.

use super::*;

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

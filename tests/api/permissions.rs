//! The permission matrix of SPEC §2: every server function × every kind of
//! caller → allowed, or a clear refusal with nothing changed. The list of
//! server functions comes from the app's own registry, so a new one
//! without a row here fails this test.

use crate::support::*;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Owner,
    Admin,
    Editor,
    /// A member of another workspace only.
    Outsider,
    Anonymous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok,
    /// 400: refused for what it asks (e.g. set-up after set-up), whoever asks.
    Invalid,
    Forbidden,
    Unauthenticated,
}

use Caller::*;
use Expect::*;

const CALLERS: [Caller; 5] = [Owner, Admin, Editor, Outsider, Anonymous];

/// Expected outcome per caller, in the order of `CALLERS`.
fn matrix() -> Vec<(&'static str, [Expect; 5])> {
    vec![
        ("get_landing", [Ok, Ok, Ok, Ok, Ok]),
        ("setup_owner", [Invalid, Invalid, Invalid, Invalid, Invalid]),
        ("logout", [Ok, Ok, Ok, Ok, Ok]),
        ("get_session_info", [Ok, Ok, Ok, Ok, Unauthenticated]),
        (
            "change_password",
            [Invalid, Invalid, Invalid, Invalid, Unauthenticated],
        ),
        (
            "create_workspace",
            [Ok, Forbidden, Forbidden, Forbidden, Unauthenticated],
        ),
        ("list_members", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        (
            "add_member",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "change_member_role",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "remove_member",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "resume_runs",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        ("list_variables", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        // A secret: owners and admins only (editors create plain ones).
        (
            "create_variable",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "update_variable",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "delete_variable",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        // Where agents may put a secret: whoever may write secrets.
        (
            "set_agent_placement",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        ("reveal_secret", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("get_variable", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("variable_history", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        // A secret's earlier value: whoever may write secrets.
        (
            "restore_version",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        // Plain variables, which editors may write one by one: importing
        // is an owner/admin tool all the same.
        (
            "import_env",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "list_audit",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "get_notification_settings",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "set_webhook",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "remove_webhook",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "list_tokens",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        (
            "create_token",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        // The token to revoke is the owner's: each caller gets a fresh one.
        (
            "revoke_token",
            [Ok, Ok, Forbidden, Forbidden, Unauthenticated],
        ),
        ("list_workflows", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("create_workflow", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("rename_workflow", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("delete_workflow", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("get_workflow", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("add_block", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("save_block", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("delete_block", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("move_block", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        ("search_secrets", [Ok, Ok, Ok, Forbidden, Unauthenticated]),
        // The block's URL is empty: members get the run's own refusal.
        (
            "run_block",
            [Invalid, Invalid, Invalid, Forbidden, Unauthenticated],
        ),
        // Last: its failures slow later sign-ins from 127.0.0.1 down.
        ("login", [Invalid, Invalid, Invalid, Invalid, Invalid]),
    ]
}

/// Arguments that would succeed for a caller allowed to make the call.
/// `n` keeps each call's new email or name unique; `target` is an editor's
/// id; `secret` a masked secret's id.
fn args(
    name: &str,
    n: usize,
    target: &str,
    secret: &str,
    wf: &str,
    block: &str,
) -> Vec<(&'static str, String)> {
    let s = |v: &str| v.to_string();
    match name {
        "setup_owner" => vec![
            ("email", s("late@example.com")),
            ("name", s("Late")),
            ("password", s("late-password-123")),
            ("workspace_name", s("Late")),
        ],
        // A wrong password: sign-in is public, and must refuse it for anyone.
        "login" => vec![
            ("email", s(OWNER_EMAIL)),
            ("password", s("not-the-password")),
        ],
        "change_password" => vec![
            ("current_password", s("not-the-current-pw")),
            ("new_password", s("another-password-1")),
        ],
        "create_workspace" => vec![("name", format!("Workspace {n}"))],
        "list_members" => vec![("workspace", s(WORKSPACE))],
        "add_member" => vec![
            ("workspace", s(WORKSPACE)),
            ("email", format!("new{n}@example.com")),
            ("name", s("New")),
            ("initial_password", s("initial-password-1")),
            ("role", s("editor")),
        ],
        "change_member_role" => vec![
            ("workspace", s(WORKSPACE)),
            ("user_id", s(target)),
            ("role", s("editor")),
        ],
        "remove_member" | "resume_runs" => {
            vec![("workspace", s(WORKSPACE)), ("user_id", s(target))]
        }
        "list_variables" | "list_audit" | "get_notification_settings" | "remove_webhook" => {
            vec![("workspace", s(WORKSPACE))]
        }
        "list_tokens" => vec![("workspace", s(WORKSPACE))],
        "create_token" => vec![
            ("workspace", s(WORKSPACE)),
            ("name", format!("token {n}")),
            ("scopes", s("variables:read")),
        ],
        // A public address literal: no name to resolve.
        "set_webhook" => vec![
            ("workspace", s(WORKSPACE)),
            ("url", format!("https://93.184.216.34/hook/{n}")),
        ],
        "create_variable" => vec![
            ("workspace", s(WORKSPACE)),
            ("kind", s("secret")),
            ("name", format!("SECRET_{n}")),
            ("value", s("secret-value")),
            ("visibility", s("masked")),
        ],
        "update_variable" => vec![
            ("workspace", s(WORKSPACE)),
            ("id", s(secret)),
            ("value", format!("new value {n}")),
        ],
        "set_agent_placement" => vec![
            ("workspace", s(WORKSPACE)),
            ("id", s(secret)),
            (
                "anywhere",
                s(if n.is_multiple_of(2) { "true" } else { "false" }),
            ),
        ],
        "delete_variable" | "reveal_secret" | "get_variable" | "variable_history" => {
            vec![("workspace", s(WORKSPACE)), ("id", s(secret))]
        }
        "import_env" => vec![
            ("workspace", s(WORKSPACE)),
            ("env", format!("IMPORTED_{n}=plain value {n}")),
            ("kind", s("plain")),
            ("apply", s("true")),
        ],
        "restore_version" => vec![
            ("workspace", s(WORKSPACE)),
            ("id", s(secret)),
            ("version", s("1")),
        ],
        "list_workflows" | "search_secrets" => vec![("workspace", s(WORKSPACE))],
        "create_workflow" => vec![("workspace", s(WORKSPACE)), ("name", format!("Flow {n}"))],
        "rename_workflow" => vec![
            ("workspace", s(WORKSPACE)),
            ("id", s(wf)),
            ("name", format!("Renamed {n}")),
        ],
        "delete_workflow" | "get_workflow" => vec![("workspace", s(WORKSPACE)), ("id", s(wf))],
        "add_block" => vec![("workspace", s(WORKSPACE)), ("workflow_id", s(wf))],
        "delete_block" | "run_block" => vec![("workspace", s(WORKSPACE)), ("id", s(block))],
        "move_block" => vec![
            ("workspace", s(WORKSPACE)),
            ("id", s(block)),
            ("up", s("true")),
        ],
        _ => vec![],
    }
}

async fn add_editor(app: &TestApp, email: &str) -> String {
    let res = app
        .call(
            "add_member",
            &[
                ("workspace", WORKSPACE),
                ("email", email),
                ("name", "Target"),
                ("initial_password", "target-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_ok(res).await;
    let page: varvault::model::MembersPage = app
        .call("list_members", &[("workspace", WORKSPACE)])
        .await
        .json()
        .await
        .unwrap();
    page.members
        .iter()
        .find(|m| m.email == email)
        .unwrap()
        .user_id
        .to_string()
}

async fn add_workflow(app: &TestApp, n: usize) -> (String, String) {
    let res = app
        .call(
            "create_workflow",
            &[
                ("workspace", WORKSPACE),
                ("name", &format!("Target flow {n}")),
            ],
        )
        .await;
    let wf: i64 = res.json().await.unwrap();
    let res = app
        .call(
            "add_block",
            &[("workspace", WORKSPACE), ("workflow_id", &wf.to_string())],
        )
        .await;
    let block: varvault::model::BlockView = res.json().await.unwrap();
    (wf.to_string(), block.block.id.to_string())
}

async fn add_secret(app: &TestApp, n: usize) -> String {
    let res = app
        .call(
            "create_variable",
            &[
                ("workspace", WORKSPACE),
                ("kind", "secret"),
                ("name", &format!("TARGET_{n}")),
                ("value", "target value"),
                ("visibility", "masked"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let view: varvault::model::VariableView = res.json().await.unwrap();
    // A second value, so version 1 is there to restore.
    let res = app
        .call(
            "update_variable",
            &[
                ("workspace", WORKSPACE),
                ("id", &view.id.to_string()),
                ("value", "target value 2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    view.id.to_string()
}

#[tokio::test]
async fn every_server_function_checks_the_callers_role() {
    let app = spawn_app().await;
    app.setup_owner().await;

    // Every registered server function has a row, and every row a function.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let listed: BTreeSet<String> = matrix().iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        registered, listed,
        "server functions without a matrix row (or stale rows)"
    );

    // The outsider edits another workspace, owned by someone else.
    let res = app.call("create_workspace", &[("name", "Elsewhere")]).await;
    assert_ok(res).await;
    let res = app
        .call(
            "add_member",
            &[
                ("workspace", "elsewhere"),
                ("email", "outsider@example.com"),
                ("name", "Outsider"),
                ("initial_password", "outsider-password"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_ok(res).await;

    let mut n = 0;
    for (name, expected) in matrix() {
        for (caller, expect) in CALLERS.into_iter().zip(expected) {
            n += 1;
            // Fresh sessions each time: logout and password changes end them.
            let client = match caller {
                Owner => app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
                Admin => app.member(&format!("admin{n}@example.com"), "admin").await,
                Editor => {
                    app.member(&format!("editor{n}@example.com"), "editor")
                        .await
                }
                Outsider => {
                    app.sign_in("outsider@example.com", "outsider-password")
                        .await
                }
                Anonymous => new_client(),
            };
            let target = add_editor(&app, &format!("target{n}@example.com")).await;
            let secret = add_secret(&app, n).await;
            let (wf, block) = add_workflow(&app, n).await;
            let mut form = args(name, n, &target, &secret, &wf, &block);
            if name == "revoke_token" {
                let res = app
                    .call(
                        "create_token",
                        &[
                            ("workspace", WORKSPACE),
                            ("name", &format!("revocable {n}")),
                            ("scopes", "audit:read"),
                        ],
                    )
                    .await;
                let made: varvault::model::CreatedTokenView = res.json().await.unwrap();
                form = vec![
                    ("workspace", WORKSPACE.to_string()),
                    ("id", made.id.to_string()),
                ];
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let before = app.snapshot().await;
            let res = if name == "save_block" {
                // The one JSON endpoint (a block holds lists of rows).
                let body = serde_json::json!({ "workspace": WORKSPACE, "block": {
                    "id": block.parse::<i64>().unwrap(), "name": format!("Saved {n}"), "method": "GET",
                    "url": "https://api.example.com/", "query": [], "headers": [], "body": ""
                }});
                client
                    .post(app.url("/api/save_block"))
                    .header("origin", app.origin())
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            } else {
                app.call_with(&client, name, &form).await
            };
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            let what = format!("{name} as {caller:?}: {status} {body}");
            match expect {
                Ok => assert!((200..400).contains(&status), "{what}"),
                Invalid => assert_eq!(status, 400, "{what}"),
                Forbidden => assert_eq!(status, 403, "{what}"),
                Unauthenticated => assert_eq!(status, 401, "{what}"),
            }
            if expect != Ok {
                assert_eq!(app.snapshot().await, before, "{what} changed something");
            }
        }
    }
}

/// Issue 23: a NUL in any text field of any server function is refused
/// at the edge, naming the field, with nothing changed (PostgreSQL would
/// refuse it with a 500; SQLite would store it).
#[tokio::test]
async fn every_text_field_of_every_server_function_refuses_a_nul() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let target = add_editor(&app, "nul-target@example.com").await;
    let secret = add_secret(&app, 9000).await;
    let (wf, block) = add_workflow(&app, 9000).await;
    let mut fields = 0;
    for (i, (name, _)) in matrix().into_iter().enumerate() {
        let form = args(name, 9100 + i, &target, &secret, &wf, &block);
        for k in 0..form.len() {
            let mut with_nul = form.clone();
            with_nul[k].1.push_str("\0x");
            let field = with_nul[k].0;
            let form: Vec<(&str, &str)> = with_nul.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let before = app.snapshot().await;
            let res = app.call(name, &form).await;
            let (status, err) = app_error(res).await;
            assert_eq!(status, 400, "{name}.{field}: {err}");
            assert_eq!(err.field(), Some(field), "{name}.{field}: {err}");
            assert_eq!(
                app.snapshot().await,
                before,
                "{name}.{field} changed something"
            );
            fields += 1;
        }
    }
    // The JSON one: every text of a block, rows included.
    let block_id: i64 = block.parse().unwrap();
    let base = serde_json::json!({ "workspace": WORKSPACE, "block": {
        "id": block_id, "name": "n", "method": "GET", "url": "https://api.example.com/",
        "query": [{ "name": "q", "value": "v" }], "headers": [{ "name": "H", "value": "v" }], "body": "b"
    }});
    for path in [
        "workspace",
        "block.name",
        "block.method",
        "block.url",
        "block.query[0].name",
        "block.query[0].value",
        "block.headers[0].name",
        "block.headers[0].value",
        "block.body",
    ] {
        let mut body = base.clone();
        let mut at = &mut body;
        for part in path.split('.') {
            at = match part.split_once('[') {
                Some((key, index)) => {
                    &mut at[key][index.trim_end_matches(']').parse::<usize>().unwrap()]
                }
                None => &mut at[part],
            };
        }
        *at = serde_json::Value::String(format!("{}\0x", at.as_str().unwrap()));
        let res = app
            .client
            .post(app.url("/api/save_block"))
            .header("origin", app.origin())
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, err) = app_error(res).await;
        assert_eq!((status.as_u16(), err.field()), (400, Some(path)), "{err}");
        fields += 1;
    }
    assert!(fields > 60, "{fields} fields");
}

/// Issue 23: a server function turns away a caller without a session
/// before it reads a byte of the body.
#[tokio::test]
async fn no_body_is_read_before_the_session_is_checked() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    app.setup_owner().await;
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/import_env HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\n",
        app.addr,
        app.origin()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = [0u8; 12];
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tcp.read_exact(&mut answer),
    )
    .await
    .expect("answered without waiting for the body")
    .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 401");
}

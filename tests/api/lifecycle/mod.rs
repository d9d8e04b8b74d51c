//! A variable's life (issue 15): earlier values kept and restored, expiry
//! dates, the health of a secret from the runs that sent it, and the
//! Variables page paged and searched on the server.

use crate::support::*;
use varvault::error::AppError;
use varvault::model::{
    Day, HistoryPage, RunResult, VariableId, VariableView, VariablesPage, WorkflowView,
};

mod health;
mod history;
mod paging;

async fn update(
    app: &TestApp,
    client: &reqwest::Client,
    id: VariableId,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let id = id.to_string();
    let mut form = vec![("workspace", WORKSPACE), ("id", id.as_str())];
    form.extend_from_slice(fields);
    app.call_with(client, "update_variable", &form).await
}

async fn set_value(app: &TestApp, id: VariableId, value: &str, hosts: &str) {
    let res = update(
        app,
        &app.client,
        id,
        &[("value", value), ("allowed_hosts", hosts)],
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

async fn history(app: &TestApp, client: &reqwest::Client, id: VariableId) -> HistoryPage {
    let res = app
        .call_with(
            client,
            "variable_history",
            &[("workspace", WORKSPACE), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn restore(
    app: &TestApp,
    client: &reqwest::Client,
    id: VariableId,
    version: i64,
) -> reqwest::Response {
    app.call_with(
        client,
        "restore_version",
        &[
            ("workspace", WORKSPACE),
            ("id", &id.to_string()),
            ("version", &version.to_string()),
        ],
    )
    .await
}

async fn reveal(
    app: &TestApp,
    client: &reqwest::Client,
    id: VariableId,
    version: Option<i64>,
) -> reqwest::Response {
    let id = id.to_string();
    let version = version.map(|v| v.to_string());
    let mut form = vec![("workspace", WORKSPACE), ("id", id.as_str())];
    if let Some(v) = &version {
        form.push(("version", v.as_str()));
    }
    app.call_with(client, "reveal_secret", &form).await
}

async fn revealed(app: &TestApp, id: VariableId, version: Option<i64>) -> String {
    let res = reveal(app, &app.client, id, version).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn list_with(app: &TestApp, fields: &[(&str, &str)]) -> VariablesPage {
    let mut form = vec![("workspace", WORKSPACE)];
    form.extend_from_slice(fields);
    let res = app.call("list_variables", &form).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn owner_id(app: &TestApp) -> varvault::model::UserId {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(OWNER_EMAIL)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

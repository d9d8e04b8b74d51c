//! The REST API under `/api/v1/` (issue 16), called as a script would:
//! each scope allows exactly its operations (a matrix that fails when an
//! endpoint of the OpenAPI document has no row), tokens refused once
//! expired or revoked, from another workspace or another network, cookies
//! ignored, errors as problem details, and no answer holding a value.

use crate::support::*;
use std::collections::BTreeSet;
use varvault::model::{Role, Scope};
use varvault::server::rules::tokens::{self, NewToken};
use varvault::server::web::authz::member_of;

mod import;
mod inputs;
mod scopes;

async fn owner(app: &TestApp) -> varvault::server::web::authz::Member {
    let id = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(OWNER_EMAIL)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    member_of(&app.db, id, WORKSPACE, Role::Owner, "test")
        .await
        .unwrap()
}

async fn token(app: &TestApp, name: &str, scopes: &[Scope], networks: &str) -> String {
    let created = tokens::create(
        &app.db,
        &owner(app).await,
        NewToken {
            name: name.into(),
            scopes: scopes.to_vec(),
            expires_at: None,
            allowed_networks: networks.into(),
        },
    )
    .await
    .unwrap();
    created.token.expose().to_string()
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, String) {
    let mut req = client()
        .request(method, app.url(path))
        .header("authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Every operation of the document and the scope it needs (`None`: any
/// live token), with a call that would succeed for a token with it.
fn operations() -> Vec<(&'static str, &'static str, Option<Scope>)> {
    vec![
        ("GET", "/api/v1/workspace", None),
        ("GET", "/api/v1/variables", Some(Scope::VariablesRead)),
        (
            "GET",
            "/api/v1/variables/{name}",
            Some(Scope::VariablesRead),
        ),
        ("POST", "/api/v1/variables", Some(Scope::SecretsWrite)),
        (
            "PUT",
            "/api/v1/variables/{name}/value",
            Some(Scope::SecretsWrite),
        ),
        (
            "DELETE",
            "/api/v1/variables/{name}",
            Some(Scope::SecretsWrite),
        ),
        (
            "POST",
            "/api/v1/variables:import",
            Some(Scope::SecretsWrite),
        ),
        ("GET", "/api/v1/audit", Some(Scope::AuditRead)),
    ]
}

//! The Variables panel. Every member lists and reveals masked secrets;
//! editors write plain variables; admins and owners write secrets too.

use crate::error::AppError;
use crate::model::{VariableId, VariableKind, VariableView, VariablesPage, Visibility};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_variables")]
pub async fn list_variables(
    workspace: String,
    #[server(default)] search: String,
) -> Result<VariablesPage, AppError> {
    crate::api::respond(async move {
        use crate::server::{authz::RequestCtx, variables};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        variables::list(&ctx.state.db, &actor, &search).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "create_variable")]
pub async fn create_variable(
    workspace: String,
    kind: VariableKind,
    name: String,
    value: String,
    #[server(default)] visibility: Option<Visibility>,
    #[server(default)] allowed_hosts: String,
    #[server(default)] description: String,
) -> Result<VariableView, AppError> {
    crate::api::respond(async move {
        use crate::server::{authz::RequestCtx, crypto::SecretValue, variables};
        let value = SecretValue::new(value);
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let input = variables::NewVariable {
            kind,
            name,
            value,
            visibility,
            allowed_hosts,
            description,
        };
        variables::create(&ctx.state.db, &ctx.state.keyring, &actor, input).await
    })
    .await
}

/// Saves the edit panel: what it sends replaces what is stored (like a
/// form's PUT), except that an empty `value` keeps a secret's value.
#[server(prefix = "/api", endpoint = "update_variable")]
pub async fn update_variable(
    workspace: String,
    id: VariableId,
    #[server(default)] value: String,
    #[server(default)] allowed_hosts: String,
    #[server(default)] description: String,
) -> Result<VariableView, AppError> {
    crate::api::respond(async move {
        use crate::server::{authz::RequestCtx, crypto::SecretValue, variables};
        let value = SecretValue::new(value);
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let changes = variables::VariableChanges {
            value: Some(value),
            allowed_hosts,
            description,
        };
        variables::update(&ctx.state.db, &ctx.state.keyring, &actor, id, changes).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "delete_variable")]
pub async fn delete_variable(workspace: String, id: VariableId) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{authz::RequestCtx, variables};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        variables::delete(&ctx.state.db, &actor, id).await
    })
    .await
}

/// The value of a masked secret, for a temporary reveal (audited). The one
/// server function whose answer holds a secret value; never a restricted
/// one.
#[server(prefix = "/api", endpoint = "reveal_secret")]
pub async fn reveal_secret(workspace: String, id: VariableId) -> Result<String, AppError> {
    crate::api::respond(async move {
        use crate::server::{authz::RequestCtx, variables};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let value = variables::reveal(&ctx.state.db, &ctx.state.keyring, &actor, id).await?;
        Ok(value.expose().to_string())
    })
    .await
}

//! The Variables panel. Every member lists and reveals masked secrets;
//! editors write plain variables; admins and owners write secrets too.

// A server function's arguments are its form's fields (the panel posts a
// form), and the macro repeats them in the client function it writes.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::model::{
    HistoryPage, ImportLine, ListFilter, ValueVersion, VariableId, VariableKind, VariableView,
    VariablesPage, Visibility,
};
use leptos::prelude::*;

/// One page of the Variables panel: `search` in names, `filter`
/// (`expiring`, `failing`), from the cursor `after` or `before`.
#[server(prefix = "/api", endpoint = "list_variables")]
pub async fn list_variables(
    workspace: String,
    #[server(default)] search: String,
    #[server(default)] filter: ListFilter,
    #[server(default)] after: Option<String>,
    #[server(default)] before: Option<String>,
) -> Result<VariablesPage, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let request = variables::ListRequest {
            kind: None,
            search,
            filter,
            after,
            before,
        };
        variables::list(&ctx.state.db, &actor, &request).await
    })
    .await
}

/// One variable, for its edit panel (the picker's "Edit value").
#[server(prefix = "/api", endpoint = "get_variable")]
pub async fn get_variable(workspace: String, id: VariableId) -> Result<VariableView, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        variables::get(&ctx.state.db, &actor, id).await
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
    #[server(default)] expires_on: String,
) -> Result<VariableView, AppError> {
    crate::api::respond(async move {
        use crate::server::{infra::crypto::SecretValue, rules::variables, web::authz::RequestCtx};
        let value = SecretValue::new(value);
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let input = variables::NewVariable {
            kind,
            name: variables::parse_name(&name)?,
            value,
            visibility,
            allowed_hosts: variables::parse_hosts(&allowed_hosts)?,
            description,
            expires_on: variables::parse_expiry(&expires_on)?,
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
    #[server(default)] expires_on: String,
) -> Result<VariableView, AppError> {
    crate::api::respond(async move {
        use crate::server::{infra::crypto::SecretValue, rules::variables, web::authz::RequestCtx};
        let value = SecretValue::new(value);
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let changes = variables::VariableChanges {
            value: Some(value),
            allowed_hosts: variables::parse_hosts(&allowed_hosts)?,
            description,
            expires_on: variables::parse_expiry(&expires_on)?,
        };
        let keep = ctx.state.settings.secret_history;
        variables::update(&ctx.state.db, &ctx.state.keyring, &actor, id, changes, keep).await
    })
    .await
}

/// "Agents may place it in the URL or body": where an AI agent (MCP) may
/// put a secret. Sent by a plain form of the history page's region (which
/// the Edit panel shows too): no browser bundle carries it, and the answer
/// to the form is a redirect to that page saying what happened.
#[server(prefix = "/api", endpoint = "set_agent_placement")]
pub async fn set_agent_placement(
    workspace: String,
    id: VariableId,
    #[server(default)] anywhere: bool,
) -> Result<(), AppError> {
    let page = history_path(&workspace, id);
    let result = crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        variables::set_agent_placement(&ctx.state.db, &actor, id, anywhere).await
    })
    .await;
    crate::api::form_redirect(&match &result {
        Ok(()) => format!("{page}?placement=saved"),
        Err(err) => format!("{page}?placement={}", err.code()),
    });
    result
}

#[server(prefix = "/api", endpoint = "delete_variable")]
pub async fn delete_variable(workspace: String, id: VariableId) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        variables::delete(&ctx.state.db, &actor, id).await
    })
    .await
}

/// The value of a masked secret, for a temporary reveal (audited): the
/// current one, or an earlier `version` still kept. The one server function
/// whose answer holds a secret value; never a restricted one.
#[server(prefix = "/api", endpoint = "reveal_secret")]
pub async fn reveal_secret(
    workspace: String,
    id: VariableId,
    #[server(default)] version: Option<ValueVersion>,
) -> Result<String, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let value =
            variables::reveal(&ctx.state.db, &ctx.state.keyring, &actor, id, version).await?;
        Ok(value.expose().to_string())
    })
    .await
}

/// A variable's history page: its earlier values (a secret's never).
#[server(prefix = "/api", endpoint = "variable_history")]
pub async fn variable_history(workspace: String, id: VariableId) -> Result<HistoryPage, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        variables::history(&ctx.state.db, &actor, id).await
    })
    .await
}

/// The history page a plain form's answer leads back to.
#[cfg(feature = "ssr")]
fn history_path(workspace: &str, id: VariableId) -> String {
    let slug: String = url::form_urlencoded::byte_serialize(workspace.as_bytes()).collect();
    format!("/w/{slug}/variables/{id}/history")
}

/// Makes an earlier value current again. Sent by the history page's plain
/// form: then the answer is a redirect to that page, saying what happened
/// (a code, never text from the request).
#[server(prefix = "/api", endpoint = "restore_version")]
pub async fn restore_version(
    workspace: String,
    id: VariableId,
    version: ValueVersion,
) -> Result<VariableView, AppError> {
    let page = history_path(&workspace, id);
    let result = crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let keep = ctx.state.settings.secret_history;
        variables::restore(&ctx.state.db, &ctx.state.keyring, &actor, id, version, keep).await
    })
    .await;
    crate::api::form_redirect(&match &result {
        Ok(_) => format!("{page}?restored={version}"),
        Err(err) => format!("{page}?failed={}", err.code()),
    });
    result
}

/// The Import .env page (owners and admins): with `apply` false, what each
/// line of `env` would do; with `apply` true, the whole file in one
/// transaction, or nothing when any line is refused. The answer names
/// lines and rules, never a value.
#[server(prefix = "/api", endpoint = "import_env")]
pub async fn import_env(
    workspace: String,
    env: String,
    kind: VariableKind,
    #[server(default)] visibility: Option<Visibility>,
    #[server(default)] allowed_hosts: String,
    #[server(default)] apply: bool,
) -> Result<Vec<ImportLine>, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::variables, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let request = variables::ImportRequest {
            env,
            kind,
            visibility,
            allowed_hosts: variables::parse_hosts(&allowed_hosts)?,
            apply,
        };
        let keep = ctx.state.settings.secret_history;
        variables::import(&ctx.state.db, &ctx.state.keyring, &actor, request, keep).await
    })
    .await
}

//! Workflows, API blocks, the secret picker and "Send request". Every
//! member of the workspace may use them.

use crate::error::AppError;
use crate::model::{
    BlockId, BlockInput, BlockView, RunResult, SecretOption, WorkflowId, WorkflowSummary,
    WorkflowView,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
async fn actor(
    workspace: &str,
) -> Result<
    (
        crate::server::web::authz::RequestCtx,
        crate::server::web::authz::Actor,
    ),
    AppError,
> {
    let ctx = crate::server::web::authz::RequestCtx::get().await?;
    let actor = ctx.actor(workspace).await?;
    Ok((ctx, actor))
}

#[server(prefix = "/api", endpoint = "list_workflows")]
pub async fn list_workflows(workspace: String) -> Result<Vec<WorkflowSummary>, AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::list(&ctx.state.db, &m).await
    })
    .await
}

/// Creates a workflow and opens it.
#[server(prefix = "/api", endpoint = "create_workflow")]
pub async fn create_workflow(workspace: String, name: String) -> Result<WorkflowId, AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        let id = crate::server::rules::workflows::create(&ctx.state.db, &m, &name).await?;
        leptos_axum::redirect(&format!("/w/{workspace}/workflows/{id}"));
        Ok(id)
    })
    .await
}

#[server(prefix = "/api", endpoint = "rename_workflow")]
pub async fn rename_workflow(
    workspace: String,
    id: WorkflowId,
    name: String,
) -> Result<(), AppError> {
    let page = format!(
        "/w/{}/workflows",
        url::form_urlencoded::byte_serialize(workspace.as_bytes()).collect::<String>()
    );
    let result = crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::rename(&ctx.state.db, &m, id, &name).await
    })
    .await;
    // The list's "Rename" is a plain form: back to the list, which says
    // how it went.
    crate::api::form_redirect(&match &result {
        Ok(()) => format!("{page}?renamed=1"),
        Err(err) => format!("{page}?failed={}", err.code()),
    });
    result
}

#[server(prefix = "/api", endpoint = "delete_workflow")]
pub async fn delete_workflow(workspace: String, id: WorkflowId) -> Result<(), AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::delete(&ctx.state.db, &m, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_workflow")]
pub async fn get_workflow(workspace: String, id: WorkflowId) -> Result<WorkflowView, AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::view(&ctx.state.db, &m, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "add_block")]
pub async fn add_block(workspace: String, workflow_id: WorkflowId) -> Result<BlockView, AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::add_block(&ctx.state.db, &m, workflow_id).await
    })
    .await
}

/// Saves a block (JSON: it holds lists of rows).
#[server(prefix = "/api", endpoint = "save_block", input = Json)]
pub async fn save_block(workspace: String, block: BlockInput) -> Result<BlockView, AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::save_block(&ctx.state.db, &m, block).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "delete_block")]
pub async fn delete_block(workspace: String, id: BlockId) -> Result<(), AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::delete_block(&ctx.state.db, &m, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "move_block")]
pub async fn move_block(workspace: String, id: BlockId, up: bool) -> Result<(), AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::move_block(&ctx.state.db, &m, id, up).await
    })
    .await
}

/// The picker's options: secrets whose name contains `search`, never a
/// value.
#[server(prefix = "/api", endpoint = "search_secrets")]
pub async fn search_secrets(
    workspace: String,
    #[server(default)] search: String,
) -> Result<Vec<SecretOption>, AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        crate::server::rules::workflows::search_secrets(&ctx.state.db, &m, &search).await
    })
    .await
}

/// "Send request": runs a saved block on the server.
#[server(prefix = "/api", endpoint = "run_block")]
pub async fn run_block(workspace: String, id: BlockId) -> Result<RunResult, AppError> {
    crate::api::respond(async move {
        let (ctx, m) = actor(&workspace).await?;
        let state = &ctx.state;
        use crate::server::rules::api_block::{in_flight, run, Engine, Via};
        let result = run(Engine::of(state), &m, id, Via::Editor).await;
        if let Err(AppError::Unavailable(message)) = &result {
            if message == in_flight::BUSY {
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.insert_header(
                        axum::http::header::RETRY_AFTER,
                        axum::http::HeaderValue::from(in_flight::RETRY_AFTER_SECONDS),
                    );
                }
            }
        }
        result
    })
    .await
}

//! Workspaces of the caller.

use crate::error::AppError;
use leptos::prelude::*;

/// Creates a workspace owned by the caller, who must own one already; then
/// opens it.
#[server(prefix = "/api", endpoint = "create_workspace")]
pub async fn create_workspace(name: String) -> Result<String, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let user = ctx.signed_in().await?;
        let slug = accounts::create_workspace(&ctx.state.db, &user, &name).await?;
        leptos_axum::redirect(&format!("/w/{slug}/variables"));
        Ok(slug)
    })
    .await
}

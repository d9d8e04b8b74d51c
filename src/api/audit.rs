//! The audit log page: owners and admins only.

use crate::error::AppError;
use crate::model::AuditPage;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_audit")]
pub async fn list_audit(
    workspace: String,
    #[server(default)] action: Option<String>,
    #[server(default)] name: String,
    #[server(default)] before: Option<i64>,
    #[server(default)] after: Option<i64>,
) -> Result<AuditPage, AppError> {
    crate::api::respond(async move {
        use crate::server::infra::db::audit::AuditFilter;
        use crate::server::{rules::audit, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        let filter = AuditFilter {
            action: action.filter(|a| !a.is_empty()),
            name,
            before,
            after,
        };
        audit::page(&ctx.state.db, &actor, filter).await
    })
    .await
}

//! The members page: every member may look; owners and admins manage.

use crate::error::AppError;
use crate::model::{MembersPage, Role, UserId};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_members")]
pub async fn list_members(workspace: String) -> Result<MembersPage, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let member = ctx.member(&workspace, Role::Editor).await?;
        accounts::members_page(&ctx.state.db, &member).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "add_member")]
pub async fn add_member(
    workspace: String,
    email: String,
    name: String,
    initial_password: String,
    role: Role,
) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.member(&workspace, Role::Admin).await?;
        let input = accounts::NewMember {
            email,
            display_name: name,
            initial_password,
            role,
        };
        accounts::add_member(&ctx.state.db, &actor, input).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "change_member_role")]
pub async fn change_member_role(
    workspace: String,
    user_id: UserId,
    role: Role,
) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.member(&workspace, Role::Admin).await?;
        accounts::change_role(&ctx.state.db, &actor, user_id, role).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(workspace: String, user_id: UserId) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.member(&workspace, Role::Admin).await?;
        accounts::remove_member(&ctx.state.db, &actor, user_id).await
    })
    .await
}

/// "Resume runs of NAME" (owners and admins): a plain form on the members
/// page, answered by a redirect back to it with a fixed notice.
#[server(prefix = "/api", endpoint = "resume_runs")]
pub async fn resume_runs(workspace: String, user_id: UserId) -> Result<(), AppError> {
    let page = format!(
        "/w/{}/members",
        url::form_urlencoded::byte_serialize(workspace.as_bytes()).collect::<String>()
    );
    let result = crate::api::respond(async move {
        use crate::server::{rules::api_block::withhold, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        withhold::resume_member(&ctx.state.db, &actor, user_id).await
    })
    .await;
    crate::api::form_redirect(&match &result {
        Ok(()) => format!("{page}?resumed=1"),
        Err(err) => format!("{page}?failed={}", err.code()),
    });
    result
}

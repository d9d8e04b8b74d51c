//! Set-up, sign-in, sign-out and the caller's own account.

use crate::error::AppError;
use crate::model::{Landing, SessionInfo};
use leptos::prelude::*;

/// Where `/` should send the visitor. Public: it tells only whether set-up
/// is done and whether the caller is signed in.
#[server(prefix = "/api", endpoint = "get_landing")]
pub async fn get_landing() -> Result<Landing, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let user_id = ctx.user_id().await?;
        let token_required = ctx.state.settings.setup_token_required;
        accounts::landing(&ctx.state.db, user_id, token_required).await
    })
    .await
}

/// Creates the first owner account and workspace, then signs in. Public
/// until it has run once; after that it always refuses.
#[server(prefix = "/api", endpoint = "setup_owner")]
pub async fn setup_owner(
    email: String,
    name: String,
    password: String,
    workspace_name: String,
    setup_token: Option<String>,
) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx, web::session};
        let ctx = RequestCtx::get().await?;
        let input = accounts::SetupInput {
            email,
            display_name: name,
            password,
            workspace_name,
            setup_token,
        };
        let token_required = ctx.state.settings.setup_token_required;
        let (user_id, slug) =
            accounts::setup_owner(&ctx.state.db, input, token_required, &ctx.client_addr).await?;
        if let Err(err) = session::start(&ctx.session, user_id).await {
            return Err(ctx.session_failed(err).await);
        }
        leptos_axum::redirect(&format!("/w/{slug}/variables"));
        Ok(())
    })
    .await
}

/// Public by nature; every failure answers "Invalid email or password".
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx, web::session};
        use accounts::device;
        let ctx = RequestCtx::get().await?;
        let cookies = use_context::<axum::http::request::Parts>()
            .and_then(|p| p.headers.get(axum::http::header::COOKIE).cloned())
            .and_then(|v| v.to_str().ok().map(str::to_string))
            .unwrap_or_default();
        let attempt = accounts::Attempt {
            email: &email,
            password,
            client_addr: &ctx.client_addr,
            device_cookie: device::cookie_value(&cookies, device::COOKIE),
        };
        let outcome = accounts::sign_in(&ctx.state.db, &ctx.state.devices, attempt).await;
        if let Some(value) = &outcome.device_cookie {
            let secure = ctx.state.settings.secure_cookies;
            let set = device::set_cookie(value, secure);
            if let (Some(response), Ok(set)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                axum::http::HeaderValue::from_str(&set),
            ) {
                response.append_header(axum::http::header::SET_COOKIE, set);
            }
        }
        let user_id = outcome.result?;
        if let Err(err) = session::start(&ctx.session, user_id).await {
            return Err(ctx.session_failed(err).await);
        }
        let landing = accounts::landing(&ctx.state.db, Some(user_id), false).await?;
        match landing {
            Landing::Workspace { slug } => leptos_axum::redirect(&format!("/w/{slug}/variables")),
            _ => leptos_axum::redirect("/account"),
        }
        Ok(())
    })
    .await
}

/// Ends the session on the server. Harmless when signed out.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{web::authz::RequestCtx, web::session};
        let ctx = RequestCtx::get().await?;
        if let Err(err) = session::end(&ctx.session).await {
            return Err(ctx.session_failed(err).await);
        }
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The signed-in user and their workspaces.
#[server(prefix = "/api", endpoint = "get_session_info")]
pub async fn get_session_info() -> Result<SessionInfo, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let user = ctx.signed_in().await?;
        accounts::session_info(&ctx.state.db, &user).await
    })
    .await
}

/// Changes the caller's own password; their other sessions end.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::accounts, web::authz::RequestCtx, web::session};
        let ctx = RequestCtx::get().await?;
        let user = ctx.signed_in().await?;
        let keep = session::current_id_hash(&ctx.session);
        accounts::change_password(
            &ctx.state.db,
            &user,
            current_password,
            new_password,
            keep.as_deref(),
        )
        .await
    })
    .await
}

//! The workspace settings page: the notification webhook for expiry
//! reminders (owners and admins). Its forms are plain HTML forms: each
//! function answers a plain-form post with a redirect back to the page and
//! a code saying what happened, never text from the request.

use crate::error::AppError;
use crate::model::NotificationSettings;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "get_notification_settings")]
pub async fn get_notification_settings(
    workspace: String,
) -> Result<NotificationSettings, AppError> {
    crate::api::respond(async move {
        use crate::server::{rules::reminders, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        reminders::settings(&ctx.state.db, &actor).await
    })
    .await
}

/// Sets the webhook (its URL is a credential: sealed, only its host shown).
/// Answers the host.
#[server(prefix = "/api", endpoint = "set_webhook")]
pub async fn set_webhook(workspace: String, url: String) -> Result<String, AppError> {
    let page = settings_page(&workspace);
    let result = crate::api::respond(async move {
        use crate::server::{infra::crypto::SecretValue, rules::reminders, web::authz::RequestCtx};
        let url = SecretValue::new(url);
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        reminders::set_webhook(
            &ctx.state.db,
            &ctx.state.keyring,
            &actor,
            url,
            &ctx.state.outbound,
        )
        .await
    })
    .await;
    crate::api::form_redirect(&match &result {
        Ok(_) => format!("{page}?saved=1"),
        Err(AppError::Invalid { message, .. }) => {
            let code =
                crate::model::WebhookRefusal::from_message(message).map_or("invalid", |r| r.code());
            format!("{page}?failed={code}")
        }
        Err(err) => format!("{page}?failed={}", err.code()),
    });
    result
}

#[server(prefix = "/api", endpoint = "remove_webhook")]
pub async fn remove_webhook(workspace: String) -> Result<(), AppError> {
    let page = settings_page(&workspace);
    let result = crate::api::respond(async move {
        use crate::server::{rules::reminders, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let actor = ctx.actor(&workspace).await?;
        reminders::remove_webhook(&ctx.state.db, &actor).await
    })
    .await;
    crate::api::form_redirect(&match &result {
        Ok(()) => format!("{page}?removed=1"),
        Err(err) => format!("{page}?failed={}", err.code()),
    });
    result
}

#[cfg(feature = "ssr")]
fn settings_page(workspace: &str) -> String {
    format!(
        "/w/{}/settings",
        url::form_urlencoded::byte_serialize(workspace.as_bytes()).collect::<String>()
    )
}

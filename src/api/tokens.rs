//! The Tokens page (owners and admins): workspace access tokens for the
//! REST API. The token itself is in one answer only, `create_token`'s.

use crate::error::AppError;
use crate::model::{CreatedTokenView, TokenId, TokenView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_tokens")]
pub async fn list_tokens(workspace: String) -> Result<Vec<TokenView>, AppError> {
    crate::api::respond(async move {
        use crate::model::Role;
        use crate::server::{rules::tokens, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let member = ctx.member(&workspace, Role::Editor).await?;
        tokens::list(&ctx.state.db, &member).await
    })
    .await
}

/// Makes a token: `scopes` are codes separated by spaces or commas
/// (`variables:read secrets:write`); `expires_on` a `YYYY-MM-DD` day
/// (the token works until that day's end, UTC) or empty; networks one per
/// line, empty for any.
#[server(prefix = "/api", endpoint = "create_token")]
pub async fn create_token(
    workspace: String,
    name: String,
    scopes: String,
    #[server(default)] expires_on: String,
    #[server(default)] allowed_networks: String,
) -> Result<CreatedTokenView, AppError> {
    crate::api::respond(async move {
        use crate::model::{Day, Role, Scope};
        use crate::server::{rules::tokens, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let member = ctx.member(&workspace, Role::Editor).await?;
        let scopes = scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(|code| {
                Scope::parse(code)
                    .ok_or_else(|| AppError::invalid("scopes", format!("Unknown scope {code:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let expires_at = match expires_on.trim() {
            "" => None,
            text => {
                let day = Day::parse(text).ok_or_else(|| {
                    AppError::invalid("expires_on", "Expiry must be a date written YYYY-MM-DD")
                })?;
                Some((day.0 + 1) * 86_400_000)
            }
        };
        let input = tokens::NewToken {
            name,
            scopes,
            expires_at,
            allowed_networks,
        };
        let created = tokens::create(&ctx.state.db, &member, input).await?;
        Ok(CreatedTokenView {
            id: created.id,
            token: created.token.expose().to_string(),
        })
    })
    .await
}

/// Revokes a token at once, on every instance. A plain form: answered with
/// a redirect back to the page.
#[server(prefix = "/api", endpoint = "revoke_token")]
pub async fn revoke_token(workspace: String, id: TokenId) -> Result<(), AppError> {
    let page = format!(
        "/w/{}/tokens",
        url::form_urlencoded::byte_serialize(workspace.as_bytes()).collect::<String>()
    );
    let result = crate::api::respond(async move {
        use crate::model::Role;
        use crate::server::{rules::tokens, web::authz::RequestCtx};
        let ctx = RequestCtx::get().await?;
        let member = ctx.member(&workspace, Role::Editor).await?;
        tokens::revoke(&ctx.state.db, &member, id).await
    })
    .await;
    crate::api::form_redirect(&match &result {
        Ok(()) => format!("{page}?revoked=1"),
        Err(err) => format!("{page}?failed={}", err.code()),
    });
    result
}

//! The OpenAPI 3.1 document (`/api/v1/openapi.json`), derived from the
//! handlers and types.

use super::dto::*;
use super::handlers::*;
use super::problem::Problem;
use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "varvault",
        version = "1",
        description = "Workspace variables and secrets for automation. A token can set a \
                       secret but never read one back."
    ),
    paths(
        token_workspace,
        list_variables,
        get_variable,
        create_variable,
        set_value,
        delete_variable,
        import_variables,
        list_audit
    ),
    components(schemas(
        Problem,
        KindCode,
        VisibilityCode,
        TokenWorkspace,
        Variable,
        VariablePage,
        NewVariable,
        NewValue,
        ImportRequest,
        ImportLine,
        ImportResult,
        AuditEntry,
        AuditPage
    )),
    modifiers(&BearerToken),
    security(("token" = []))
)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A workspace access token, vv_…, with the scopes an endpoint \
                         names: `variables:read`, `variables:write`, `secrets:write`, \
                         `audit:read`. `agent:use` is for AI agents over MCP at `/mcp` \
                         and grants nothing here. No scope reads a secret's value.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 document of this API.
pub(super) async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

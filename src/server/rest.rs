//! `/api/v1/`: the REST API for automation (issue 16). A workspace access
//! token (`Authorization: Bearer vv_…`) is the only credential: session
//! cookies are ignored here, as the UI's server functions ignore tokens.
//! JSON in and out; errors are RFC 9457 problem details with a stable
//! `type` per error and the field that failed. The handlers call the same
//! rules as the UI's server functions (`server::variables`, `audit`): one
//! domain layer, the same validation, roles (a token's scopes), audit and
//! transactions. No endpoint ever answers a secret's value, and the
//! OpenAPI document (`/api/v1/openapi.json`) is derived from these types.

use crate::error::AppError;
use crate::model::{ListFilter, VariableKind, VariableView, Visibility};
use crate::server::authz::{self, Actor};
use crate::server::client::client_addr;
use crate::server::crypto::SecretValue;
use crate::server::db::audit::AuditFilter;
use crate::server::state::AppState;
use crate::server::{audit, variables};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The routes, to be nested at `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/workspace", get(token_workspace))
        .route("/variables", get(list_variables).post(create_variable))
        .route(
            "/variables/{name}",
            get(get_variable).delete(delete_variable),
        )
        .route("/variables/{name}/value", put(set_value))
        .route("/variables:import", post(import_variables))
        .route("/audit", get(list_audit))
        .fallback(|| async { ApiError(AppError::NotFound) })
}

/// An error as RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URI per kind of error, e.g. `/api/v1/problems/invalid`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in words (never a value).
    pub detail: String,
    /// The input field that failed, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A failed call: the app's error, answered as problem details.
pub struct ApiError(AppError);

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        let status = err.status();
        let title = match &err {
            AppError::Invalid { .. } => "Invalid input",
            AppError::Conflict { .. } => "Conflict",
            AppError::Unauthenticated => "A valid access token is required",
            AppError::Forbidden => "Not allowed for this token",
            AppError::NotFound => "Not found",
            AppError::Upstream(_) => "Upstream failure",
            AppError::Unavailable(_) => "Unavailable",
            AppError::Internal | AppError::Transport(_) => "Internal error",
        };
        // The UI's words for these speak of signing in and roles.
        let detail = match &err {
            AppError::Unauthenticated => {
                "A valid access token is required (Authorization: Bearer vv_…); \
                 it may have been revoked or have expired"
                    .to_string()
            }
            AppError::Forbidden => {
                "This token's scopes or allowed networks do not allow this".to_string()
            }
            other => other.to_string(),
        };
        let problem = Problem {
            kind: format!("/api/v1/problems/{}", err.code()),
            title: title.to_string(),
            status,
            detail,
            field: err.field().map(str::to_string),
        };
        let mut response = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(problem),
        )
            .into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == 401 {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"varvault\""),
            );
        }
        response
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A JSON body. One that does not parse is a problem naming `body` (or
/// the missing field), never echoing the input: it may hold a value.
pub struct Body<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        use axum::extract::rejection::JsonRejection;
        match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(value)) => {
                // Text with a NUL first (PostgreSQL refuses it), named.
                if let Some(field) = crate::server::nul::in_json(&value) {
                    let field = if field.is_empty() {
                        "body".into()
                    } else {
                        field
                    };
                    return Err(crate::server::nul::refusal(&field).into());
                }
                serde_json::from_value::<T>(value).map(Body).map_err(|err| {
                    match missing_field(&err.to_string()) {
                        Some(field) => AppError::invalid(&field, format!("{field} is required")),
                        None => AppError::invalid("body", "A field of the body has the wrong type"),
                    }
                    .into()
                })
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::invalid(
                "body",
                "Send the body as JSON (Content-Type: application/json)",
            )
            .into()),
            Err(JsonRejection::JsonDataError(err)) => Err(match missing_field(&err.body_text()) {
                Some(field) => AppError::invalid(&field, format!("{field} is required")),
                None => AppError::invalid("body", "A field of the body has the wrong type"),
            }
            .into()),
            // Past axum's 2 MiB limit, or the connection broke mid-body.
            Err(JsonRejection::BytesRejection(_)) => Err(AppError::invalid(
                "body",
                "The body could not be read whole: at most 2 MiB",
            )
            .into()),
            Err(_) => Err(AppError::invalid("body", "The body is not valid JSON").into()),
        }
    }
}

/// The field serde names in "missing field `x`", if that is the error.
fn missing_field(text: &str) -> Option<String> {
    let rest = &text[text.find("missing field `")? + "missing field `".len()..];
    let field = &rest[..rest.find('`')?];
    field
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then(|| field.to_string())
}

/// Query parameters; ones that do not parse are a problem naming `query`.
pub struct Params<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        if let Some(field) = crate::server::nul::in_form(parts.uri.query().unwrap_or("").as_bytes())
        {
            return Err(crate::server::nul::refusal(&field).into());
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|_| AppError::invalid("query", "A query parameter has the wrong type").into())
    }
}

/// The `{name}` of a path; one that is not UTF-8 is a problem naming it.
pub struct Name(String);

impl<S: Send + Sync> FromRequestParts<S> for Name {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::invalid("name", "The name in the path is not valid text"))?;
        if name.contains('\0') {
            return Err(crate::server::nul::refusal("name").into());
        }
        Ok(Name(name))
    }
}

fn parse_kind(text: &str) -> Result<VariableKind, AppError> {
    VariableKind::parse(text)
        .ok_or_else(|| AppError::invalid("kind", "kind must be plain or secret"))
}

fn parse_visibility(text: Option<&str>) -> Result<Option<Visibility>, AppError> {
    text.map(|v| {
        Visibility::parse(v).ok_or_else(|| {
            AppError::invalid("visibility", "visibility must be masked or restricted")
        })
    })
    .transpose()
}

/// The caller: a live token of its workspace, from an allowed network.
pub struct Caller(Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or(AppError::Internal)?;
        let client = client_addr(peer, &parts.headers, &state.settings.trusted_proxies);
        let token = authz::token_caller(&state.db, presented, client).await?;
        Ok(Caller(Actor::Token(token)))
    }
}

/// Audits a read by a token (its writes are audited by the rules they
/// go through): every use of a token is in the log under its name.
async fn audit_read(state: &AppState, actor: &Actor, what: &str) -> Result<(), AppError> {
    let Actor::Token(token) = actor else {
        return Ok(());
    };
    let mut tx = state.db.begin_write().await?;
    audit::record(
        &mut tx,
        token.workspace.id,
        &actor.who(),
        audit::Action::TokenUsed,
        Some(&audit::Target::token(token.id, &token.name)),
        Some(what.to_string()),
    )
    .await?;
    tx.commit()
        .await
        .map_err(crate::server::db::DbError::from)?;
    Ok(())
}

/// A variable's kind, as the document states it. The handlers take text,
/// so that anything else is refused naming the field.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum KindCode {
    Plain,
    Secret,
}

/// A secret's visibility, as the document states it.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum VisibilityCode {
    Masked,
    Restricted,
}

/// A variable as the API shows it: a plain variable's value, never a
/// secret's.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Variable {
    pub name: String,
    /// `plain` or `secret`.
    #[schema(value_type = KindCode)]
    pub kind: String,
    /// A secret's: `masked` or `restricted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<VisibilityCode>)]
    pub visibility: Option<String>,
    /// A plain variable's value; never present for a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub description: String,
    pub allowed_hosts: Vec<String>,
    /// `YYYY-MM-DD` (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

impl From<VariableView> for Variable {
    fn from(v: VariableView) -> Self {
        Variable {
            kind: v.kind.as_str().to_string(),
            visibility: v.visibility.map(|vis| vis.as_str().to_string()),
            value: match v.kind {
                VariableKind::Plain => v.value,
                VariableKind::Secret => None,
            },
            name: v.name,
            description: v.description,
            allowed_hosts: v.allowed_hosts,
            expires_on: v.expires_on,
            updated_at: v.updated_at,
            last_used_at: v.last_used_at,
        }
    }
}

/// A page of variables in name order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VariablePage {
    pub variables: Vec<Variable>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Names containing this text, any case.
    #[serde(default)]
    pub search: String,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// `expiring` (expired or expiring within 14 days) or `failing`.
    pub filter: Option<String>,
}

/// A new variable or secret.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewVariable {
    #[schema(pattern = "^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    pub name: String,
    /// `plain` or `secret`.
    #[schema(value_type = KindCode)]
    pub kind: String,
    pub value: String,
    /// A secret's: `masked` or `restricted` (required for a secret).
    #[schema(value_type = Option<VisibilityCode>)]
    pub visibility: Option<String>,
    /// Hosts a secret may be sent to (required for a restricted one). Set
    /// only here: a token never changes an existing secret's hosts.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// `YYYY-MM-DD` (UTC), a secret's.
    pub expires_on: Option<String>,
}

/// A new value.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewValue {
    pub value: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// A member's email or a token's name; absent for the operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub by_token: bool,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Audit entries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next, older page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub older: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The `older` of the previous page.
    pub before: Option<i64>,
}

/// The token's own workspace and what the token may do.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenWorkspace {
    /// The workspace's slug, as in `/w/{slug}/…`.
    pub workspace: String,
    pub workspace_name: String,
    /// The token's name (the actor in the audit log).
    pub token: String,
    /// Scope codes, e.g. `secrets:write`.
    pub scopes: Vec<String>,
}

/// The workspace this token acts in (any live token): a script checks it
/// holds the token it meant to before it changes anything.
#[utoipa::path(get, path = "/api/v1/workspace", tag = "tokens",
    responses((status = 200, body = TokenWorkspace),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn token_workspace(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<TokenWorkspace>> {
    let Actor::Token(token) = &actor else {
        return Err(AppError::Unauthenticated.into());
    };
    let answer = TokenWorkspace {
        workspace: token.workspace.slug.clone(),
        workspace_name: token.workspace.name.clone(),
        token: token.name.clone(),
        scopes: token.scopes.iter().map(|s| s.code().to_string()).collect(),
    };
    audit_read(&state, &actor, "read its workspace").await?;
    Ok(Json(answer))
}

fn parse_filter(text: Option<&str>) -> Result<ListFilter, AppError> {
    ListFilter::parse(text.unwrap_or(""))
        .ok_or_else(|| AppError::invalid("filter", "filter must be one of: all, expiring, failing"))
}

/// Lists variables, a page of 50 (scope `variables:read`).
#[utoipa::path(get, path = "/api/v1/variables", params(ListParams), tag = "variables",
    responses((status = 200, body = VariablePage),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_variables(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<VariablePage>> {
    let request = variables::ListRequest {
        search: params.search,
        filter: parse_filter(params.filter.as_deref())?,
        after: params.after,
        before: None,
    };
    let page = variables::list(&state.db, &actor, &request).await?;
    audit_read(&state, &actor, "listed variables").await?;
    Ok(Json(VariablePage {
        variables: page.variables.into_iter().map(Variable::from).collect(),
        next: page.next,
    }))
}

/// One variable by name, any case (scope `variables:read`).
#[utoipa::path(get, path = "/api/v1/variables/{name}", tag = "variables",
    params(("name" = String, Path, description = "The variable's name")),
    responses((status = 200, body = Variable),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn get_variable(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Name(name): Name,
) -> ApiResult<Json<Variable>> {
    let view = variables::get_by_name(&state.db, &actor, &name).await?;
    audit_read(&state, &actor, &format!("read {}", view.name)).await?;
    Ok(Json(view.into()))
}

/// Creates a plain variable (`variables:write`) or a secret
/// (`secrets:write`).
#[utoipa::path(post, path = "/api/v1/variables", tag = "variables", request_body = NewVariable,
    responses((status = 201, body = Variable),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn create_variable(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Body(input): Body<NewVariable>,
) -> ApiResult<(StatusCode, Json<Variable>)> {
    let kind = parse_kind(&input.kind)?;
    let visibility = parse_visibility(input.visibility.as_deref())?;
    let new = variables::NewVariable {
        kind,
        name: input.name,
        value: SecretValue::new(input.value),
        visibility,
        allowed_hosts: input.allowed_hosts.join("\n"),
        description: input.description,
        expires_on: input.expires_on.unwrap_or_default(),
    };
    let view = variables::create(&state.db, &state.keyring, &actor, new).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Sets a value (`variables:write` for a plain variable, `secrets:write`
/// for a secret). Idempotent, and never compared with what is stored:
/// every call records a new version and answers the same way, so no
/// caller can test a guess against a secret.
#[utoipa::path(put, path = "/api/v1/variables/{name}/value", tag = "variables",
    params(("name" = String, Path, description = "The variable's name")),
    request_body = NewValue,
    responses((status = 200, body = Variable),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn set_value(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Name(name): Name,
    Body(input): Body<NewValue>,
) -> ApiResult<Json<Variable>> {
    let keep = state.settings.secret_history;
    let value = SecretValue::new(input.value);
    let view = variables::set_value(&state.db, &state.keyring, &actor, &name, value, keep).await?;
    Ok(Json(view.into()))
}

/// Deletes a variable and its history (the scope of its kind).
#[utoipa::path(delete, path = "/api/v1/variables/{name}", tag = "variables",
    params(("name" = String, Path, description = "The variable's name")),
    responses((status = 204, description = "Deleted"),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn delete_variable(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Name(name): Name,
) -> ApiResult<StatusCode> {
    let view = variables::get_by_name(&state.db, &actor, &name).await;
    // A token that may not read still gets "forbidden" for its kind's
    // write, not "not found": look the name up past the read check.
    let id = match view {
        Ok(v) => v.id,
        Err(AppError::Forbidden) => variables::id_by_name(&state.db, &actor, &name).await?,
        Err(other) => return Err(other.into()),
    };
    variables::delete(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A `.env` file to import, and what the whole batch is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportRequest {
    /// The file: `KEY=value` lines, `export`, comments and quotes allowed.
    pub env: String,
    /// `plain` or `secret`.
    #[schema(value_type = KindCode)]
    pub kind: String,
    /// For secrets: `masked` or `restricted`.
    #[schema(value_type = Option<VisibilityCode>)]
    pub visibility: Option<String>,
    /// For secrets made by this import (required for restricted ones).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Only say what would happen.
    #[serde(default)]
    pub dry_run: bool,
}

/// What happens to one line (never its value).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportLine {
    pub line: u32,
    pub name: String,
    /// `create`, `update` (a new version, never compared) or `refused`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportResult {
    /// Whether it was applied (in one transaction, only if no line is
    /// refused) or only previewed.
    pub applied: bool,
    pub lines: Vec<ImportLine>,
}

/// Imports a `.env` file (the scope of the batch's kind): a preview with
/// `dry_run`, else applied in one transaction, only when no line is
/// refused. A name that exists with another kind or visibility is refused.
#[utoipa::path(post, path = "/api/v1/variables:import", tag = "variables",
    request_body = ImportRequest,
    responses((status = 200, body = ImportResult),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn import_variables(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Body(input): Body<ImportRequest>,
) -> ApiResult<Json<ImportResult>> {
    let kind = parse_kind(&input.kind)?;
    let visibility = parse_visibility(input.visibility.as_deref())?;
    let request = variables::ImportRequest {
        env: input.env,
        kind,
        visibility,
        allowed_hosts: input.allowed_hosts.join("\n"),
        apply: !input.dry_run,
    };
    let keep = state.settings.secret_history;
    let lines = variables::import(&state.db, &state.keyring, &actor, request, keep).await?;
    Ok(Json(ImportResult {
        applied: !input.dry_run,
        lines: lines
            .into_iter()
            .map(|l| ImportLine {
                line: l.line,
                name: l.name,
                action: match l.action {
                    crate::model::ImportAction::Create => "create",
                    crate::model::ImportAction::Update => "update",
                    crate::model::ImportAction::Refused => "refused",
                }
                .to_string(),
                reason: l.reason,
            })
            .collect(),
    }))
}

/// Audit entries, newest first, 50 a page (scope `audit:read`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_audit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Params(params): Params<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    let filter = AuditFilter {
        action: None,
        name: String::new(),
        before: params.before,
        after: None,
    };
    let page = audit::page(&state.db, &actor, filter).await?;
    audit_read(&state, &actor, "read the audit log").await?;
    Ok(Json(AuditPage {
        older: page.older,
        entries: page
            .entries
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                at: e.at,
                actor: e.actor,
                by_token: e.by_token,
                action: e.action,
                target_kind: e.target_kind,
                target_name: e.target_name,
                detail: e.detail,
            })
            .collect(),
    }))
}

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
                    .description(Some("A workspace access token, vv_…"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 document of this API.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

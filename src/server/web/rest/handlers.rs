//! One function per endpoint. Each calls the same rules as the UI's
//! server functions, so validation, scopes, audit and transactions are
//! the ones the UI has.

use super::audit_read;
use super::dto::*;
use super::extract::{Body, Caller, Name, Params};
use super::problem::{ApiResult, Problem};
use crate::error::AppError;
use crate::model::{ListFilter, VariableKind, Visibility};
use crate::server::infra::crypto::SecretValue;
use crate::server::infra::db::audit::AuditFilter;
use crate::server::web::authz::Actor;
use crate::server::web::state::AppState;
use crate::server::{rules::audit, rules::variables};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

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

/// The workspace this token acts in (any live token): a script checks it
/// holds the token it meant to before it changes anything.
#[utoipa::path(get, path = "/api/v1/workspace", tag = "tokens",
    responses((status = 200, body = TokenWorkspace),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn token_workspace(
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
        scopes: token
            .scopes
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    };
    audit_read(&state, &actor, "read its workspace").await?;
    Ok(Json(answer))
}

fn parse_filter(text: Option<&str>) -> Result<ListFilter, AppError> {
    match text.unwrap_or("") {
        "" => Some(ListFilter::All),
        code => ListFilter::parse(code),
    }
    .ok_or_else(|| AppError::invalid("filter", "filter must be one of: all, expiring, failing"))
}

/// Lists variables, a page of 50 in natural name order (`TOKEN_2` before
/// `TOKEN_10`) (scope `variables:read`).
#[utoipa::path(get, path = "/api/v1/variables", params(ListParams), tag = "variables",
    responses((status = 200, body = VariablePage),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_variables(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<VariablePage>> {
    let request = variables::ListRequest {
        kind: None,
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
pub(super) async fn get_variable(
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
pub(super) async fn create_variable(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Body(input): Body<NewVariable>,
) -> ApiResult<(StatusCode, Json<Variable>)> {
    let kind = parse_kind(&input.kind)?;
    let visibility = parse_visibility(input.visibility.as_deref())?;
    let new = variables::NewVariable {
        kind,
        name: variables::parse_name(&input.name)?,
        value: SecretValue::new(input.value),
        visibility,
        allowed_hosts: variables::parse_host_list(&input.allowed_hosts)?,
        description: input.description,
        expires_on: variables::parse_expiry(input.expires_on.as_deref().unwrap_or_default())?,
        // Only an owner or admin, in the panel, lets agents put a secret
        // anywhere but a header.
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
pub(super) async fn set_value(
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
pub(super) async fn delete_variable(
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

/// Imports a `.env` file (the scope of the batch's kind): a preview with
/// `dry_run`, else applied in one transaction, only when no line is
/// refused. A name that exists with another kind or visibility is refused.
#[utoipa::path(post, path = "/api/v1/variables:import", tag = "variables",
    request_body = ImportRequest,
    responses((status = 200, body = ImportResult),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn import_variables(
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
        allowed_hosts: variables::parse_host_list(&input.allowed_hosts)?,
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
pub(super) async fn list_audit(
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

//! What the API takes and answers, as the OpenAPI document states it.
//! No type here has room for a secret's value.

use crate::model::{VariableKind, VariableView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A variable's kind, as the document states it. The handlers take text,
/// so that anything else is refused naming the field.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum KindCode {
    Plain,
    Secret,
}

/// A secret's visibility, as the document states it.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum VisibilityCode {
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

/// A page of variables in natural name order: runs of digits compare as
/// numbers (`TOKEN_2` before `TOKEN_10`), then names as text, any case.
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

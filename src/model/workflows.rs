//! Workflows and API blocks as they cross the wire.

use super::codes::codes;
use super::{BlockId, VariableId, Visibility, WorkflowId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HttpMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "PATCH")]
    Patch,
    #[serde(rename = "DELETE")]
    Delete,
}

codes!(HttpMethod {
    Get = "GET",
    Post = "POST",
    Put = "PUT",
    Patch = "PATCH",
    Delete = "DELETE",
});

/// A query parameter or a header: a name and a template value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub name: String,
    pub value: String,
}

/// An API block as the editor sends it to be saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInput {
    pub id: BlockId,
    pub name: String,
    pub method: HttpMethod,
    pub url: String,
    pub query: Vec<KeyValue>,
    pub headers: Vec<KeyValue>,
    pub body: String,
}

/// An API block as stored, with what it refers to that no longer exists
/// ("Missing secret NAME", "Missing variable NAME").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockView {
    pub block: BlockInput,
    pub position: i64,
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowSummary {
    pub id: WorkflowId,
    pub name: String,
    pub blocks: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowView {
    pub id: WorkflowId,
    pub name: String,
    pub blocks: Vec<BlockView>,
    /// Owners and admins may create and edit secrets from the picker.
    pub can_write_secrets: bool,
    /// The secrets its blocks refer to, for the chips (never a value).
    pub secrets: Vec<SecretOption>,
}

/// A secret offered by the picker: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretOption {
    pub id: VariableId,
    pub name: String,
    pub visibility: Visibility,
    /// "Expired", or why it is failing: shown on its chip and option.
    pub note: Option<String>,
}

/// What "Send request" shows, every used secret already redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    pub status: u16,
    pub status_text: String,
    pub duration_ms: u64,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body was longer than 1 MiB and was cut.
    pub truncated: bool,
    /// What the run should know, e.g. that a secret it sent has expired.
    pub notes: Vec<String>,
}

/// A block that refers to a variable (the delete dialog lists them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedIn {
    pub workflow_id: WorkflowId,
    pub workflow: String,
    pub block: String,
}

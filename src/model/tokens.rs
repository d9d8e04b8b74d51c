//! Workspace access tokens as the Tokens page shows them: never the token
//! itself, except once, in the answer that made it.

use super::{Scope, TokenId};
use serde::{Deserialize, Serialize};

/// A token's row: name, the first characters (to recognise it), scopes,
/// networks and times (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: TokenId,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub allowed_networks: Vec<String>,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The one answer that holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedTokenView {
    pub id: TokenId,
    pub token: String,
}

//! What varvault does, each area checking the caller's role itself:
//! variables and secrets, workflows and the API block, redaction of
//! answers, access tokens, accounts and members, the audit log, expiry
//! reminders and key rotation; what AI agents may do (`agents`, for MCP).

pub mod accounts;
pub mod agents;
pub(crate) mod api_block;
pub mod audit;
pub mod redaction;
pub mod reminders;
pub mod rotation;
pub mod tokens;
pub mod variables;
pub mod workflows;

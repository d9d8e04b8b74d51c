//! What a caller may do (SPEC §2), as one table: a member's role grants
//! permissions, and so do an access token's scopes (SPEC §10). Rules ask
//! `Actor::can(Permission)`, never compare roles themselves.

use super::codes::codes;
use super::Role;
use serde::{Deserialize, Serialize};

/// One row of SPEC §2's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// List variables and secrets, read plain values, list versions.
    ReadVariables,
    /// Reveal a masked secret's value (audited). Never a restricted one.
    RevealSecret,
    /// Create, edit and delete plain variables.
    WritePlain,
    /// Create, edit and delete secrets and their allowed hosts.
    WriteSecrets,
    /// Build workflows, pick secrets in API blocks, run API blocks.
    UseWorkflows,
    /// Add members, change roles, remove members (which roles: see
    /// `Role::can_manage`).
    ManageMembers,
    ReadAudit,
    /// Workspace settings, access tokens, import.
    ManageWorkspace,
    /// Resume the runs of a member paused after withheld answers.
    ResumeRuns,
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Permission::ReadVariables,
        Permission::RevealSecret,
        Permission::WritePlain,
        Permission::WriteSecrets,
        Permission::UseWorkflows,
        Permission::ManageMembers,
        Permission::ReadAudit,
        Permission::ManageWorkspace,
        Permission::ResumeRuns,
    ];
}

impl Role {
    /// Whether a member with this role has `permission`.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            ReadVariables | RevealSecret | WritePlain | UseWorkflows => true,
            WriteSecrets | ManageMembers | ReadAudit | ManageWorkspace | ResumeRuns => {
                self >= Role::Admin
            }
        }
    }
}

/// What an access token may do. No scope reads a secret's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "variables:read")]
    VariablesRead,
    #[serde(rename = "variables:write")]
    VariablesWrite,
    #[serde(rename = "secrets:write")]
    SecretsWrite,
    #[serde(rename = "audit:read")]
    AuditRead,
    /// An AI agent over MCP (`/mcp`): list names and plain values, and
    /// send secrets in API calls. No more than an editor may; never a
    /// value of a secret, never a change.
    #[serde(rename = "agent:use")]
    AgentUse,
}

impl Scope {
    pub fn grants(self, permission: Permission) -> bool {
        matches!(
            (self, permission),
            (Scope::VariablesRead, Permission::ReadVariables)
                | (Scope::VariablesWrite, Permission::WritePlain)
                | (Scope::SecretsWrite, Permission::WriteSecrets)
                | (Scope::AuditRead, Permission::ReadAudit)
                | (Scope::AgentUse, Permission::ReadVariables)
                | (Scope::AgentUse, Permission::UseWorkflows)
        )
    }
}

// Each scope as written in SPEC §10 and stored.
codes!(Scope {
    VariablesRead = "variables:read",
    VariablesWrite = "variables:write",
    SecretsWrite = "secrets:write",
    AuditRead = "audit:read",
    AgentUse = "agent:use",
});

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC §2, row by row: (permission, owner, admin, editor).
    #[test]
    fn roles_grant_the_table_of_spec_section_2() {
        use Permission::*;
        let table = [
            (ReadVariables, true, true, true),
            (RevealSecret, true, true, true),
            (WritePlain, true, true, true),
            (WriteSecrets, true, true, false),
            (UseWorkflows, true, true, true),
            (ManageMembers, true, true, false),
            (ReadAudit, true, true, false),
            (ManageWorkspace, true, true, false),
            (ResumeRuns, true, true, false),
        ];
        assert_eq!(table.len(), Permission::ALL.len());
        for (p, owner, admin, editor) in table {
            assert_eq!(Role::Owner.grants(p), owner, "{p:?} owner");
            assert_eq!(Role::Admin.grants(p), admin, "{p:?} admin");
            assert_eq!(Role::Editor.grants(p), editor, "{p:?} editor");
        }
    }

    #[test]
    fn no_scope_reveals_or_manages() {
        for scope in Scope::ALL {
            for p in [
                Permission::RevealSecret,
                Permission::ManageMembers,
                Permission::ManageWorkspace,
                Permission::ResumeRuns,
            ] {
                assert!(!scope.grants(p), "{scope:?} grants {p:?}");
            }
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("secrets:read"), None);
        // Each scope but agent:use grants exactly one permission; only
        // agent:use runs API calls.
        for scope in Scope::ALL {
            let granted: Vec<_> = Permission::ALL
                .iter()
                .filter(|p| scope.grants(**p))
                .collect();
            if scope == Scope::AgentUse {
                assert_eq!(
                    granted,
                    [&Permission::ReadVariables, &Permission::UseWorkflows]
                );
            } else {
                assert_eq!(granted.len(), 1, "{scope:?}");
                assert!(!scope.grants(Permission::UseWorkflows), "{scope:?}");
            }
        }
    }

    /// An agent's token has no more than an editor's rights.
    #[test]
    fn agent_use_is_within_an_editors_rights() {
        for p in Permission::ALL {
            if Scope::AgentUse.grants(p) {
                assert!(Role::Editor.grants(p), "{p:?}");
            }
        }
    }
}

//! An audit entry as a sentence a person would write: "Olive Owner
//! revealed OLD_KEY", "Olive Owner changed X's allowed hosts to any public
//! host". Members are named by their display name (their email once the
//! account is gone), tokens as "Token NAME", the CLI as "The operator".

use super::audit::{AuditAction, AuditEntryView};

impl AuditEntryView {
    /// Who acted, as the log names them.
    pub fn who(&self) -> String {
        match (&self.actor_name, &self.actor, self.by_token) {
            (_, Some(name), true) => format!("Token {name}"),
            (Some(name), _, false) => name.clone(),
            (None, Some(email), false) => email.clone(),
            (_, None, _) => "The operator".to_string(),
        }
    }

    /// The entry in one sentence (no final full stop).
    pub fn sentence(&self) -> String {
        use AuditAction as A;
        let who = self.who();
        let target = self
            .target_display
            .clone()
            .or_else(|| self.target_name.clone())
            .unwrap_or_default();
        let detail = self.detail.clone().unwrap_or_default();
        let with_detail = |text: String| match detail.as_str() {
            "" => text,
            d => format!("{text} ({d})"),
        };
        let Some(action) = AuditAction::parse(&self.action) else {
            return with_detail(format!("{who}: {} {target}", self.action));
        };
        match action {
            A::SecretCreated => match detail.as_str() {
                "" => format!("{who} created the secret {target}"),
                visibility => format!("{who} created the {visibility} secret {target}"),
            },
            A::VariableCreated => format!("{who} created the variable {target}"),
            A::SecretValueUpdated | A::VariableUpdated => match detail.as_str() {
                "" => format!("{who} set a new value for {target}"),
                restored => format!("{who} changed {target}: {restored}"),
            },
            A::SecretVersionRestored | A::VariableVersionRestored => {
                with_detail(format!("{who} restored an earlier value of {target}"))
            }
            A::SecretHostsUpdated => match detail.trim() {
                "" => format!("{who} changed {target}'s allowed hosts to any public host"),
                hosts => format!("{who} changed {target}'s allowed hosts to {hosts}"),
            },
            A::SecretDescriptionUpdated => format!("{who} changed {target}'s description"),
            A::SecretExpiryUpdated => match detail.as_str() {
                "" | "none" => format!("{who} removed {target}'s expiry date"),
                day => format!("{who} set {target} to expire on {day}"),
            },
            A::SecretAgentPlacementUpdated => {
                format!("{who} let agents put {target} {detail}")
            }
            A::SecretRevealed => with_detail(format!("{who} revealed {target}")),
            A::SecretUsed => match detail.as_str() {
                "" => format!("{who} sent {target}"),
                block => format!("{who} sent {target} from {block}"),
            },
            A::ResponseWithheld => with_detail(format!(
                "A response to {who} was withheld: it held part of {target}"
            )),
            A::RunsResumed => format!("{who} resumed {target}'s runs"),
            A::SecretDeleted | A::VariableDeleted => format!("{who} deleted {target}"),
            A::SignInSucceeded => format!("{who} signed in"),
            A::SignInFailed => with_detail(format!("A sign-in as {target} failed")),
            A::PasswordChanged => format!("{who} changed their password"),
            A::PasswordReset => format!("{who} reset {target}'s password"),
            A::MemberAdded => match detail.as_str() {
                "" => format!("{who} added {target}"),
                role => format!("{who} added {target} as {role}"),
            },
            A::MemberRoleChanged => {
                let change = detail.replace(" -> ", " to ");
                format!("{who} changed {target}'s role from {change}")
            }
            A::MemberRemoved => with_detail(format!("{who} removed {target}")),
            A::WorkspaceCreated => format!("{who} created the workspace {target}"),
            A::WorkspaceKeyRotated => with_detail(format!("{who} rotated the workspace key")),
            A::WebhookSet => format!("{who} set the reminder webhook to {detail}"),
            A::WebhookRemoved => format!("{who} removed the reminder webhook"),
            A::TokenCreated => match detail.as_str() {
                "" => format!("{who} created the access token {target}"),
                scopes => format!("{who} created the access token {target} for {scopes}"),
            },
            A::TokenRevoked => format!("{who} revoked the access token {target}"),
            A::TokenUsed => with_detail(format!("{who} was used")),
            A::MasterKeyRotated => with_detail(format!("{who} rotated the master key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, target: &str, detail: Option<&str>) -> AuditEntryView {
        AuditEntryView {
            id: 1,
            at: 0,
            actor: Some("ada@example.com".into()),
            actor_name: Some("Ada Lovelace".into()),
            by_token: false,
            action: action.into(),
            target_kind: Some("secret".into()),
            target_name: Some(target.into()),
            target_display: None,
            client_addr: None,
            detail: detail.map(str::to_string),
        }
    }

    #[test]
    fn entries_read_as_sentences_with_display_names() {
        let s = |a, t, d| entry(a, t, d).sentence();
        assert_eq!(
            s("secret.revealed", "OLD_KEY", None),
            "Ada Lovelace revealed OLD_KEY"
        );
        assert_eq!(
            s("secret.allowed_hosts_updated", "X", Some("")),
            "Ada Lovelace changed X's allowed hosts to any public host"
        );
        assert_eq!(
            s(
                "secret.allowed_hosts_updated",
                "X",
                Some("api.example.com, *.zendesk.com")
            ),
            "Ada Lovelace changed X's allowed hosts to api.example.com, *.zendesk.com"
        );
        assert_eq!(
            s("secret.created", "X", Some("restricted")),
            "Ada Lovelace created the restricted secret X"
        );
        assert_eq!(
            s("secret.expiry_updated", "X", Some("none")),
            "Ada Lovelace removed X's expiry date"
        );
        assert_eq!(
            s(
                "member.role_changed",
                "bo@example.com",
                Some("editor -> admin")
            ),
            "Ada Lovelace changed bo@example.com's role from editor to admin"
        );
        assert_eq!(s("made.up", "X", Some("d")), "Ada Lovelace: made.up X (d)");
    }

    #[test]
    fn tokens_the_operator_and_gone_accounts_are_named_as_such() {
        let mut e = entry(
            "secret.used",
            "X",
            Some("API block Tickets (api.example.com)"),
        );
        e.by_token = true;
        e.actor = Some("ci".into());
        e.actor_name = None;
        assert_eq!(
            e.sentence(),
            "Token ci sent X from API block Tickets (api.example.com)"
        );
        e.by_token = false;
        e.actor = Some("gone@example.com".into());
        assert_eq!(e.who(), "gone@example.com");
        e.actor = None;
        assert_eq!(e.who(), "The operator");
        let mut m = entry("member.added", "bo@example.com", Some("editor"));
        m.target_display = Some("Bo Editor".into());
        assert_eq!(m.sentence(), "Ada Lovelace added Bo Editor as editor");
    }
}

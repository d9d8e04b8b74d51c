//! Accounts, workspaces and memberships: the rules of SPEC §2 and §7 as
//! plain async functions over `Db`, callable from server functions, the
//! CLI and tests alike. One module per area, as in `api/`; this one holds
//! what they share (names, slugs, the password and email rules).

use crate::error::AppError;
use crate::model::{
    check_password_rule, DisplayName, Email, Landing, MemberView, MembersPage, Role, SessionInfo,
    UserId, WorkspaceId, WorkspaceSummary,
};
use crate::server::infra::db::{meta, now_ms, sessions, users, workspaces, Db, DbError};
use crate::server::infra::password;
use crate::server::rules::audit::{self, Action, Target, Who};
use crate::server::web::authz::{Member, SignedIn};
use sqlx::AnyConnection;
use std::time::Duration;

pub mod device;
mod members;
mod passwords;
mod setup;
mod sign_in;
pub mod throttle;

pub use members::*;
pub use passwords::*;
pub use setup::*;
pub use sign_in::*;

const SLUG_MAX_LEN: usize = 48;

fn password_error(err: password::PasswordError) -> AppError {
    if let password::PasswordError::Busy = err {
        return AppError::Unavailable(
            "Too many sign-ins at once; try again in a moment".to_string(),
        );
    }
    tracing::error!(error = %err, "password hashing");
    AppError::Internal
}

/// A display name (of a person, workspace, workflow or block), parsed:
/// `what` is its label, `field` the input it comes from.
pub(crate) fn clean_name(name: &str, field: &str, what: &str) -> Result<String, AppError> {
    DisplayName::parse(name, what)
        .map(DisplayName::into_string)
        .map_err(|m| AppError::invalid(field, m))
}

fn email_of(email: &str) -> Result<Email, AppError> {
    Email::parse(email).map_err(|m| AppError::invalid("email", m))
}

fn check_password(field: &str, password: &str) -> Result<(), AppError> {
    check_password_rule(password).map_err(|m| AppError::invalid(field, m))
}

/// A URL slug from a workspace name: lowercase ASCII letters, digits and
/// single hyphens (`Acme Support` → `acme-support`).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= SLUG_MAX_LEN {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "workspace".to_string()
    } else {
        slug.to_string()
    }
}

/// The first of `base`, `base-2`, `base-3`, … not in `taken`.
fn free_slug(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("an unbounded range has a free slug")
}

/// Creates a workspace owned by `owner`, inside the caller's transaction.
async fn insert_workspace(
    conn: &mut AnyConnection,
    name: &str,
    owner: UserId,
) -> Result<(WorkspaceId, String), AppError> {
    let base = slugify(name);
    let taken = workspaces::slugs_like(conn, &base).await?;
    let slug = free_slug(&base, &taken);
    let id = match workspaces::insert(conn, &slug, name, owner).await {
        Ok(id) => id,
        Err(err) if err.is_unique_violation() => {
            return Err(AppError::conflict(
                "name",
                "Another workspace took that address at the same moment; try again",
            ))
        }
        Err(err) => return Err(err.into()),
    };
    workspaces::add_member(conn, id, owner, Role::Owner).await?;
    Ok((id, slug))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(slugify("Acme Support"), "acme-support");
        assert_eq!(slugify("  Ops / Billing!! 2026 "), "ops-billing-2026");
        assert_eq!(slugify("Ünïcode Café"), "n-code-caf");
        assert_eq!(slugify("日本"), "workspace");
        assert!(slugify(&"x".repeat(200)).len() <= SLUG_MAX_LEN);
    }

    #[test]
    fn clashing_slugs_get_a_number() {
        let taken = vec!["acme".to_string(), "acme-2".to_string()];
        assert_eq!(free_slug("acme", &taken), "acme-3");
        assert_eq!(free_slug("other", &taken), "other");
    }
}

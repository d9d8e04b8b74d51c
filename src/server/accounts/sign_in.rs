//! Sign-in, with a slow-down per account and per address that every
//! instance shares, and the signed-in user's workspaces.

use super::throttle;
use super::*;
use crate::server::db::throttle as db_throttle;

pub const INVALID_CREDENTIALS: &str = "Invalid email or password";
/// The longest email (RFC 5321 path limit); longer input is refused
/// before anything is hashed or written.
pub const EMAIL_MAX_LEN: usize = 254;

/// Checks an email and password. Every failure gives the same message and
/// costs the same work; recent failures of the account or the address
/// slow the next attempt down (counters in the database, so every
/// instance applies them).
pub async fn sign_in(
    db: &Db,
    email: &str,
    password: String,
    client_addr: &str,
) -> Result<UserId, AppError> {
    if email.len() > EMAIL_MAX_LEN {
        return Err(AppError::invalid(
            "email",
            format!("An email address has at most {EMAIL_MAX_LEN} characters"),
        ));
    }
    let parsed = Email::parse(email);
    let key = match &parsed {
        Ok(email) => email.as_str().to_string(),
        Err(_) => email.trim().to_lowercase(),
    };
    let keys = [
        throttle::key("account", &key),
        throttle::key("address", &throttle::client_network(client_addr)),
    ];
    if !throttle::wait_turn(db, &keys).await? {
        return Err(AppError::rule(INVALID_CREDENTIALS));
    }

    // An address that is not an email has no account (and still waits and
    // hashes, as an unknown one does).
    let user = match &parsed {
        Ok(email) => users::find_by_email(db.pool(), email).await?,
        Err(_) => None,
    };
    let ok = password::verify_or_dummy(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await
        .map_err(password_error)?;

    let mut tx = db.begin_write().await?;
    let result = match (&user, ok) {
        (Some(user), true) => {
            db_throttle::clear(&mut *tx, &keys[0]).await?;
            audit_each_workspace(&mut tx, user, client_addr, Action::SignInSucceeded, None).await?;
            Ok(user.id)
        }
        _ => {
            throttle::record_failures(&mut tx, &keys).await?;
            if let Some(user) = &user {
                let reason = Some("wrong password".to_string());
                audit_each_workspace(&mut tx, user, client_addr, Action::SignInFailed, reason)
                    .await?;
            }
            Err(AppError::rule(INVALID_CREDENTIALS))
        }
    };
    tx.commit().await.map_err(DbError::from)?;
    result
}

/// A sign-in concerns the account, so it is logged in each of its
/// workspaces.
pub(super) async fn audit_each_workspace(
    conn: &mut AnyConnection,
    user: &users::UserRecord,
    client_addr: &str,
    action: Action,
    detail: Option<String>,
) -> Result<(), DbError> {
    let actor = Who::user(user.id, &user.email, client_addr);
    let target = Target::user(user.id, &user.email);
    for workspace_id in workspaces::ids_of_user(&mut *conn, user.id).await? {
        audit::record(
            conn,
            workspace_id,
            &actor,
            action,
            Some(&target),
            detail.clone(),
        )
        .await?;
    }
    Ok(())
}

pub async fn session_info(db: &Db, user: &SignedIn) -> Result<SessionInfo, AppError> {
    let workspaces = workspaces::of_user(db.pool(), user.user_id)
        .await?
        .into_iter()
        .map(|m| WorkspaceSummary {
            slug: m.workspace.slug,
            name: m.workspace.name,
            role: m.role,
        })
        .collect();
    Ok(SessionInfo {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        workspaces,
    })
}

/// Deletes expired sessions and stale throttle rows; run periodically.
pub async fn sweep(db: &Db) -> Result<(), DbError> {
    sessions::delete_expired(db.pool()).await?;
    let now = now_ms();
    db_throttle::sweep(db.pool(), now - throttle::WINDOW_MS, now).await
}

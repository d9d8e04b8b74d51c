//! Sign-in, with a slow-down per account and per address that every
//! instance shares, and the signed-in user's workspaces.

use super::*;

/// Failures older than this no longer slow sign-ins down.
const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Free attempts before the slow-down starts, and its ceiling.
const THROTTLE_FREE_FAILURES: i64 = 3;
const THROTTLE_MAX_DELAY: Duration = Duration::from_secs(5);
pub const INVALID_CREDENTIALS: &str = "Invalid email or password";
/// How long to hold a sign-in attempt after `failures` recent failures.
pub fn throttle_delay(failures: i64) -> Duration {
    if failures < THROTTLE_FREE_FAILURES {
        return Duration::ZERO;
    }
    let steps = (failures - THROTTLE_FREE_FAILURES).min(10) as u32;
    Duration::from_millis(250 * 2u64.pow(steps)).min(THROTTLE_MAX_DELAY)
}

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
    let parsed = Email::parse(email);
    let key = match &parsed {
        Ok(email) => email.as_str().to_string(),
        Err(_) => email.trim().to_lowercase(),
    };
    let account_key = format!("acct:{key}");
    let addr_key = format!("addr:{client_addr}");
    let now = now_ms();
    let since = now - THROTTLE_WINDOW_MS;
    let failures = throttle::failures(db.pool(), &account_key, since)
        .await?
        .max(throttle::failures(db.pool(), &addr_key, since).await?);
    tokio::time::sleep(throttle_delay(failures)).await;

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
            throttle::clear(&mut *tx, &account_key).await?;
            audit_each_workspace(&mut tx, user, client_addr, Action::SignInSucceeded, None).await?;
            Ok(user.id)
        }
        _ => {
            throttle::record_failure(&mut *tx, &account_key, now, since).await?;
            throttle::record_failure(&mut *tx, &addr_key, now, since).await?;
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
    throttle::sweep(db.pool(), now_ms() - THROTTLE_WINDOW_MS).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_down_grows_and_stops_at_seconds() {
        assert_eq!(throttle_delay(0), Duration::ZERO);
        assert_eq!(throttle_delay(2), Duration::ZERO);
        assert_eq!(throttle_delay(3), Duration::from_millis(250));
        assert_eq!(throttle_delay(5), Duration::from_millis(1000));
        assert_eq!(throttle_delay(100), THROTTLE_MAX_DELAY);
    }
}

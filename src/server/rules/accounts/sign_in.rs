//! Sign-in, with a slow-down per account and per address that every
//! instance shares, and the signed-in user's workspaces.

use super::throttle;
use super::*;
use crate::server::infra::db::throttle as db_throttle;
use crate::server::rules::accounts::device;

pub const INVALID_CREDENTIALS: &str = "Invalid email or password";
/// The refusal when an attempt gets no turn within the horizon: the same
/// whether the account exists (turns are counted for whatever was typed).
pub const TOO_MANY_ATTEMPTS: &str =
    "Too many attempts; try again shortly, or from a browser you signed in with before";
/// The longest email (RFC 5321 path limit); longer input is refused
/// before anything is hashed or written.
pub const EMAIL_MAX_LEN: usize = 254;

/// A sign-in as a browser makes it.
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: String,
    pub client_addr: &'a str,
    /// The browser's device cookie, if it has one.
    pub device_cookie: Option<&'a str>,
}

/// What a sign-in answers, and what the browser's device cookie becomes:
/// `Some(value)` to set it, `Some("")` to clear it, `None` to leave it.
pub struct Outcome {
    pub result: Result<UserId, AppError>,
    pub device_cookie: Option<String>,
}

/// Checks an email and password. Every failure gives the same message and
/// costs the same work. Each attempt takes a turn per account and per
/// address, counted as it starts, so guesses are slowed down as they
/// arrive (counters in the database: every instance applies them). A
/// browser with a device cookie for the account takes its turn on that
/// device's counter instead, and hashes in a slot of its own.
pub async fn sign_in(db: &Db, devices: &device::DeviceKey, attempt: Attempt<'_>) -> Outcome {
    let mut device_cookie = None;
    let result = sign_in_inner(db, devices, attempt, &mut device_cookie).await;
    Outcome {
        result,
        device_cookie,
    }
}

async fn sign_in_inner(
    db: &Db,
    devices: &device::DeviceKey,
    attempt: Attempt<'_>,
    device_cookie: &mut Option<String>,
) -> Result<UserId, AppError> {
    let Attempt {
        email,
        password,
        client_addr,
        device_cookie: presented,
    } = attempt;
    if email.len() > EMAIL_MAX_LEN {
        return Err(AppError::invalid(
            "email",
            format!("An email address has at most {EMAIL_MAX_LEN} characters"),
        ));
    }
    let parsed = Email::parse(email);
    // An address that is not an email has no account (and still waits and
    // hashes, as an unknown one does).
    let user = match &parsed {
        Ok(email) => users::find_by_email(db.pool(), email).await?,
        Err(_) => None,
    };
    let now = now_ms();
    let device = match (&user, presented) {
        (Some(user), Some(cookie)) => devices.verify(cookie, user.id, &user.password_hash, now),
        _ => None,
    };
    let device = match device {
        Some(d) => {
            let key = throttle::key("device", &d.0);
            let failures =
                db_throttle::attempts(db.pool(), &key, now - device::LIFETIME_MS).await?;
            (failures < device::FAILURES_ALLOWED).then_some(key)
        }
        None => None,
    };
    if presented.is_some() && device.is_none() {
        // Not this account's, expired, revoked or worn out: dropped.
        *device_cookie = Some(String::new());
    }
    let account_key = match &parsed {
        Ok(email) => email.as_str().to_string(),
        Err(_) => email.trim().to_lowercase(),
    };
    use throttle::Count;
    let (keys, slots) = match &device {
        Some(device) => (
            vec![(device.clone(), Count::Attempts)],
            password::Slots::Trusted,
        ),
        None => (
            vec![
                (throttle::key("account", &account_key), Count::Attempts),
                (
                    throttle::key("address", &throttle::client_network(client_addr)),
                    Count::Failures,
                ),
            ],
            password::Slots::Shared,
        ),
    };
    if !throttle::wait_turn(db, &keys).await? {
        return Err(AppError::rule(TOO_MANY_ATTEMPTS));
    }
    let ok = match &user {
        Some(user) => password::verify_in(slots, password, user.password_hash.clone()).await,
        None => password::verify_or_dummy(password, None).await,
    }
    .map_err(password_error)?;

    let mut tx = db.begin_write().await?;
    let result = match (&user, ok) {
        (Some(user), true) => {
            throttle::settle(&mut tx, &keys, true).await?;
            audit_each_workspace(&mut tx, user, client_addr, Action::SignInSucceeded, None).await?;
            *device_cookie = Some(devices.issue(user.id, &user.password_hash, now_ms()));
            Ok(user.id)
        }
        _ => {
            throttle::settle(&mut tx, &keys, false).await?;
            if let Some(user) = &user {
                let reason = Some("wrong password".to_string());
                audit_each_workspace(&mut tx, user, client_addr, Action::SignInFailed, reason)
                    .await?;
            }
            Err(AppError::rule(INVALID_CREDENTIALS))
        }
    };
    tx.commit().await?;
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

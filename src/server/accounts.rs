//! Accounts, workspaces and memberships: the rules of SPEC §2 and §7 as
//! plain async functions over `Db`, callable from server functions, the
//! CLI and tests alike.

use crate::error::AppError;
use crate::model::{
    check_password_rule, normalize_email, Landing, MemberView, MembersPage, Role, SessionInfo,
    UserId, WorkspaceId, WorkspaceSummary,
};
use crate::server::audit::{self, Action, Actor, Target};
use crate::server::authz::{Member, SignedIn};
use crate::server::db::{meta, now_ms, sessions, throttle, users, workspaces, Db, DbError};
use crate::server::password;
use sqlx::AnyConnection;
use std::time::Duration;

const NAME_MAX_CHARS: usize = 100;
const SLUG_MAX_LEN: usize = 48;

/// Failures older than this no longer slow sign-ins down.
const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Free attempts before the slow-down starts, and its ceiling.
const THROTTLE_FREE_FAILURES: i64 = 3;
const THROTTLE_MAX_DELAY: Duration = Duration::from_secs(5);

pub const INVALID_CREDENTIALS: &str = "Invalid email or password";

fn password_error(err: password::PasswordError) -> AppError {
    tracing::error!(error = %err, "password hashing");
    AppError::Internal
}

/// A trimmed display name (of a person, workspace, workflow or block):
/// required, at most 100 characters, no control characters. `what` is
/// its label, `field` the input it comes from.
pub(crate) fn clean_name(name: &str, field: &str, what: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid(field, format!("{what} is required")));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(AppError::invalid(
            field,
            format!("{what} must be at most {NAME_MAX_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("{what} must not contain control characters"),
        ));
    }
    Ok(name.to_string())
}

fn email_of(email: &str) -> Result<String, AppError> {
    normalize_email(email).map_err(|m| AppError::invalid("email", m))
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

// ---- set-up and landing ----------------------------------------------------

pub async fn is_set_up(db: &Db) -> Result<bool, AppError> {
    Ok(meta::get(db.pool(), meta::SETUP_DONE).await?.is_some())
}

/// Where `/` sends this visitor.
pub async fn landing(
    db: &Db,
    user_id: Option<UserId>,
    token_required: bool,
) -> Result<Landing, AppError> {
    if !is_set_up(db).await? {
        return Ok(Landing::Setup {
            needs_token: token_required,
        });
    }
    let Some(user_id) = user_id else {
        return Ok(Landing::SignIn);
    };
    let mine = workspaces::of_user(db.pool(), user_id).await?;
    Ok(match mine.into_iter().next() {
        Some(m) => Landing::Workspace {
            slug: m.workspace.slug,
        },
        None => Landing::SignIn,
    })
}

/// The set-up token for a non-loopback listener: created once and shared
/// by every instance through the database; `None` once set-up is done.
pub async fn setup_token(db: &Db) -> Result<Option<String>, AppError> {
    if is_set_up(db).await? {
        return Ok(None);
    }
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let fresh = hex::encode(bytes);
    meta::insert_once(db.pool(), meta::SETUP_TOKEN, &fresh).await?;
    Ok(meta::get(db.pool(), meta::SETUP_TOKEN).await?)
}

pub struct SetupInput {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub workspace_name: String,
    pub setup_token: Option<String>,
}

/// Creates the first owner and workspace, once: the `setup_done` row is the
/// lock, so a second or racing request fails and changes nothing.
pub async fn setup_owner(
    db: &Db,
    input: SetupInput,
    token_required: bool,
    client_addr: &str,
) -> Result<(UserId, String), AppError> {
    let email = email_of(&input.email)?;
    let display_name = clean_name(&input.display_name, "name", "Name")?;
    let workspace_name = clean_name(&input.workspace_name, "workspace_name", "Workspace name")?;
    check_password("password", &input.password)?;
    if is_set_up(db).await? {
        return Err(already_set_up());
    }
    let hash = password::hash(input.password)
        .await
        .map_err(password_error)?;

    let mut tx = db.begin_write().await?;
    if !meta::insert_once(&mut *tx, meta::SETUP_DONE, &now_ms().to_string()).await? {
        return Err(already_set_up());
    }
    if token_required {
        let expected = meta::get(&mut *tx, meta::SETUP_TOKEN).await?;
        let given = input.setup_token.unwrap_or_default();
        let matches =
            expected.is_some_and(|e| constant_time_eq(e.as_bytes(), given.trim().as_bytes()));
        if !matches {
            return Err(AppError::invalid(
                "setup_token",
                "The setup token is not correct: copy it from the server log",
            ));
        }
    }
    let user_id = users::insert(&mut tx, &email, &display_name, &hash).await?;
    let (workspace_id, slug) = insert_workspace(&mut tx, &workspace_name, user_id).await?;
    let actor = Actor {
        user_id: Some(user_id),
        email: Some(email.clone()),
        client_addr: Some(client_addr.to_string()),
    };
    audit::record(
        &mut tx,
        workspace_id,
        &actor,
        Action::WorkspaceCreated,
        Some(&Target::workspace(workspace_id, &slug)),
        None,
    )
    .await?;
    meta::delete(&mut *tx, meta::SETUP_TOKEN).await?;
    tx.commit().await.map_err(DbError::from)?;
    tracing::info!(workspace = %slug, "set-up done: owner account created");
    Ok((user_id, slug))
}

fn already_set_up() -> AppError {
    AppError::rule("varvault is already set up: sign in instead")
}

/// Compares without an early exit, so the time taken says nothing about
/// how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

// ---- sign-in ---------------------------------------------------------------

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
    let email = normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let account_key = format!("acct:{email}");
    let addr_key = format!("addr:{client_addr}");
    let now = now_ms();
    let since = now - THROTTLE_WINDOW_MS;
    let failures = throttle::failures(db.pool(), &account_key, since)
        .await?
        .max(throttle::failures(db.pool(), &addr_key, since).await?);
    tokio::time::sleep(throttle_delay(failures)).await;

    let user = users::find_by_email(db.pool(), &email).await?;
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
async fn audit_each_workspace(
    conn: &mut AnyConnection,
    user: &users::UserRecord,
    client_addr: &str,
    action: Action,
    detail: Option<String>,
) -> Result<(), DbError> {
    let actor = Actor {
        user_id: Some(user.id),
        email: Some(user.email.clone()),
        client_addr: Some(client_addr.to_string()),
    };
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

// ---- passwords -------------------------------------------------------------

/// Changes the caller's own password and ends their other sessions.
pub async fn change_password(
    db: &Db,
    user: &SignedIn,
    current: String,
    new: String,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    check_password("new_password", &new)?;
    let record = users::find_by_id(db.pool(), user.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let ok = password::verify(current, record.password_hash)
        .await
        .map_err(password_error)?;
    if !ok {
        return Err(AppError::invalid(
            "current_password",
            "Current password is not correct",
        ));
    }
    let hash = password::hash(new).await.map_err(password_error)?;
    let mut tx = db.begin_write().await?;
    users::set_password_hash(&mut tx, user.user_id, &hash).await?;
    sessions::delete_for_user(&mut tx, user.user_id, keep_session).await?;
    let record = users::UserRecord {
        id: user.user_id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        password_hash: String::new(),
    };
    audit_each_workspace(
        &mut tx,
        &record,
        &user.client_addr,
        Action::PasswordChanged,
        None,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The operator's reset (CLI): new password, every session ended.
pub async fn reset_password(db: &Db, email: &str, new: String) -> Result<(), AppError> {
    let email = email_of(email)?;
    check_password("new_password", &new)?;
    let user = users::find_by_email(db.pool(), &email)
        .await?
        .ok_or_else(|| AppError::invalid("email", format!("No account has the email {email}")))?;
    let hash = password::hash(new).await.map_err(password_error)?;
    let mut tx = db.begin_write().await?;
    users::set_password_hash(&mut tx, user.id, &hash).await?;
    sessions::delete_for_user(&mut tx, user.id, None).await?;
    audit_each_workspace(&mut tx, &user, "cli", Action::PasswordReset, None).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The operator's account creation (CLI). With `workspace`, the user joins
/// it with `role`; with a name that is not an existing slug, a new
/// workspace is made with the user as owner.
pub async fn create_user(
    db: &Db,
    email: &str,
    display_name: &str,
    password: String,
    workspace: Option<(&str, Role)>,
) -> Result<Option<String>, AppError> {
    let email = email_of(email)?;
    let display_name = clean_name(display_name, "name", "Name")?;
    check_password("password", &password)?;
    let hash = password::hash(password).await.map_err(password_error)?;
    let mut tx = db.begin_write().await?;
    let user_id = match users::insert(&mut tx, &email, &display_name, &hash).await {
        Ok(id) => id,
        Err(err) if err.is_unique_violation() => {
            return Err(AppError::conflict(
                "email",
                format!("An account with {email} already exists"),
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let actor = Actor {
        user_id: None,
        email: None,
        client_addr: Some("cli".into()),
    };
    let slug = match workspace {
        None => None,
        Some((name_or_slug, role)) => {
            let existing = workspaces::slugs_like(&mut tx, name_or_slug).await?;
            if existing.iter().any(|s| s == name_or_slug) {
                let ws = workspaces::id_by_slug(&mut *tx, name_or_slug)
                    .await?
                    .ok_or(AppError::Internal)?;
                workspaces::add_member(&mut tx, ws, user_id, role).await?;
                let target = Target::user(user_id, &email);
                audit::record(
                    &mut tx,
                    ws,
                    &actor,
                    Action::MemberAdded,
                    Some(&target),
                    Some(role.as_str().into()),
                )
                .await?;
                Some(name_or_slug.to_string())
            } else {
                let name = clean_name(name_or_slug, "workspace", "Workspace name")?;
                let (ws, slug) = insert_workspace(&mut tx, &name, user_id).await?;
                audit::record(
                    &mut tx,
                    ws,
                    &actor,
                    Action::WorkspaceCreated,
                    Some(&Target::workspace(ws, &slug)),
                    None,
                )
                .await?;
                meta::insert_once(&mut *tx, meta::SETUP_DONE, &now_ms().to_string()).await?;
                Some(slug)
            }
        }
    };
    tx.commit().await.map_err(DbError::from)?;
    Ok(slug)
}

// ---- workspaces and members ------------------------------------------------

/// A new workspace owned by the caller, who must own one already.
pub async fn create_workspace(db: &Db, user: &SignedIn, name: &str) -> Result<String, AppError> {
    let name = clean_name(name, "name", "Workspace name")?;
    let owns_one = workspaces::of_user(db.pool(), user.user_id)
        .await?
        .iter()
        .any(|m| m.role == Role::Owner);
    if !owns_one {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin_write().await?;
    let (id, slug) = insert_workspace(&mut tx, &name, user.user_id).await?;
    audit::record(
        &mut tx,
        id,
        &user.actor(),
        Action::WorkspaceCreated,
        Some(&Target::workspace(id, &slug)),
        None,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(slug)
}

pub async fn members_page(db: &Db, member: &Member) -> Result<MembersPage, AppError> {
    let members = workspaces::members(db.pool(), member.workspace.id)
        .await?
        .into_iter()
        .map(|m| MemberView {
            is_you: m.user_id == member.user.user_id,
            user_id: m.user_id,
            email: m.email,
            display_name: m.display_name,
            role: m.role,
        })
        .collect();
    Ok(MembersPage {
        members,
        your_role: member.role,
    })
}

pub struct NewMember {
    pub email: String,
    pub display_name: String,
    pub initial_password: String,
    pub role: Role,
}

/// Adds a member. A new email gets an account with the initial password;
/// an existing account joins with its own password, untouched, and the
/// answer is the same either way.
pub async fn add_member(db: &Db, actor: &Member, input: NewMember) -> Result<(), AppError> {
    if !actor.role.can_manage(input.role) {
        return Err(AppError::Forbidden);
    }
    let email = email_of(&input.email)?;
    let display_name = clean_name(&input.display_name, "name", "Name")?;
    // Checked and hashed whether or not the account exists, so neither the
    // answer nor its timing tells.
    check_password("initial_password", &input.initial_password)?;
    let hash = password::hash(input.initial_password)
        .await
        .map_err(password_error)?;

    let mut tx = db.begin_write().await?;
    lock_workspace(&mut tx, actor.workspace.id).await?;
    let user_id = match users::find_by_email(&mut *tx, &email).await? {
        Some(existing) => existing.id,
        None => users::insert(&mut tx, &email, &display_name, &hash).await?,
    };
    match workspaces::add_member(&mut tx, actor.workspace.id, user_id, input.role).await {
        Ok(()) => {}
        Err(err) if err.is_unique_violation() => {
            return Err(AppError::conflict(
                "email",
                format!("{email} is already a member of this workspace"),
            ))
        }
        Err(err) => return Err(err.into()),
    }
    audit::record(
        &mut tx,
        actor.workspace.id,
        &actor.actor(),
        Action::MemberAdded,
        Some(&Target::user(user_id, &email)),
        Some(input.role.as_str().to_string()),
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Serialises member changes of one workspace (a row lock on PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already did), so two owners demoting each
/// other at once cannot leave none.
async fn lock_workspace(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
) -> Result<(), DbError> {
    workspaces::lock(conn, workspace_id).await
}

/// The target's current role, after checking the actor may manage it.
async fn managed_target(
    conn: &mut AnyConnection,
    actor: &Member,
    user_id: UserId,
) -> Result<(Role, users::UserRecord), AppError> {
    let role = workspaces::member_role(conn, actor.workspace.id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.role.can_manage(role) {
        return Err(AppError::Forbidden);
    }
    let user = users::find_by_id(&mut *conn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((role, user))
}

async fn keep_an_owner(
    conn: &mut AnyConnection,
    workspace_id: WorkspaceId,
) -> Result<(), AppError> {
    if workspaces::count_owners(conn, workspace_id).await? <= 1 {
        return Err(AppError::rule("A workspace must keep at least one owner"));
    }
    Ok(())
}

pub async fn change_role(
    db: &Db,
    actor: &Member,
    user_id: UserId,
    new_role: Role,
) -> Result<(), AppError> {
    if !actor.role.can_manage(new_role) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin_write().await?;
    lock_workspace(&mut tx, actor.workspace.id).await?;
    let (old_role, user) = managed_target(&mut tx, actor, user_id).await?;
    if old_role == new_role {
        return Ok(());
    }
    if old_role == Role::Owner {
        keep_an_owner(&mut tx, actor.workspace.id).await?;
    }
    workspaces::set_role(&mut tx, actor.workspace.id, user_id, new_role).await?;
    audit::record(
        &mut tx,
        actor.workspace.id,
        &actor.actor(),
        Action::MemberRoleChanged,
        Some(&Target::user(user.id, &user.email)),
        Some(format!("{} -> {}", old_role.as_str(), new_role.as_str())),
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Removes a member and ends all of their sessions at once.
pub async fn remove_member(db: &Db, actor: &Member, user_id: UserId) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    lock_workspace(&mut tx, actor.workspace.id).await?;
    let (role, user) = managed_target(&mut tx, actor, user_id).await?;
    if role == Role::Owner {
        keep_an_owner(&mut tx, actor.workspace.id).await?;
    }
    workspaces::remove_member(&mut tx, actor.workspace.id, user_id).await?;
    sessions::delete_for_user(&mut tx, user_id, None).await?;
    audit::record(
        &mut tx,
        actor.workspace.id,
        &actor.actor(),
        Action::MemberRemoved,
        Some(&Target::user(user.id, &user.email)),
        Some(role.as_str().to_string()),
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
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

    #[test]
    fn the_slow_down_grows_and_stops_at_seconds() {
        assert_eq!(throttle_delay(0), Duration::ZERO);
        assert_eq!(throttle_delay(2), Duration::ZERO);
        assert_eq!(throttle_delay(3), Duration::from_millis(250));
        assert_eq!(throttle_delay(5), Duration::from_millis(1000));
        assert_eq!(throttle_delay(100), THROTTLE_MAX_DELAY);
    }
}

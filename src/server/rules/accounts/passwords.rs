//! Changing, resetting and setting passwords (and accounts made by the
//! CLI); each ends the account's other sessions.

use super::*;

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
    // Guessing the current password from a stolen session is slowed down
    // like sign-in.
    use super::throttle::Count;
    let keys = [
        (
            super::throttle::key("current-password", &user.user_id.to_string()),
            Count::Attempts,
        ),
        (
            super::throttle::key(
                "address",
                &super::throttle::client_network(&user.client_addr),
            ),
            Count::Failures,
        ),
    ];
    let wrong = || AppError::invalid("current_password", "Current password is not correct");
    if !super::throttle::wait_turn(db, &keys).await? {
        return Err(wrong());
    }
    let ok = password::verify(current, record.password_hash)
        .await
        .map_err(password_error)?;
    if !ok {
        let mut tx = db.begin_write().await?;
        super::throttle::settle(&mut tx, &keys, false).await?;
        tx.commit().await?;
        return Err(wrong());
    }
    let hash = password::hash(new).await.map_err(password_error)?;
    let mut tx = db.begin_write().await?;
    users::set_password_hash(&mut tx, user.user_id, &hash).await?;
    super::throttle::settle(&mut tx, &keys, true).await?;
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
    tx.commit().await?;
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
    tx.commit().await?;
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
    let actor = Who::cli();
    let slug = match workspace {
        None => None,
        Some((name_or_slug, role)) => {
            let existing = workspaces::slugs_like(&mut tx, name_or_slug).await?;
            if existing.iter().any(|s| s == name_or_slug) {
                let ws = workspaces::id_by_slug(&mut *tx, name_or_slug)
                    .await?
                    .ok_or(AppError::Internal)?;
                workspaces::add_member(&mut tx, ws, user_id, role).await?;
                let target = Target::user(user_id, email.as_str());
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
    tx.commit().await?;
    Ok(slug)
}

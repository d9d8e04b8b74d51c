//! Workspaces and their members: owners manage every role, admins
//! editors only, and a workspace always keeps an owner.

use super::*;

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
        &user.who(),
        Action::WorkspaceCreated,
        Some(&Target::workspace(id, &slug)),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(slug)
}

pub async fn members_page(db: &Db, member: &Member) -> Result<MembersPage, AppError> {
    let paused =
        crate::server::rules::api_block::withhold::paused_members(db, &member.clone().into())
            .await?;
    let members = workspaces::members(db.pool(), member.workspace.id)
        .await?
        .into_iter()
        .map(|m| MemberView {
            is_you: m.user_id == member.user.user_id,
            runs_paused: paused.contains(&m.user_id),
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
        &actor.who(),
        Action::MemberAdded,
        Some(&Target::user(user_id, email.as_str())),
        Some(input.role.as_str().to_string()),
    )
    .await?;
    tx.commit().await?;
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
    // A token's rights do not outlive its maker's right to make tokens.
    let mut detail = format!("{} -> {}", old_role.as_str(), new_role.as_str());
    if !new_role.grants(crate::model::Permission::ManageWorkspace) {
        let revoked = crate::server::infra::db::tokens::revoke_made_by(
            &mut tx,
            actor.workspace.id,
            user_id,
            now_ms(),
        )
        .await?;
        if revoked > 0 {
            detail.push_str(&format!("; {revoked} access tokens revoked"));
        }
    }
    audit::record(
        &mut tx,
        actor.workspace.id,
        &actor.who(),
        Action::MemberRoleChanged,
        Some(&Target::user(user.id, &user.email)),
        Some(detail),
    )
    .await?;
    tx.commit().await?;
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
    crate::server::infra::db::tokens::revoke_made_by(
        &mut tx,
        actor.workspace.id,
        user_id,
        now_ms(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor.workspace.id,
        &actor.who(),
        Action::MemberRemoved,
        Some(&Target::user(user.id, &user.email)),
        Some(role.as_str().to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

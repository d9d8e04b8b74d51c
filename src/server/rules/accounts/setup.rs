//! Set-up (once, guarded by a token off loopback) and where `/` leads.

use super::*;

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
    let actor = Who::user(user_id, email.as_str(), client_addr);
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
    tx.commit().await?;
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

//! Who the caller is and what they may do. Every server function starts by
//! asking for one of these proofs; they can only be made here, so a
//! handler cannot act for a caller it has not checked.

use crate::error::AppError;
use crate::model::{Role, UserId};
use crate::server::audit::Actor;
use crate::server::client::client_addr;
use crate::server::db::workspaces::WorkspaceRecord;
use crate::server::db::{users, workspaces};
use crate::server::session;
use crate::server::state::AppState;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use std::net::SocketAddr;
use tower_sessions::Session;

/// What a server function needs of its request.
pub struct RequestCtx {
    pub state: AppState,
    pub session: Session,
    pub client_addr: String,
}

impl RequestCtx {
    /// Gathers state, session and client address from the Leptos context.
    pub async fn get() -> Result<RequestCtx, AppError> {
        let state = AppState::from_context()?;
        let session = leptos_axum::extract::<Session>()
            .await
            .map_err(|e| internal("no session layer", e))?;
        let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
            .await
            .map_err(|e| internal("no peer address", e))?;
        let headers = leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|e| internal("no headers", e))?;
        let client_addr =
            client_addr(peer.ip(), &headers, &state.settings.trusted_proxies).to_string();
        Ok(RequestCtx {
            state,
            session,
            client_addr,
        })
    }

    /// The signed-in user's id, or `None`.
    pub async fn user_id(&self) -> Result<Option<UserId>, AppError> {
        session::user_id(&self.session, self.state.settings.session)
            .await
            .map_err(|e| internal("session", e))
    }

    /// Proof that the caller is signed in, or `Unauthenticated`.
    pub async fn signed_in(&self) -> Result<SignedIn, AppError> {
        let Some(user_id) = self.user_id().await? else {
            return Err(AppError::Unauthenticated);
        };
        let Some(user) = users::find_by_id(self.state.db.pool(), user_id).await? else {
            return Err(self.account_gone().await);
        };
        Ok(self.proof(user))
    }

    /// Proof that the caller is a member of workspace `slug` with at least
    /// `min` role. Unknown workspaces and non-members get the same
    /// `Forbidden`, so slugs cannot be probed. One query for the user and
    /// the membership.
    pub async fn member(&self, slug: &str, min: Role) -> Result<Member, AppError> {
        let Some(user_id) = self.user_id().await? else {
            return Err(AppError::Unauthenticated);
        };
        let Some((user, membership)) =
            workspaces::user_and_membership(self.state.db.pool(), user_id, slug).await?
        else {
            return Err(self.account_gone().await);
        };
        let Some(membership) = membership.filter(|m| m.role >= min) else {
            return Err(AppError::Forbidden);
        };
        Ok(Member {
            user: self.proof(user),
            workspace: membership.workspace,
            role: membership.role,
            _proof: (),
        })
    }

    fn proof(&self, user: users::UserRecord) -> SignedIn {
        SignedIn {
            user_id: user.id,
            email: user.email,
            display_name: user.display_name,
            client_addr: self.client_addr.clone(),
            _proof: (),
        }
    }

    /// The account is gone: the session means nothing any more.
    async fn account_gone(&self) -> AppError {
        let _ = session::end(&self.session).await;
        AppError::Unauthenticated
    }
}

fn internal(what: &str, err: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %err, "request context: {what}");
    AppError::Internal
}

/// A signed-in user. The private field means only this module can make one
/// (`#[non_exhaustive]` would still allow the rest of the crate).
#[derive(Debug, Clone)]
#[allow(clippy::manual_non_exhaustive)]
pub struct SignedIn {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub client_addr: String,
    _proof: (),
}

impl SignedIn {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            email: Some(self.email.clone()),
            client_addr: Some(self.client_addr.clone()),
        }
    }
}

/// A member of one workspace with a known role; only this module makes one.
#[derive(Debug, Clone)]
#[allow(clippy::manual_non_exhaustive)]
pub struct Member {
    pub user: SignedIn,
    pub workspace: WorkspaceRecord,
    pub role: Role,
    _proof: (),
}

impl Member {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
}

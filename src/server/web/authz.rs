//! Who the caller is and what they may do. Every server function starts by
//! asking for one of these proofs; they can only be made here, each after a
//! database check, so a handler cannot act for a caller it has not checked.
//! `RequestCtx` makes them from an HTTP request; `member_of` and
//! `token_caller` are the same checks without one (tests, the REST API).

use crate::error::AppError;
use crate::model::{Permission, Role, Scope, TokenId, UserId};
use crate::server::infra::db::workspaces::WorkspaceRecord;
use crate::server::infra::db::{now_ms, tokens, users, workspaces, Db};
use crate::server::rules::audit::{By, Who};
use crate::server::rules::tokens::hash_of;
use crate::server::web::client::client_addr;
use crate::server::web::session;
use crate::server::web::state::AppState;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};
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
        match session::user_id(&self.session, self.state.settings.session).await {
            Ok(user_id) => Ok(user_id),
            Err(err) => Err(self.session_failed(err).await),
        }
    }

    /// The answer to a failed session read or write ([`session::failed`]).
    pub async fn session_failed(&self, err: session::SessionError) -> AppError {
        session::failed(&self.state.db, err).await
    }

    /// Proof that the caller is signed in, or `Unauthenticated`.
    pub async fn signed_in(&self) -> Result<SignedIn, AppError> {
        let Some(user_id) = self.user_id().await? else {
            return Err(AppError::Unauthenticated);
        };
        let Some(user) = users::find_by_id(self.state.db.pool(), user_id).await? else {
            return Err(self.account_gone().await);
        };
        Ok(signed_in(user, &self.client_addr))
    }

    /// Proof that the caller is a member of workspace `slug` with at least
    /// `min` role (see [`member_of`]).
    pub async fn member(&self, slug: &str, min: Role) -> Result<Member, AppError> {
        let Some(user_id) = self.user_id().await? else {
            return Err(AppError::Unauthenticated);
        };
        match member_of(&self.state.db, user_id, slug, min, &self.client_addr).await {
            Err(AppError::Unauthenticated) => Err(self.account_gone().await),
            other => other,
        }
    }

    /// The caller as an actor in workspace `slug`: any member; what they
    /// may do there is asked of [`Actor::can`].
    pub async fn actor(&self, slug: &str) -> Result<Actor, AppError> {
        Ok(Actor::Member(self.member(slug, Role::Editor).await?))
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

fn signed_in(user: users::UserRecord, client_addr: &str) -> SignedIn {
    SignedIn {
        user_id: user.id,
        email: user.email,
        display_name: user.display_name,
        client_addr: client_addr.to_string(),
        _proof: (),
    }
}

/// Proof that user `user_id` is a member of workspace `slug` with at least
/// `min` role, checked in the database (one query for the user and the
/// membership). A user that no longer exists is `Unauthenticated`; unknown
/// workspaces and non-members get the same `Forbidden`, so slugs cannot be
/// probed.
pub async fn member_of(
    db: &Db,
    user_id: UserId,
    slug: &str,
    min: Role,
    client_addr: &str,
) -> Result<Member, AppError> {
    let Some((user, membership)) =
        workspaces::user_and_membership(db.pool(), user_id, slug).await?
    else {
        return Err(AppError::Unauthenticated);
    };
    let Some(membership) = membership.filter(|m| m.role >= min) else {
        return Err(AppError::Forbidden);
    };
    Ok(Member {
        user: signed_in(user, client_addr),
        workspace: membership.workspace,
        role: membership.role,
        _proof: (),
    })
}

/// Proof that `presented` is a live access token (not revoked, not
/// expired) and that `client` is inside its allowed networks. Every
/// refusal of the token itself is the same `Unauthenticated`, so a guess
/// learns nothing; a live token used from elsewhere is `Forbidden`.
pub async fn token_caller(
    db: &Db,
    presented: &str,
    client: IpAddr,
) -> Result<TokenCaller, AppError> {
    let Some(hash) = hash_of(presented) else {
        return Err(AppError::Unauthenticated);
    };
    let now = now_ms();
    let Some(row) = tokens::find_live(db.pool(), &hash, now).await? else {
        return Err(AppError::Unauthenticated);
    };
    if !row.allows(client) {
        return Err(AppError::Forbidden);
    }
    tokens::touch(db.pool(), row.id, now).await?;
    Ok(TokenCaller {
        id: row.id,
        name: row.name,
        workspace: row.workspace,
        scopes: row.scopes,
        client_addr: client.to_string(),
        _proof: (),
    })
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
    pub fn who(&self) -> Who {
        Who::user(self.user_id, &self.email, &self.client_addr)
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
    pub fn who(&self) -> Who {
        self.user.who()
    }
}

/// A live access token of one workspace; only this module makes one.
#[derive(Debug, Clone)]
#[allow(clippy::manual_non_exhaustive)]
pub struct TokenCaller {
    pub id: TokenId,
    pub name: String,
    pub workspace: WorkspaceRecord,
    pub scopes: Vec<Scope>,
    pub client_addr: String,
    _proof: (),
}

impl TokenCaller {
    /// The token as an AI agent over MCP: it must hold `agent:use`, and
    /// acts with that scope only, whatever else it holds (no more than an
    /// editor may; never a change to the workspace).
    pub fn as_agent(self) -> Result<TokenCaller, AppError> {
        if !self.scopes.contains(&Scope::AgentUse) {
            return Err(AppError::Forbidden);
        }
        Ok(TokenCaller {
            scopes: vec![Scope::AgentUse],
            ..self
        })
    }

    /// The token on the REST API: `agent:use` is for `/mcp` only and
    /// grants nothing there.
    pub fn off_mcp(mut self) -> TokenCaller {
        self.scopes.retain(|s| *s != Scope::AgentUse);
        self
    }
}

/// Whoever acts in a workspace: a member through the UI, or an access
/// token (SPEC §10). The rules of variables, workflows and the audit log
/// take an `Actor` and ask it what it may do.
#[derive(Debug, Clone)]
pub enum Actor {
    Member(Member),
    Token(TokenCaller),
}

impl Actor {
    pub fn workspace(&self) -> &WorkspaceRecord {
        match self {
            Actor::Member(m) => &m.workspace,
            Actor::Token(t) => &t.workspace,
        }
    }

    /// Whether this actor has `permission` in its workspace: a member by
    /// role (SPEC §2), a token by its scopes.
    pub fn can(&self, permission: Permission) -> bool {
        match self {
            Actor::Member(m) => m.role.grants(permission),
            Actor::Token(t) => t.scopes.iter().any(|s| s.grants(permission)),
        }
    }

    /// `can`, as a refusal.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The user to record as a row's last editor (none for a token: the
    /// audit log names it).
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::Member(m) => Some(m.user.user_id),
            Actor::Token(_) => None,
        }
    }

    pub fn who(&self) -> Who {
        match self {
            Actor::Member(m) => m.who(),
            Actor::Token(t) => Who {
                by: By::Token(t.id, t.name.clone()),
                client_addr: t.client_addr.clone(),
            },
        }
    }
}

impl From<Member> for Actor {
    fn from(member: Member) -> Actor {
        Actor::Member(member)
    }
}

//! The rules without HTTP: a real database (SQLite file, or PostgreSQL
//! when VARVAULT_TEST_POSTGRES_URL is set) and the keyring, with members
//! and tokens proven by the same database checks a request goes through
//! (`authz::member_of`, `authz::token_caller`).

use super::{fresh_database_url, test_config};
use std::net::IpAddr;
use tempfile::TempDir;
use varvault::error::AppError;
use varvault::model::{Email, Role, Scope, UserId};
use varvault::server::infra::crypto::{Keyring, SecretValue};
use varvault::server::infra::db::{users, Db};
use varvault::server::rules::accounts::{self, NewMember, SetupInput};
use varvault::server::rules::tokens::{self, NewToken};
use varvault::server::web::authz::{self, Actor, Member, TokenCaller};
use varvault::server::web::startup::open_database;

pub const CLIENT: &str = "192.0.2.10";

pub struct Domain {
    pub db: Db,
    pub keyring: Keyring,
    pub slug: String,
    pub owner_id: UserId,
    _dir: TempDir,
}

/// A fresh database with its owner and workspace, as set-up leaves it.
pub async fn domain() -> Domain {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = test_config(&dir, fresh_database_url(&dir).await);
    let (db, keyring) = open_database(&config).await.expect("database opens");
    let (owner_id, slug) = accounts::setup_owner(
        &db,
        SetupInput {
            email: "owner@example.com".into(),
            display_name: "Olive Owner".into(),
            password: "owner-password-1234".into(),
            workspace_name: "Acme Support".into(),
            setup_token: None,
        },
        false,
        CLIENT,
    )
    .await
    .expect("set-up");
    Domain {
        db,
        keyring,
        slug,
        owner_id,
        _dir: dir,
    }
}

impl Domain {
    /// The proof for a user, checked in the database as a request is.
    pub async fn member_of(&self, user: UserId) -> Result<Member, AppError> {
        authz::member_of(&self.db, user, &self.slug, Role::Editor, CLIENT).await
    }

    pub async fn owner(&self) -> Member {
        self.member_of(self.owner_id).await.expect("the owner")
    }

    /// Adds a member with `role` (as the owner) and returns them as an actor.
    pub async fn actor(&self, email: &str, role: Role) -> Actor {
        accounts::add_member(
            &self.db,
            &self.owner().await,
            NewMember {
                email: email.into(),
                display_name: format!("Test {role}"),
                initial_password: "initial-password-1234".into(),
                role,
            },
        )
        .await
        .expect("add member");
        let email = Email::parse(email).unwrap();
        let user = users::find_by_email(self.db.pool(), &email)
            .await
            .unwrap()
            .expect("the new user");
        Actor::Member(self.member_of(user.id).await.expect("proof"))
    }

    /// Makes a token (as the owner) and returns its secret.
    pub async fn token(&self, name: &str, scopes: &[Scope], networks: &str) -> SecretValue {
        tokens::create(
            &self.db,
            &self.owner().await,
            NewToken {
                name: name.into(),
                scopes: scopes.to_vec(),
                expires_at: None,
                allowed_networks: networks.into(),
            },
        )
        .await
        .expect("token")
        .token
    }

    pub async fn token_caller(&self, token: &str, from: &str) -> Result<TokenCaller, AppError> {
        authz::token_caller(&self.db, token, from.parse::<IpAddr>().unwrap()).await
    }

    /// A token actor with `scopes`, from the default client address.
    pub async fn token_actor(&self, name: &str, scopes: &[Scope]) -> Actor {
        let token = self.token(name, scopes, "").await;
        Actor::Token(
            self.token_caller(token.expose(), CLIENT)
                .await
                .expect("live"),
        )
    }
}

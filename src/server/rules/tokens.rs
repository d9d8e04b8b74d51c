//! Workspace access tokens (SPEC §10): made by owners and admins, shown
//! once, stored only as a SHA-256 hash, revoked at the next request. The
//! REST API authenticates with them through `authz::token_caller`.

use crate::error::AppError;
use crate::model::{Permission, Scope, TokenId};
use crate::server::infra::crypto::SecretValue;
use crate::server::infra::db::{now_ms, tokens, Db};
use crate::server::rules::audit::{self, Action, Target};
use crate::server::web::authz::{Actor, Member};
use crate::server::web::client::{parse_net, IpNet};
use base64::Engine;
use sha2::{Digest, Sha256};

const PREFIX: &str = "vv_";
/// 32 random bytes in unpadded base64url.
const BODY_CHARS: usize = 43;
/// How much of a token the list shows.
const SHOWN_CHARS: usize = PREFIX.len() + 6;
const NAME_MAX_CHARS: usize = 64;

/// What an owner or admin asks for.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Milliseconds since the epoch; must be in the future.
    pub expires_at: Option<i64>,
    /// CIDR blocks or addresses, one per line; empty for any network.
    pub allowed_networks: String,
}

/// A token just made: the only time its secret exists outside the caller.
#[derive(Debug)]
pub struct CreatedToken {
    pub id: TokenId,
    pub token: SecretValue,
}

/// The stored hash of a presented token, or `None` when it cannot be one
/// of ours (wrong prefix, length or alphabet), so nothing is looked up.
pub fn hash_of(presented: &str) -> Option<String> {
    let body = presented.strip_prefix(PREFIX)?;
    let well_formed = body.len() == BODY_CHARS
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| hex::encode(Sha256::digest(presented.as_bytes())))
}

fn generate() -> SecretValue {
    use rand::RngCore;
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(bytes.as_mut());
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_ref());
    SecretValue::new(format!("{PREFIX}{body}"))
}

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(AppError::invalid(
            "name",
            format!("Token name must be 1 to {NAME_MAX_CHARS} characters"),
        ));
    }
    Ok(name.to_string())
}

fn check_networks(text: &str) -> Result<Vec<IpNet>, AppError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            parse_net(l).ok_or_else(|| {
                AppError::invalid(
                    "allowed_networks",
                    format!("{l:?} is not a CIDR block or an IP address"),
                )
            })
        })
        .collect()
}

/// Makes a token for the member's workspace (owners and admins).
pub async fn create(db: &Db, member: &Member, input: NewToken) -> Result<CreatedToken, AppError> {
    Actor::Member(member.clone()).require(Permission::ManageWorkspace)?;
    let name = check_name(&input.name)?;
    let mut scopes = input.scopes;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::invalid("scopes", "Choose at least one scope"));
    }
    let now = now_ms();
    if input.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::invalid(
            "expires_at",
            "The expiry date must be in the future",
        ));
    }
    let networks = check_networks(&input.allowed_networks)?;
    let token = generate();
    let hash = hash_of(token.expose()).ok_or(AppError::Internal)?;
    let ws = member.workspace.id;
    let mut tx = db.begin_write().await?;
    let row = tokens::NewToken {
        workspace_id: ws,
        name: &name,
        prefix: &token.expose()[..SHOWN_CHARS],
        hash: &hash,
        scopes: &scopes,
        expires_at: input.expires_at,
        networks: &networks,
        created_by: member.user.user_id,
        now,
    };
    let id = match tokens::insert(&mut tx, &row).await {
        Ok(id) => id,
        Err(err) if err.is_unique_violation() => {
            return Err(AppError::conflict(
                "name",
                format!("A token named {name} already exists"),
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let codes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    audit::record(
        &mut tx,
        ws,
        &member.who(),
        Action::TokenCreated,
        Some(&Target::token(id, &name)),
        Some(codes.join(" ")),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken { id, token })
}

/// Revokes a token of the member's workspace; it stops working at its
/// next request, on every instance (each request looks it up).
pub async fn revoke(db: &Db, member: &Member, id: TokenId) -> Result<(), AppError> {
    Actor::Member(member.clone()).require(Permission::ManageWorkspace)?;
    let ws = member.workspace.id;
    let mut tx = db.begin_write().await?;
    let Some(name) = tokens::revoke(&mut tx, ws, id, now_ms()).await? else {
        return Err(AppError::NotFound);
    };
    audit::record(
        &mut tx,
        ws,
        &member.who(),
        Action::TokenRevoked,
        Some(&Target::token(id, &name)),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The workspace's tokens, for its owners and admins (never a token).
pub async fn list(db: &Db, member: &Member) -> Result<Vec<crate::model::TokenView>, AppError> {
    Actor::Member(member.clone()).require(Permission::ManageWorkspace)?;
    Ok(tokens::list(db.pool(), member.workspace.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_tokens_have_the_documented_shape_and_hash() {
        let t = generate();
        let s = t.expose();
        assert!(s.starts_with("vv_") && s.len() == 3 + 43, "{}", s.len());
        let h = hash_of(s).expect("well formed");
        assert_eq!(h.len(), 64);
        assert_ne!(generate().expose(), s);
    }

    #[test]
    fn malformed_tokens_are_not_looked_up() {
        let good = generate();
        let body = &good.expose()[3..];
        for bad in [
            String::new(),
            body.to_string(),
            format!("xx_{body}"),
            format!("vv_{}", &body[1..]),
            format!("vv_{body}A"),
            format!("vv_{}+", &body[1..]),
            format!("vv_{}é", &body[2..]),
        ] {
            assert_eq!(hash_of(&bad), None, "{bad:?}");
        }
    }
}

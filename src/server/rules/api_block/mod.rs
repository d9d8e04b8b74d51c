//! Running an API block (SPEC §5): resolve its placeholders on the server
//! (`fill`), decrypt each secret for this request only, check where the
//! request may go before any byte leaves (`placement`, `rules`,
//! `outbound`), send it (`send`), and show the answer only once it is
//! screened (`answer`): the secrets it sent replaced, and withheld if any
//! other piece of a secret is left (`withhold`).

pub mod answer;
pub mod body;
pub mod fill;
pub mod in_flight;
pub mod placement;
pub mod rules;
mod send;
pub mod withhold;

use crate::error::AppError;
use crate::model::{
    BlockId, KeyValue, Permission, RunResult, VariableKind, Visibility, SECRET_MIN_BYTES,
};
use crate::server::infra::crypto::keyring::ValueSlot;
use crate::server::infra::crypto::{Keyring, SecretValue};
use crate::server::infra::db::workflows as blocks;
use crate::server::infra::db::{variables as rows, Db};
use crate::server::infra::hosts::HostPatterns;
use crate::server::infra::outbound::Outbound;
use crate::server::rules::redaction::{FingerprintCache, Screen};
use crate::server::web::authz::Actor;
use crate::template::RefKind;
use fill::{UsedSecret, Values};
use std::sync::Arc;

/// What a run needs of the server.
#[derive(Clone, Copy)]
pub struct Engine<'a> {
    pub db: &'a Db,
    pub keyring: &'a Keyring,
    pub outbound: &'a Outbound,
    pub fingerprints: &'a FingerprintCache,
    pub in_flight: &'a Arc<in_flight::InFlight>,
}

impl<'a> Engine<'a> {
    pub fn of(state: &'a crate::server::web::state::AppState) -> Engine<'a> {
        Engine {
            db: &state.db,
            keyring: &state.keyring,
            outbound: &state.outbound,
            fingerprints: &state.fingerprints,
            in_flight: &state.in_flight,
        }
    }
}

/// A run refused by a rule (nothing was sent).
fn refuse(message: impl Into<String>) -> AppError {
    AppError::rule(message)
}

/// The rules a secret must meet to be sent at all, whatever was stored
/// before they existed: a value long enough to redact, and allowed hosts
/// that still parse (at least one for a restricted secret).
pub fn usable_secret(
    name: &str,
    visibility: Option<Visibility>,
    value: &SecretValue,
    stored_hosts: &str,
) -> Result<HostPatterns, AppError> {
    if value.expose().len() < SECRET_MIN_BYTES {
        return Err(refuse(format!(
            "{name} cannot be used: a secret's value must be at least {SECRET_MIN_BYTES} bytes \
             (shorter ones cannot be redacted); an owner or admin must set a longer one. \
             Nothing was sent."
        )));
    }
    let allowed = HostPatterns::from_stored(stored_hosts).map_err(|_| {
        refuse(format!(
            "{name} cannot be used: its allowed hosts can no longer be read; an owner or admin \
             must set them again. Nothing was sent."
        ))
    })?;
    let restricted = visibility != Some(Visibility::Masked);
    if restricted && allowed.is_empty() {
        return Err(refuse(format!(
            "{name} cannot be used: a restricted secret needs at least one allowed host; an \
             owner or admin must set them. Nothing was sent."
        )));
    }
    Ok(allowed)
}

/// Who asked for a run: a member in the workflow editor, or an AI agent
/// over MCP, whose secrets are held to more (`agent_checks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Editor,
    Mcp,
}

/// One request to run: a saved block's fields, or an agent's request
/// (`block` none), checked like a block's by `workflows::check_fields`.
pub struct Outgoing {
    pub block: Option<BlockId>,
    /// The block's name (or what an agent's request is called), as the
    /// secrets' health shows it.
    pub name: String,
    pub via: Via,
    pub method: String,
    pub url: String,
    pub query: Vec<KeyValue>,
    pub headers: Vec<KeyValue>,
    pub body: String,
}

impl Outgoing {
    pub fn of_block(block: blocks::BlockRecord, via: Via) -> Outgoing {
        Outgoing {
            block: Some(block.id),
            name: block.name,
            via,
            method: block.method,
            url: block.url,
            query: block.query,
            headers: block.headers,
            body: block.body,
        }
    }

    /// Where a secret was sent from, as the audit log says it.
    pub fn source(&self) -> String {
        match (self.block, self.via) {
            (Some(_), Via::Editor) => format!("API block {}", self.name),
            (Some(_), Via::Mcp) => format!("API block {} via MCP", self.name),
            (None, _) => format!("{} via MCP", self.name),
        }
    }
}

/// Runs block `block_id` for `actor`.
pub async fn run(
    engine: Engine<'_>,
    actor: &Actor,
    block_id: BlockId,
    via: Via,
) -> Result<RunResult, AppError> {
    actor.require(Permission::UseWorkflows)?;
    let block = blocks::block(engine.db.pool(), actor.workspace().id, block_id)
        .await?
        .ok_or(AppError::NotFound)?;
    run_outgoing(engine, actor, Outgoing::of_block(block, via)).await
}

/// Runs `block`: a saved block's fields or an agent's request.
pub async fn run_outgoing(
    engine: Engine<'_>,
    actor: &Actor,
    block: Outgoing,
) -> Result<RunResult, AppError> {
    actor.require(Permission::UseWorkflows)?;
    // Held until the run ends, whichever way.
    let _slot = engine.in_flight.take(&withhold::caller_key(actor))?;
    withhold::ensure_running(engine.db, actor).await?;
    let ws = actor.workspace().id;
    for (i, kv) in block.headers.iter().enumerate() {
        if let Some(refusal) = rules::header_name_refusal(i + 1, kv.name.trim()) {
            return Err(refuse(refusal));
        }
    }
    let values = load_values(engine, actor, &block).await?;
    let fingerprints = engine
        .fingerprints
        .get(engine.db, engine.keyring, ws)
        .await?;
    let sent: Vec<_> = values
        .secrets
        .values()
        .map(|s| (s.id, s.name.as_str(), &s.value))
        .collect();
    let screen = Arc::new(Screen::new(fingerprints, &sent));
    // Refusals are built without filled text; screened anyway.
    send::send(engine, actor, &block, &values, screen.clone())
        .await
        .map_err(|err| match err {
            AppError::Invalid { field, message } => AppError::Invalid {
                field,
                message: screen.redact(&message),
            },
            AppError::Upstream(message) => AppError::Upstream(screen.redact(&message)),
            other => other,
        })
}

/// What an agent's run must meet beyond a block's (issue 27): whoever
/// injects a prompt into the agent steers it, so a secret goes only to
/// hosts an owner or admin named, and only in a header value unless one
/// of them allowed the URL and the body too (a multi-tenant host would
/// let the agent write the value into something others read).
fn agent_checks(
    name: &str,
    allowed: &HostPatterns,
    anywhere: bool,
    block: &Outgoing,
) -> Result<(), AppError> {
    if allowed.is_empty() {
        return Err(refuse(format!(
            "{name} has no allowed hosts; agents may use only secrets bound to hosts. \
             Nothing was sent."
        )));
    }
    if anywhere {
        return Ok(());
    }
    let mut outside: Vec<&str> = vec![&block.url, &block.body];
    outside.extend(block.query.iter().map(|kv| kv.value.as_str()));
    let named = fill::names(&outside, RefKind::Secret)?;
    if named.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return Err(refuse(format!(
            "{name} may stand only in a header value when an agent sends it; an owner or \
             admin can tick \"Agents may place it in the URL or body\" on it. Nothing was sent."
        )));
    }
    Ok(())
}

/// Everything the block refers to, from every field, each name looked up
/// once; secrets decrypted and checked.
async fn load_values(
    engine: Engine<'_>,
    actor: &Actor,
    block: &Outgoing,
) -> Result<Values, AppError> {
    let ws = actor.workspace().id;
    let mut fields: Vec<&str> = vec![&block.url, &block.body];
    fields.extend(block.query.iter().map(|kv| kv.value.as_str()));
    fields.extend(block.headers.iter().map(|kv| kv.value.as_str()));
    let mut values = Values::default();
    let mut conn = engine.db.pool().acquire().await?;
    for name in fill::names(&fields, RefKind::Var)? {
        let found = rows::by_name(&mut *conn, ws, &name).await?;
        match found.filter(|r| r.kind == VariableKind::Plain) {
            Some(r) => {
                let value = r.plain_value.unwrap_or_default();
                values.vars.insert(name.to_ascii_lowercase(), value);
            }
            None => return Err(refuse(format!("Missing variable {name}"))),
        }
    }
    for name in fill::names(&fields, RefKind::Secret)? {
        let Some(r) = rows::by_name(&mut *conn, ws, &name)
            .await?
            .filter(|r| r.kind == VariableKind::Secret)
        else {
            return Err(refuse(format!("Missing secret {name}")));
        };
        let (Some(blob), Some(kv)) = (r.ciphertext.as_deref(), r.key_version) else {
            return Err(AppError::Internal);
        };
        let slot = ValueSlot {
            workspace: ws,
            secret: r.id,
            version: r.value_version,
        };
        let value = engine
            .keyring
            .open_value(&mut conn, kv, slot, blob)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "a secret does not decrypt");
                AppError::Internal
            })?;
        let allowed = usable_secret(&r.name, r.visibility, &value, &r.allowed_hosts)?;
        if block.via == Via::Mcp {
            agent_checks(&r.name, &allowed, r.agents_anywhere != 0, block)?;
        }
        values.secrets.insert(
            name.to_ascii_lowercase(),
            UsedSecret {
                id: r.id,
                name: r.name.clone(),
                allowed,
                value,
                expires_on: r.expires_on.clone(),
            },
        );
    }
    Ok(values)
}

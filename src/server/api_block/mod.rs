//! Running an API block (SPEC §5): resolve its placeholders on the server,
//! decrypt each secret for this request only, check where the request may
//! go before any byte leaves, send it, and return the answer with every
//! secret it used redacted.

pub mod placement;
pub mod redact;
pub mod rules;

use crate::error::AppError;
use crate::model::{
    BlockId, Day, Expiry, Permission, RunResult, VariableId, VariableKind, Visibility,
    SECRET_MIN_BYTES,
};
use crate::server::audit::{self, Action, Target};
use crate::server::authz::Actor;
use crate::server::crypto::keyring::ValueSlot;
use crate::server::crypto::{Keyring, SecretValue};
use crate::server::db::workflows as blocks;
use crate::server::db::{now_ms, runs, variables as rows, Db, DbError};
use crate::server::hosts::HostPatterns;
use crate::server::outbound::{self, Outbound, Refusal, ResolveError};
use crate::template::{self, Piece, RefKind};
use redact::Redactor;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);
/// The Response region shows at most this much of a body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A run refused by a rule (nothing was sent).
fn refuse(message: impl Into<String>) -> AppError {
    AppError::rule(message)
}

/// A request that did not complete: the upstream's trouble, not the
/// block's.
fn upstream(message: String) -> AppError {
    AppError::Upstream(message)
}

/// A destination refused by the outbound checks: a rule when it is where
/// the block may not send, the upstream's trouble when its name does not
/// resolve.
fn refused_destination(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Resolve(ResolveError::Unresolved) => upstream(refusal.to_string()),
        _ => refuse(refusal.to_string()),
    }
}

/// A secret decrypted for one run.
struct UsedSecret {
    id: VariableId,
    name: String,
    value: SecretValue,
    allowed: HostPatterns,
    expires_on: Option<String>,
}

/// Substitutes placeholders; every referenced name is already loaded.
fn fill(
    text: &str,
    secrets: &BTreeMap<String, UsedSecret>,
    vars: &BTreeMap<String, String>,
) -> Result<Zeroizing<String>, AppError> {
    let pieces = template::parse(text).map_err(|e| refuse(e.to_string()))?;
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Ref {
                kind: RefKind::Secret,
                name,
                ..
            } => {
                let s = secrets
                    .get(&name.to_ascii_lowercase())
                    .ok_or_else(|| refuse(format!("Missing secret {name}")))?;
                out.push_str(s.value.expose());
            }
            Piece::Ref {
                kind: RefKind::Var,
                name,
                ..
            } => {
                let v = vars
                    .get(&name.to_ascii_lowercase())
                    .ok_or_else(|| refuse(format!("Missing variable {name}")))?;
                out.push_str(v);
            }
        }
    }
    Ok(out)
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

/// Runs block `block_id` for `actor`.
pub async fn run(
    db: &Db,
    keyring: &Keyring,
    outbound: &Outbound,
    actor: &Actor,
    block_id: BlockId,
) -> Result<RunResult, AppError> {
    actor.require(Permission::UseWorkflows)?;
    let ws = actor.workspace().id;
    let block = blocks::block(db.pool(), ws, block_id)
        .await?
        .ok_or(AppError::NotFound)?;
    for (i, kv) in block.headers.iter().enumerate() {
        if let Some(refusal) = rules::header_name_refusal(i + 1, kv.name.trim()) {
            return Err(refuse(refusal));
        }
    }

    // Everything the block refers to, from every field.
    let mut fields: Vec<&str> = vec![&block.url, &block.body];
    fields.extend(block.query.iter().map(|kv| kv.value.as_str()));
    fields.extend(block.headers.iter().map(|kv| kv.value.as_str()));
    let mut secret_names = Vec::new();
    let mut var_names = Vec::new();
    for field in &fields {
        let pieces = template::parse(field).map_err(|e| refuse(e.to_string()))?;
        secret_names.extend(template::refs(&pieces, RefKind::Secret));
        var_names.extend(template::refs(&pieces, RefKind::Var));
    }

    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let mut vars = BTreeMap::new();
    for name in var_names {
        let found = rows::by_name(&mut *conn, ws, &name).await?;
        match found.filter(|r| r.kind == VariableKind::Plain) {
            Some(r) => {
                vars.insert(name.to_ascii_lowercase(), r.plain_value.unwrap_or_default());
            }
            None => return Err(refuse(format!("Missing variable {name}"))),
        }
    }
    let mut secrets = BTreeMap::new();
    for name in secret_names {
        let key = name.to_ascii_lowercase();
        if secrets.contains_key(&key) {
            continue;
        }
        let Some(r) = rows::by_name(&mut *conn, ws, &name)
            .await?
            .filter(|r| r.kind == VariableKind::Secret)
        else {
            return Err(refuse(format!("Missing secret {name}")));
        };
        let (Some(blob), Some(kv)) = (r.ciphertext.as_deref(), r.key_version) else {
            return Err(AppError::Internal);
        };
        let value = keyring
            .open_value(
                &mut conn,
                kv,
                ValueSlot {
                    workspace: ws,
                    secret: r.id,
                    version: r.value_version,
                },
                blob,
            )
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "a secret does not decrypt");
                AppError::Internal
            })?;
        let allowed = usable_secret(&r.name, r.visibility, &value, &r.allowed_hosts)?;
        secrets.insert(
            key,
            UsedSecret {
                id: r.id,
                name: r.name.clone(),
                allowed,
                value,
                expires_on: r.expires_on.clone(),
            },
        );
    }
    drop(conn);
    let redactor = Redactor::new(
        secrets
            .values()
            .map(|s| (s.name.as_str(), s.value.expose())),
    );
    // Refusals are built without filled text; redacted anyway.
    send(db, outbound, actor, &block, &secrets, &vars, &redactor)
        .await
        .map_err(|err| match err {
            AppError::Invalid { field, message } => AppError::Invalid {
                field,
                message: redactor.redact(&message),
            },
            AppError::Upstream(message) => AppError::Upstream(redactor.redact(&message)),
            other => other,
        })
}

/// Checks where the request goes, records each secret's use, sends it and
/// reads the answer, redacted.
#[allow(clippy::too_many_arguments)]
async fn send(
    db: &Db,
    outbound: &Outbound,
    actor: &Actor,
    block: &blocks::BlockRecord,
    secrets: &BTreeMap<String, UsedSecret>,
    vars: &BTreeMap<String, String>,
    redactor: &Redactor,
) -> Result<RunResult, AppError> {
    // The destination, decided by parsing with markers, checked before
    // any byte leaves.
    let values: BTreeMap<String, &str> = secrets
        .iter()
        .map(|(k, s)| (k.clone(), s.value.expose()))
        .collect();
    let destination =
        placement::resolve(&block.url, vars, &values).map_err(|e| refuse(e.to_string()))?;
    if outbound.is_own_host(&destination.host()) {
        return Err(refuse(outbound::SELF_CALL));
    }
    let host = destination.host_str().to_string();
    for s in secrets.values() {
        if !s.allowed.allow(&host) {
            return Err(refuse(format!(
                "{} may only be sent to {}; the URL's host is not one of them. Nothing was sent.",
                s.name, s.allowed
            )));
        }
    }
    outbound
        .check(&destination.url)
        .await
        .map_err(refused_destination)?;

    let mut url = destination.url;
    for kv in &block.query {
        if kv.name.trim().is_empty() {
            continue;
        }
        let value = fill(&kv.value, secrets, vars)?;
        url.query_pairs_mut().append_pair(kv.name.trim(), &value);
    }
    let method = reqwest::Method::from_bytes(block.method.as_bytes())
        .map_err(|_| refuse("Unknown method"))?;
    let mut request = outbound.client().request(method, url);
    for (i, kv) in block.headers.iter().enumerate() {
        if kv.name.trim().is_empty() {
            continue;
        }
        let value = fill(&kv.value, secrets, vars)?;
        if rules::carries_credential(&value) {
            return Err(refuse(rules::credential_refusal(i + 1)));
        }
        let name = reqwest::header::HeaderName::from_bytes(kv.name.trim().as_bytes())
            .map_err(|_| refuse(format!("Header name {} is not a valid header name", i + 1)))?;
        let mut value = reqwest::header::HeaderValue::from_str(&value).map_err(|_| {
            refuse(format!(
                "Header value {}: once filled in, it holds characters a header cannot carry",
                i + 1
            ))
        })?;
        value.set_sensitive(true);
        request = request.header(name, value);
    }
    if !block.body.is_empty() {
        let body = fill(&block.body, secrets, vars)?;
        request = request.body(body.to_string());
    }

    // Each secret's use is recorded before it leaves.
    if !secrets.is_empty() {
        let mut tx = db.begin_write().await?;
        let ids: Vec<VariableId> = secrets.values().map(|s| s.id).collect();
        blocks::mark_used(&mut tx, &ids).await?;
        let detail = redactor.redact(&format!("API block {} ({host})", block.name));
        for s in secrets.values() {
            let target = Target::variable(VariableKind::Secret, s.id, &s.name);
            audit::record(
                &mut tx,
                actor.workspace().id,
                &actor.who(),
                Action::SecretUsed,
                Some(&target),
                Some(detail.clone()),
            )
            .await?;
        }
        tx.commit().await.map_err(DbError::from)?;
    }

    let started = Instant::now();
    let sent = request.send().await;
    // How it went, for each secret's health: a second write once the
    // answer's status is known (never any part of a body).
    if !secrets.is_empty() {
        let status = sent.as_ref().ok().map(|r| r.status().as_u16());
        record_outcome(db, secrets, block, status).await?;
    }
    let response = sent.map_err(|e| match outbound::refusal_in(&e) {
        Some(refusal) => refused_destination(refusal),
        None => upstream(redactor.redact(&describe(&e))),
    })?;
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                redactor.redact(k.as_str()),
                redactor.redact(&String::from_utf8_lossy(v.as_bytes())),
            )
        })
        .collect();
    let margin = redactor.margin();
    let (raw, complete) = read_body(response, margin)
        .await
        .map_err(|e| upstream(redactor.redact(&describe(&e))))?;
    let duration_ms = started.elapsed().as_millis() as u64;
    let (body, truncated) = cut_redacted(redactor, &String::from_utf8_lossy(&raw), complete);
    Ok(RunResult {
        status: status.as_u16(),
        status_text: status.canonical_reason().unwrap_or("").to_string(),
        duration_ms,
        headers,
        body,
        truncated,
        notes: expiry_notes(secrets),
    })
}

/// Records the run's outcome for each secret it sent, in a task of its
/// own: it completes even if the caller stops waiting.
async fn record_outcome(
    db: &Db,
    secrets: &BTreeMap<String, UsedSecret>,
    block: &blocks::BlockRecord,
    status: Option<u16>,
) -> Result<(), AppError> {
    let db = db.clone();
    let ids: Vec<VariableId> = secrets.values().map(|s| s.id).collect();
    let (block_id, block_name) = (block.id, block.name.clone());
    tokio::spawn(async move {
        let mut tx = db.begin_write().await?;
        runs::record(&mut tx, &ids, block_id, &block_name, status, now_ms()).await?;
        tx.commit().await.map_err(DbError::from)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "recording a run's outcome");
        AppError::Internal
    })?
    .map_err(AppError::from)
}

/// "NAME expired on DAY; ask an owner or admin to replace it", for each
/// expired secret the run sent (the run goes ahead).
fn expiry_notes(secrets: &BTreeMap<String, UsedSecret>) -> Vec<String> {
    let today = Day::of_ms(now_ms());
    secrets
        .values()
        .filter_map(|s| {
            let day = s.expires_on.as_deref().and_then(Day::parse)?;
            (Expiry::on(day, today) == Expiry::Expired).then(|| {
                format!(
                    "{} expired on {}; it was sent anyway. An owner or admin can set a new value.",
                    s.name,
                    day.to_iso()
                )
            })
        })
        .collect()
}

/// The body to show: redacted, then at most [`BODY_LIMIT`] bytes. When
/// the read stopped early (`complete` false), its last bytes may hold the
/// start of a secret's spelling that redaction could not recognise; and
/// labels are shorter than values, so that start would move back inside
/// the kept text. So the last `margin` bytes are always dropped then,
/// whatever they hold (dropping only what looks like a secret's prefix
/// would tell a guess from a right one).
pub fn cut_redacted(redactor: &Redactor, text: &str, complete: bool) -> (String, bool) {
    let mut body = redactor.redact(text);
    let mut keep = body.len();
    if !complete {
        keep = keep.saturating_sub(redactor.margin());
    }
    let truncated = !complete || keep > BODY_LIMIT;
    keep = keep.min(BODY_LIMIT);
    while !body.is_char_boundary(keep) {
        keep -= 1;
    }
    body.truncate(keep);
    (body, truncated)
}

/// The first 1 MiB of a body plus `margin` bytes, and whether that was
/// all of it.
async fn read_body(
    mut response: reqwest::Response,
    margin: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let keep = BODY_LIMIT + margin;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > keep {
            body.truncate(keep);
            return Ok((body, false));
        }
    }
    Ok((body, true))
}

/// A request error in words, without the URL (it may hold a secret).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "The request timed out (it may take 5 s to connect and 30 s in all)".into();
    }
    if err.is_connect() {
        let mut source = std::error::Error::source(err);
        let mut detail = String::new();
        while let Some(s) = source {
            detail = s.to_string();
            source = s.source();
        }
        return format!("Could not connect: {detail}");
    }
    let mut text = String::from("The request failed");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

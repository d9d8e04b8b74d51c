//! Sending a run's request: where it goes is checked before any byte
//! leaves, each secret's use is audited, and the answer is screened
//! before it is shown.

use super::answer::{self, Screened};
use super::fill::{self, Values};
use super::{placement, refuse, rules, withhold, Engine, Outgoing};
use crate::error::AppError;
use crate::model::{Day, Expiry, RunResult, VariableId, VariableKind};
use crate::server::infra::db::{now_ms, runs};
use crate::server::infra::outbound::{self, Refusal, ResolveError, SELF_CALL};
use crate::server::rules::audit::{self, Action, Target};
use crate::server::rules::redaction::Screen;
use crate::server::web::authz::Actor;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// A destination refused by the outbound checks: a rule when it is where
/// the block may not send, the upstream's trouble when its name does not
/// resolve.
fn refused_destination(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Resolve(ResolveError::Unresolved) => AppError::Upstream(refusal.to_string()),
        _ => refuse(refusal.to_string()),
    }
}

/// The request, filled and checked, not yet sent.
fn build(
    engine: Engine<'_>,
    block: &Outgoing,
    values: &Values,
    mut url: url::Url,
) -> Result<reqwest::RequestBuilder, AppError> {
    for (i, kv) in block.query.iter().enumerate() {
        if kv.name.trim().is_empty() {
            continue;
        }
        let label = format!("Parameter value {}", i + 1);
        let value = fill::fill(&kv.value, values, &label, fill::URL_MAX)?;
        url.query_pairs_mut().append_pair(kv.name.trim(), &value);
        if url.as_str().len() > fill::URL_MAX {
            return Err(fill::too_large(
                "URL with its query parameters",
                fill::URL_MAX,
            ));
        }
    }
    let method = reqwest::Method::from_bytes(block.method.as_bytes())
        .map_err(|_| refuse("Unknown method"))?;
    let mut request = engine
        .outbound
        .client()
        .request(method, url)
        // Only codings varvault decodes, so redaction sees the body.
        .header(
            reqwest::header::ACCEPT_ENCODING,
            super::body::ACCEPT_ENCODING,
        );
    for (i, kv) in block.headers.iter().enumerate() {
        if kv.name.trim().is_empty() {
            continue;
        }
        let label = format!("Header value {}", i + 1);
        let value = fill::fill(&kv.value, values, &label, fill::HEADER_MAX)?;
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
        let body = fill::fill(&block.body, values, "Body", fill::BODY_MAX)?;
        request = request.body(body.to_string());
    }
    Ok(request)
}

/// Checks where the request goes, records each secret's use, sends it,
/// and screens the answer.
pub(super) async fn send(
    engine: Engine<'_>,
    actor: &Actor,
    block: &Outgoing,
    values: &Values,
    screen: Arc<Screen>,
) -> Result<RunResult, AppError> {
    // The destination, decided by parsing with markers, checked before
    // any byte leaves.
    let secrets: BTreeMap<String, (&str, &str)> = values
        .secrets
        .iter()
        .map(|(k, s)| (k.clone(), (s.name.as_str(), s.value.expose())))
        .collect();
    let destination = placement::resolve(&block.url, &values.vars, &secrets, fill::URL_MAX)
        .map_err(|e| refuse(e.to_string()))?;
    if engine.outbound.is_own_host(&destination.host()) {
        return Err(refuse(SELF_CALL));
    }
    let host = destination.host_str().to_string();
    for s in values.secrets.values() {
        if !s.allowed.allow(&host) {
            return Err(refuse(format!(
                "{} may only be sent to {}; the URL's host is not one of them. Nothing was sent.",
                s.name, s.allowed
            )));
        }
    }
    engine
        .outbound
        .check(&destination.url)
        .await
        .map_err(refused_destination)?;
    let request = build(engine, block, values, destination.url)?;
    record_use(engine, actor, block, values, &host).await?;

    let started = Instant::now();
    let sent = request.send().await;
    // How it went, for each secret's health: a second write once the
    // answer's status is known (never any part of a body).
    if !values.secrets.is_empty() {
        let status = sent.as_ref().ok().map(|r| r.status().as_u16());
        record_outcome(engine, values, block, status).await?;
    }
    let failed = |e: reqwest::Error| match outbound::refusal_in(&e) {
        Some(refusal) => refused_destination(refusal),
        None => AppError::Upstream(describe(&e)),
    };
    let response = sent.map_err(failed)?;
    let status = response.status();
    let screened = answer::screen(response, screen).await.map_err(failed)?;
    let mut result = RunResult {
        status: status.as_u16(),
        status_text: status.canonical_reason().unwrap_or("").to_string(),
        duration_ms: started.elapsed().as_millis() as u64,
        headers: Vec::new(),
        body: String::new(),
        truncated: false,
        notes: Vec::new(),
    };
    match screened {
        Screened::Shown(shown) => {
            result.headers = shown.headers;
            result.body = shown.body;
            result.truncated = shown.truncated;
            result.notes = shown.notes;
        }
        Screened::Withheld(seen) => {
            withhold::record(engine.db, actor, &seen, &block.source()).await?;
            result.notes.push(withhold::note(&seen));
        }
    }
    result.notes.extend(expiry_notes(values));
    Ok(result)
}

/// Each secret's use is recorded, and audited, before it leaves; an
/// agent's call is audited here too, whatever it sends (one write).
async fn record_use(
    engine: Engine<'_>,
    actor: &Actor,
    block: &Outgoing,
    values: &Values,
    host: &str,
) -> Result<(), AppError> {
    let agent = match actor {
        Actor::Token(t) if block.via == super::Via::Mcp => Some(t),
        _ => None,
    };
    if values.secrets.is_empty() && agent.is_none() {
        return Ok(());
    }
    let mut tx = engine.db.begin_write().await?;
    let ids: Vec<VariableId> = values.secrets.values().map(|s| s.id).collect();
    crate::server::infra::db::workflows::mark_used(&mut tx, &ids).await?;
    let detail = format!("{} ({host})", block.source());
    if let Some(token) = agent {
        let target = Target::token(token.id, &token.name);
        let ws = actor.workspace().id;
        let action = Action::TokenUsed;
        audit::record(
            &mut tx,
            ws,
            &actor.who(),
            action,
            Some(&target),
            Some(detail.clone()),
        )
        .await?;
    }
    for s in values.secrets.values() {
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
    tx.commit().await?;
    Ok(())
}

/// Records the run's outcome for each secret it sent, in a task of its
/// own: it completes even if the caller stops waiting.
async fn record_outcome(
    engine: Engine<'_>,
    values: &Values,
    block: &Outgoing,
    status: Option<u16>,
) -> Result<(), AppError> {
    let db = engine.db.clone();
    let ids: Vec<VariableId> = values.secrets.values().map(|s| s.id).collect();
    let (block_id, block_name) = (block.block, block.name.clone());
    tokio::spawn(async move {
        let mut tx = db.begin_write().await?;
        runs::record(&mut tx, &ids, block_id, &block_name, status, now_ms()).await?;
        tx.commit().await
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
fn expiry_notes(values: &Values) -> Vec<String> {
    let today = Day::of_ms(now_ms());
    values
        .secrets
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

//! Expiry reminders (issue 15): a workspace's notification webhook (Slack,
//! Teams or any endpoint taking a JSON POST), and the background task that
//! tells it, 14 and 3 days before a secret expires and on the day.
//!
//! The webhook URL is a credential: it is sealed like a secret value, and
//! only its host is shown or logged. Each reminder is claimed once across
//! instances (a unique row) before it is sent; a failed delivery is tried
//! again later, up to [`MAX_ATTEMPTS`]. Time is passed in, so tests step
//! through days without sleeping. A reminder never carries a value.

use crate::error::AppError;
use crate::model::{
    due_threshold, Day, DeliveryView, NotificationSettings, Permission, WebhookRefusal,
};
use crate::server::infra::crypto::{Keyring, SecretValue};
use crate::server::infra::db::reminders::{self as rows, ReminderRecord, WebhookRecord};
use crate::server::infra::db::{now_ms, workspaces, Db};
use crate::server::infra::outbound::{Outbound, Refusal, ResolveError};
use crate::server::rules::audit::{self, Action, Target};
use crate::server::web::authz::Actor;
use std::sync::Arc;
use std::time::Duration;

/// Delivery attempts per reminder before giving up.
pub const MAX_ATTEMPTS: i64 = 5;
/// How often the background task looks for due reminders.
pub const TICK_EVERY: Duration = Duration::from_secs(60);
/// Reminders the settings page lists.
const LISTED: i64 = 20;
const URL_MAX_LEN: usize = 2048;

/// The wait after `attempts` failed attempts: 1, 4, 16, then 64 minutes.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    60_000 * 4i64.pow(attempts.clamp(1, 4) as u32 - 1)
}

/// Checks a webhook URL's form; returns it parsed. Refusals name the rule,
/// never the URL.
pub fn parse_webhook_url(text: &str, allow_private: bool) -> Result<url::Url, AppError> {
    let bad = |r: WebhookRefusal| AppError::invalid("url", r.message());
    let text = text.trim();
    if text.is_empty() {
        return Err(bad(WebhookRefusal::Required));
    }
    if text.len() > URL_MAX_LEN {
        return Err(bad(WebhookRefusal::TooLong));
    }
    let url = url::Url::parse(text).map_err(|_| bad(WebhookRefusal::NotAUrl))?;
    match url.scheme() {
        "https" => {}
        // Plain http only where private networks are allowed (a test or
        // a lab): the URL is a credential.
        "http" if allow_private => {}
        _ => return Err(bad(WebhookRefusal::NotHttps)),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(WebhookRefusal::HasCredentials));
    }
    if url.host().is_none() {
        return Err(bad(WebhookRefusal::NoHost));
    }
    Ok(url)
}

/// Why the outbound checks refuse a webhook's destination.
fn destination_refusal(refusal: Refusal) -> WebhookRefusal {
    match refusal {
        Refusal::SelfCall(_) => WebhookRefusal::SelfCall,
        Refusal::Resolve(ResolveError::Refused) => WebhookRefusal::Private,
        Refusal::Resolve(ResolveError::Unresolved) => WebhookRefusal::Unresolved,
    }
}

/// Sets (or replaces) the workspace's webhook; owners and admins.
/// Returns its host.
pub async fn set_webhook(
    db: &Db,
    keyring: &Keyring,
    actor: &Actor,
    url: SecretValue,
    outbound: &Outbound,
) -> Result<String, AppError> {
    actor.require(Permission::ManageWorkspace)?;
    let parsed = parse_webhook_url(url.expose(), outbound.allow_private())?;
    outbound
        .check(&parsed)
        .await
        .map_err(|e| AppError::invalid("url", destination_refusal(e).message()))?;
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let ws = actor.workspace();
    let who = actor.who();
    let mut tx = db.begin_write().await?;
    let version = keyring.current_version(&mut tx, ws.id).await?;
    let sealed = SecretValue::new(parsed.to_string());
    let ciphertext = keyring
        .seal_webhook(&mut tx, ws.id, version, &sealed)
        .await?;
    let record = WebhookRecord {
        workspace_id: ws.id,
        host: host.clone(),
        ciphertext,
        key_version: version,
        updated_at: now_ms(),
        updated_by: Some(who.label()),
    };
    rows::set_webhook(&mut tx, &record).await?;
    audit::record(
        &mut tx,
        ws.id,
        &who,
        Action::WebhookSet,
        Some(&Target::workspace(ws.id, &ws.slug)),
        Some(host.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(host)
}

pub async fn remove_webhook(db: &Db, actor: &Actor) -> Result<(), AppError> {
    actor.require(Permission::ManageWorkspace)?;
    let ws = actor.workspace();
    let mut tx = db.begin_write().await?;
    if rows::remove_webhook(&mut tx, ws.id).await? {
        audit::record(
            &mut tx,
            ws.id,
            &actor.who(),
            Action::WebhookRemoved,
            Some(&Target::workspace(ws.id, &ws.slug)),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The settings page: the webhook's host and the latest reminders.
pub async fn settings(db: &Db, actor: &Actor) -> Result<NotificationSettings, AppError> {
    actor.require(Permission::ManageWorkspace)?;
    let ws = actor.workspace().id;
    let webhook = rows::webhook(db.pool(), ws).await?;
    let deliveries = rows::recent(db.pool(), ws, LISTED)
        .await?
        .into_iter()
        .map(|r| DeliveryView {
            next_attempt_at: (r.sent_at.is_none() && r.attempts < MAX_ATTEMPTS)
                .then_some(r.next_attempt_at),
            secret: r.secret_name,
            expires_on: r.expires_on,
            threshold: r.threshold,
            attempts: r.attempts,
            sent_at: r.sent_at,
            last_error: r.last_error,
        })
        .collect();
    Ok(NotificationSettings {
        webhook_host: webhook.as_ref().map(|w| w.host.clone()),
        webhook_set_at: webhook.as_ref().map(|w| w.updated_at),
        webhook_set_by: webhook.and_then(|w| w.updated_by),
        deliveries,
    })
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub claimed: u32,
    pub sent: u32,
    pub failed: u32,
}

/// Sends what is due at `now_ms`: claims the reminders secrets have
/// reached, then tries each due one (new, or a retry whose time came).
pub async fn tick(
    db: &Db,
    keyring: &Keyring,
    outbound: &Outbound,
    now_ms: i64,
) -> Result<TickReport, AppError> {
    let mut report = TickReport::default();
    let today = Day::of_ms(now_ms);
    let horizon = Day(today.0 + crate::model::REMINDER_THRESHOLDS[0]).to_iso();
    for secret in rows::expiring(db.pool(), &horizon).await? {
        let Some(day) = Day::parse(&secret.expires_on) else {
            continue;
        };
        let Some(threshold) = due_threshold(day.0 - today.0) else {
            continue;
        };
        let mut tx = db.begin_write().await?;
        let claimed = rows::claim(&mut tx, &secret, threshold, now_ms).await?;
        tx.commit().await?;
        report.claimed += u32::from(claimed);
    }
    for reminder in rows::due(db.pool(), now_ms, MAX_ATTEMPTS).await? {
        let retry_at = now_ms + retry_delay_ms(reminder.attempts + 1);
        let mut tx = db.begin_write().await?;
        let mine = rows::take_attempt(&mut tx, &reminder, now_ms, retry_at).await?;
        tx.commit().await?;
        if !mine {
            continue; // another instance is on it
        }
        let outcome = deliver(db, keyring, outbound, &reminder, today).await;
        let mut tx = db.begin_write().await?;
        match &outcome {
            Ok(()) => rows::finish_attempt(&mut tx, reminder.id, Some(now_ms), None).await?,
            Err(why) => rows::finish_attempt(&mut tx, reminder.id, None, Some(why)).await?,
        }
        tx.commit().await?;
        match outcome {
            Ok(()) => report.sent += 1,
            Err(why) => {
                report.failed += 1;
                let host = rows::webhook(db.pool(), reminder.workspace_id)
                    .await?
                    .map(|w| w.host)
                    .unwrap_or_default();
                tracing::warn!(
                    webhook_host = %host,
                    reminder = reminder.id,
                    attempt = reminder.attempts + 1,
                    error = %why,
                    "an expiry reminder was not delivered"
                );
            }
        }
    }
    Ok(report)
}

/// The reminder's words: which secret, where, and when it expires.
pub fn message(workspace: &str, secret: &str, expires_on: Day, today: Day) -> String {
    let day = expires_on.to_iso();
    let when = match expires_on.0 - today.0 {
        n if n < 0 => format!("expired on {day}"),
        0 => format!("expires today ({day})"),
        1 => format!("expires tomorrow ({day})"),
        n => format!("expires in {n} days ({day})"),
    };
    format!("varvault: the secret {secret} in workspace {workspace} {when}. Set a new value before it stops working.")
}

/// Posts one reminder to its workspace's webhook. The error says why in
/// words that hold neither the URL nor anything from the answer's body.
async fn deliver(
    db: &Db,
    keyring: &Keyring,
    outbound: &Outbound,
    reminder: &ReminderRecord,
    today: Day,
) -> Result<(), String> {
    let internal = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "preparing an expiry reminder");
        "internal error".to_string()
    };
    let ws = reminder.workspace_id;
    let webhook = rows::webhook(db.pool(), ws)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| "no webhook is set".to_string())?;
    let mut conn = db.pool().acquire().await.map_err(|e| internal(&e))?;
    let url = keyring
        .open_webhook(&mut conn, ws, webhook.key_version, &webhook.ciphertext)
        .await
        .map_err(|e| internal(&e))?;
    let slug = workspaces::slug_of(&mut *conn, ws)
        .await
        .map_err(|e| internal(&e))?
        .unwrap_or_default();
    drop(conn);
    let url =
        url::Url::parse(url.expose()).map_err(|_| "the stored URL does not parse".to_string())?;
    outbound
        .check(&url)
        .await
        .map_err(|e| destination_refusal(e).message().to_string())?;
    let expires = Day::parse(&reminder.expires_on).ok_or_else(|| "bad expiry day".to_string())?;
    let body = serde_json::json!({
        "text": message(&slug, &reminder.secret_name, expires, today),
        "workspace": slug,
        "secret": reminder.secret_name,
        "expires_on": reminder.expires_on,
        "days_left": expires.0 - today.0,
    });
    let answer = outbound
        .client()
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| match crate::server::infra::outbound::refusal_in(&e) {
            Some(refusal) => destination_refusal(refusal).message().to_string(),
            None => describe(&e),
        })?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered HTTP {}", status.as_u16()))
    }
}

/// A delivery error in words, without the URL.
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "the webhook did not answer in time".into();
    }
    if err.is_connect() {
        return "could not connect to the webhook's host".into();
    }
    let mut text = String::from("the request failed");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What the background task needs.
#[derive(Clone)]
pub struct Reminders {
    pub db: Db,
    pub keyring: Arc<Keyring>,
    pub outbound: Outbound,
}

impl Reminders {
    /// Every [`TICK_EVERY`] (the first at start), until aborted.
    pub async fn run_periodically(self) {
        let mut every = tokio::time::interval(TICK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let pass = tick(&self.db, &self.keyring, &self.outbound, now_ms());
            if let Err(err) = pass.await {
                tracing::warn!(error = %err, "expiry reminders: a pass failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time() {
        let minutes: Vec<i64> = (1..=6).map(|n| retry_delay_ms(n) / 60_000).collect();
        assert_eq!(minutes, [1, 4, 16, 64, 64, 64]);
    }

    #[test]
    fn webhook_urls_follow_the_rules_and_refusals_never_echo_them() {
        let secret = "https://user:T0KEN@hooks.example.com/services/T0KEN";
        for (text, private, rule) in [
            ("", false, "is required"),
            ("hooks.example.com/x", false, "must be a full URL"),
            (
                "http://hooks.example.com/T0KEN",
                false,
                "must start with https://",
            ),
            (
                "ftp://hooks.example.com/T0KEN",
                true,
                "must start with https://",
            ),
            (secret, false, "user name or password"),
        ] {
            let err = parse_webhook_url(text, private).unwrap_err();
            assert_eq!(err.field(), Some("url"));
            assert!(err.to_string().contains(rule), "{text}: {err}");
            assert!(!err.to_string().contains("T0KEN"), "{err}");
        }
        assert!(parse_webhook_url("https://hooks.example.com/services/x", false).is_ok());
        assert!(parse_webhook_url("http://127.0.0.1:9/x", true).is_ok());
        let long = format!("https://h.example.com/{}", "x".repeat(2048));
        assert!(parse_webhook_url(&long, false).is_err());
    }

    #[test]
    fn messages_say_when_without_any_value() {
        let today = Day::parse("2026-12-04").unwrap();
        let on = |s: &str| message("acme", "TOKEN", Day::parse(s).unwrap(), today);
        assert!(on("2026-12-18").contains("expires in 14 days (2026-12-18)"));
        assert!(on("2026-12-05").contains("expires tomorrow"));
        assert!(on("2026-12-04").contains("expires today (2026-12-04)"));
        assert!(on("2026-12-01").contains("expired on 2026-12-01"));
        assert!(on("2026-12-07").starts_with("varvault: the secret TOKEN in workspace acme"));
    }
}

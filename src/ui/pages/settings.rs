//! `/w/{ws}/settings`: workspace settings for owners and admins — the
//! notification webhook that gets expiry reminders, and how the latest
//! reminders went. Server HTML with plain forms: no WASM. The webhook's
//! URL is a credential, so the page shows only its host.

use crate::api::settings::get_notification_settings;
use crate::error::AppError;
use crate::model::{DeliveryView, NotificationSettings, WebhookRefusal};
use crate::ui::format::utc_minutes;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let workspace = workspace_slug();
    let q = use_query_map().get_untracked();
    let notice = notice(
        q.get("saved").is_some(),
        q.get("removed").is_some(),
        q.get("failed"),
    );
    view! {
        <Title text="Settings" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the settings…"</p> }>
            {
                let workspace = workspace.clone();
                let notice = notice.clone();
                Suspend::new(async move {
                    match get_notification_settings(workspace.clone()).await {
                        Err(AppError::Forbidden) => view! {
                            <section class="empty-state">
                                <h1>"You don't have access to this page"</h1>
                                <p class="muted">"Workspace settings are for owners and admins."</p>
                            </section>
                        }
                            .into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(s) => view! { <SettingsView workspace=workspace settings=s notice=notice /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

/// What the last form did, from the redirect's query: fixed sentences
/// chosen by code, never text from the URL.
fn notice(saved: bool, removed: bool, failed: Option<String>) -> Option<(bool, String)> {
    if saved {
        return Some((
            true,
            "Webhook saved. Reminders go to it from now on.".into(),
        ));
    }
    if removed {
        return Some((true, "Webhook removed. No reminders are sent.".into()));
    }
    let code = failed?;
    let text = match WebhookRefusal::from_code(&code) {
        Some(refusal) => refusal.message(),
        None if code == "forbidden" => "Only owners and admins change the settings.",
        None => "The settings could not be saved. Nothing changed.",
    };
    Some((false, text.to_string()))
}

fn threshold_label(days: i64) -> &'static str {
    match days {
        0 => "On the day",
        3 => "3 days before",
        _ => "14 days before",
    }
}

fn delivery_status(d: &DeliveryView) -> String {
    if let Some(at) = d.sent_at {
        return format!("Sent {}", utc_minutes(at));
    }
    let tries = match d.attempts {
        1 => "1 try".to_string(),
        n => format!("{n} tries"),
    };
    let why = d
        .last_error
        .as_ref()
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    match (d.attempts, d.next_attempt_at) {
        (0, _) => "Waiting to be sent".to_string(),
        (_, Some(next)) => format!(
            "Not delivered after {tries}{why}; next try {}",
            utc_minutes(next)
        ),
        (_, None) => format!("Gave up after {tries}{why}"),
    }
}

#[component]
fn SettingsView(
    workspace: String,
    settings: NotificationSettings,
    notice: Option<(bool, String)>,
) -> impl IntoView {
    let notice = notice.map(|(ok, text)| {
        if ok {
            view! { <p class="notice" role="status">{text}</p> }.into_any()
        } else {
            view! { <p class="form-error" role="alert">{text}</p> }.into_any()
        }
    });
    let current = match &settings.webhook_host {
        Some(host) => {
            let set = format!(
                "Set {}{}",
                settings.webhook_set_at.map(utc_minutes).unwrap_or_default(),
                settings
                    .webhook_set_by
                    .as_ref()
                    .map(|b| format!(" by {b}"))
                    .unwrap_or_default()
            );
            view! {
                <p>
                    "Reminders go to a webhook on " <strong class="mono">{host.clone()}</strong> ". "
                    <span class="muted small">{set}</span>
                </p>
                <form method="post" action="/api/remove_webhook" class="inline-form">
                    <input type="hidden" name="workspace" value=workspace.clone() />
                    <button class="btn btn-small btn-danger-text" type="submit">"Remove webhook"</button>
                </form>
            }
            .into_any()
        }
        None => view! { <p class="muted">"No webhook is set: nobody is reminded when a secret expires."</p> }.into_any(),
    };
    let rows = settings
        .deliveries
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <td class="mono">{d.secret.clone()}</td>
                    <td>{d.expires_on.clone()}</td>
                    <td>{threshold_label(d.threshold)}</td>
                    <td class="small">{delivery_status(d)}</td>
                </tr>
            }
        })
        .collect_view();
    let none = settings.deliveries.is_empty().then(|| {
        view! {
            <tr>
                <td colspan="4" class="muted">"No reminder has been due yet."</td>
            </tr>
        }
    });
    view! {
        <div class="page-head">
            <h1>"Settings"</h1>
        </div>
        {notice}
        <section class="card stack">
            <h2>"Expiry reminders"</h2>
            <p class="muted">
                "When a secret has an expiry date, a message goes to this webhook 14 days and 3 days before it, and on the day. It names the secret and the day, never its value. Slack and Teams incoming webhooks work as they are."
            </p>
            {current}
            <form method="post" action="/api/set_webhook" class="form">
                <input type="hidden" name="workspace" value=workspace.clone() />
                <div class="field">
                    <label for="webhook-url">
                        "Notification webhook URL"
                    </label>
                    <input
                        id="webhook-url"
                        name="url"
                        type="password"
                        autocomplete="off"
                        spellcheck="false"
                        required
                        aria-describedby="webhook-url-hint"
                    />
                    <small id="webhook-url-hint" class="muted">
                        {if settings.webhook_host.is_some() { "Saving replaces the current webhook. " } else { "" }}
                        "https:// only. The URL is kept encrypted like a secret; only its host is shown."
                    </small>
                </div>
                <div>
                    <button class="btn btn-primary" type="submit">"Save"</button>
                </div>
            </form>
        </section>
        <section class="card">
            <h2 id="deliveries-title">"Deliveries"</h2>
            // Focusable: on a phone the table scrolls sideways.
            <div class="table-wrap" tabindex="0" role="group" aria-labelledby="deliveries-title">
                <table class="table" aria-labelledby="deliveries-title">
                    <thead>
                        <tr>
                            <th scope="col">"Secret"</th>
                            <th scope="col">"Expires on"</th>
                            <th scope="col">"Reminder"</th>
                            <th scope="col">"Delivery"</th>
                        </tr>
                    </thead>
                    <tbody>{rows} {none}</tbody>
                </table>
            </div>
        </section>
    }
}

//! `/w/{ws}/audit`: the audit log for owners and admins, newest first,
//! filtered by action and name, paged by keyset ("Older" / "Newer"). The
//! filters live in the URL, so a filtered page can be shared or reloaded.

use crate::api::audit::list_audit;
use crate::error::AppError;
use crate::model::{audit_action_label, AuditAction, AuditPage as Page};
use crate::ui::format::{now_ms, time_ago, urlencode};
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, PartialEq)]
struct Query {
    action: String,
    name: String,
    before: Option<i64>,
    after: Option<i64>,
}

/// Rendered on the server only: the filters are a plain GET form and the
/// pages plain links, so the audit log needs no WASM.
#[component]
pub fn AuditPage() -> impl IntoView {
    let slug = workspace_slug();
    let q = use_query_map().get_untracked();
    let query = Query {
        action: q.get("action").unwrap_or_default(),
        name: q.get("name").unwrap_or_default(),
        before: q.get("before").and_then(|v| v.parse().ok()),
        after: q.get("after").and_then(|v| v.parse().ok()),
    };

    view! {
        <Title text="Audit log" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
            {
                let slug = slug.clone();
                let query = query.clone();
                Suspend::new(async move {
                    let action = (!query.action.is_empty()).then(|| query.action.clone());
                    let result =
                        list_audit(slug.clone(), action, query.name.clone(), query.before, query.after)
                            .await;
                    match result {
                        Err(AppError::Forbidden) => view! {
                            <section class="empty-state">
                                <h1>"You don't have access to this page"</h1>
                                <p class="muted">"The audit log is for owners and admins."</p>
                            </section>
                        }
                            .into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <AuditView page=page query=query slug=slug /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

fn page_link(slug: &str, q: &Query, cursor: (&str, i64)) -> String {
    let mut params = Vec::new();
    if !q.action.is_empty() {
        params.push(format!("action={}", q.action));
    }
    if !q.name.is_empty() {
        params.push(format!("name={}", urlencode(&q.name)));
    }
    params.push(format!("{}={}", cursor.0, cursor.1));
    format!("/w/{slug}/audit?{}", params.join("&"))
}

#[component]
fn AuditView(page: Page, query: Query, slug: String) -> impl IntoView {
    let now = now_ms();
    let rows = page
        .entries
        .iter()
        .map(|e| {
            view! {
                <li class="audit-entry">
                    <span class="muted small">{time_ago(e.at, now)}</span>
                    <span class="audit-action badge">{audit_action_label(&e.action).to_string()}</span>
                    <span class="audit-text">{e.sentence()}</span>
                    <span class="muted small">{e.client_addr.clone().map(|a| format!("from {a}"))}</span>
                </li>
            }
        })
        .collect_view();
    let empty = page.entries.is_empty();
    let options = AuditAction::ALL
        .iter()
        .map(|a| {
            view! { <option value=a.code() selected=query.action == a.code()>{a.label()}</option> }
        })
        .collect_view();
    let older = page
        .older
        .map(|id| page_link(&slug, &query, ("before", id)));
    let newer = page.newer.map(|id| page_link(&slug, &query, ("after", id)));

    view! {
        <div class="page-head">
            <h1>"Audit log"</h1>
        </div>
        <form method="get" action=format!("/w/{slug}/audit") class="toolbar audit-filters">
            <label class="field inline">
                <span>"Action"</span>
                <select name="action">
                    <option value="" selected=query.action.is_empty()>"All actions"</option>
                    {options}
                </select>
            </label>
            <label class="search">
                <span class="visually-hidden">"Search by name"</span>
                <input
                    type="search"
                    name="name"
                    aria-label="Search by name"
                    placeholder="Search by name"
                    value=query.name.clone()
                />
            </label>
            <button class="btn" type="submit">"Filter"</button>
        </form>
        {if empty {
            view! { <p class="muted card">"No entries match."</p> }.into_any()
        } else {
            view! { <ol class="audit-list card" aria-label="Audit entries">{rows}</ol> }.into_any()
        }}
        <nav class="pager" aria-label="Audit log pages">
            {newer.map(|href| view! { <a href=href class="btn">"Newer"</a> })}
            {older.map(|href| view! { <a href=href class="btn">"Older"</a> })}
        </nav>
    }
}

//! `/w/{ws}/tokens`: workspace access tokens for scripts and CI (owners and
//! admins). The list and "Revoke" are server HTML with plain forms; only
//! "Create token" is an island (it shows the token once). A token can set a
//! secret but never read one back.

use crate::api::tokens::list_tokens;
use crate::error::AppError;
use crate::model::TokenView;
use crate::ui::format::utc_minutes;
use crate::ui::islands::tokens::TokenCreate;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TokensPage() -> impl IntoView {
    let workspace = workspace_slug();
    let q = use_query_map().get_untracked();
    let notice = if q.get("revoked").is_some() {
        Some((
            true,
            "Token revoked: it is refused from its next request on.",
        ))
    } else if q.get("failed").is_some() {
        Some((false, "The token could not be revoked. Nothing changed."))
    } else {
        None
    };
    view! {
        <Title text="Access tokens" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the tokens…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    match list_tokens(workspace.clone()).await {
                        Err(AppError::Forbidden) => view! {
                            <section class="empty-state">
                                <h1>"You don't have access to this page"</h1>
                                <p class="muted">"Access tokens are for owners and admins."</p>
                            </section>
                        }
                            .into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(tokens) => view! { <TokensView workspace=workspace tokens=tokens notice=notice /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

fn state_of(t: &TokenView, now: i64) -> String {
    if let Some(at) = t.revoked_at {
        return format!("Revoked {}", utc_minutes(at));
    }
    match t.expires_at {
        Some(at) if at <= now => format!("Expired {}", utc_minutes(at)),
        Some(at) => format!("Expires {}", utc_minutes(at)),
        None => "Does not expire".to_string(),
    }
}

#[component]
fn TokensView(
    workspace: String,
    tokens: Vec<TokenView>,
    notice: Option<(bool, &'static str)>,
) -> impl IntoView {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let notice = notice.map(|(ok, text)| {
        if ok {
            view! { <p class="notice" role="status">{text}</p> }.into_any()
        } else {
            view! { <p class="form-error" role="alert">{text}</p> }.into_any()
        }
    });
    let empty = tokens.is_empty();
    let rows = tokens
        .into_iter()
        .map(|t| {
            let live = t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now);
            let revoke = live.then(|| {
                view! {
                    <form method="post" action="/api/revoke_token" class="inline-form">
                        <input type="hidden" name="workspace" value=workspace.clone() />
                        <input type="hidden" name="id" value=t.id.to_string() />
                        <button
                            class="btn btn-small btn-danger-text"
                            type="submit"
                            aria-label=format!("Revoke {}", t.name)
                        >
                            "Revoke"
                        </button>
                    </form>
                }
            });
            let scopes = t
                .scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let networks = if t.allowed_networks.is_empty() {
                "any network".to_string()
            } else {
                t.allowed_networks.join(", ")
            };
            let used = t
                .last_used_at
                .map(|at| format!("Last used {}", utc_minutes(at)))
                .unwrap_or_else(|| "Never used".into());
            view! {
                <tr>
                    <td>
                        <strong>{t.name.clone()}</strong>
                        <div class="mono small muted">{format!("{}…", t.prefix)}</div>
                    </td>
                    <td data-label="Scopes" class="mono small">{scopes}</td>
                    <td data-label="Networks" class="small">{networks}</td>
                    <td data-label="State" class="small">
                        <div>
                            {state_of(&t, now)}
                            <div class="muted">{used}</div>
                        </div>
                    </td>
                    <td class="actions">{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="page-head">
            <h1>"Access tokens"</h1>
            <TokenCreate workspace=workspace.clone() />
        </div>
        <p class="muted">
            "Tokens let scripts and CI use the REST API at /api/v1/ (see /api/v1/openapi.json). A token can create and set secrets but never read one back; every use is audited under its name."
        </p>
        {notice}
        <div class="table-wrap card">
            // A card per token on a phone.
            <table class="table cards">
                <thead>
                    <tr>
                        <th scope="col">"Token"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Networks"</th>
                        <th scope="col">"State"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    {empty.then(|| view! {
                        <tr>
                            <td colspan="5" class="muted">"No tokens yet."</td>
                        </tr>
                    })}
                </tbody>
            </table>
        </div>
    }
}

//! `/w/{ws}/variables/{id}/history`: a variable's earlier values, newest
//! first, with who set each and when. A plain variable's values are shown;
//! a masked secret's can be revealed one at a time (the same audited reveal
//! as the current value); a restricted secret's never. "Restore" is a plain
//! form: the server makes that value current again as a new version and
//! sends the browser back here with what happened.

use crate::api::variables::variable_history;
use crate::model::{HistoryPage, VariableId, VariableKind, VersionView, Visibility};
use crate::ui::components::reveal::{lock_icon, DOTS};
use crate::ui::format::utc_minutes;
use crate::ui::islands::variables::RevealCell;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn HistoryPage() -> impl IntoView {
    let workspace = workspace_slug();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .and_then(|id| id.parse().ok())
        .map(VariableId);
    let q = use_query_map().get_untracked();
    let notice =
        notice(q.get("restored"), q.get("failed")).or_else(|| placement_notice(q.get("placement")));
    view! {
        <Title text="Version history" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the history…"</p> }>
            {
                let workspace = workspace.clone();
                let notice = notice.clone();
                Suspend::new(async move {
                    let Some(id) = id else {
                        return view! { <p class="form-error" role="alert">"No such variable"</p> }.into_any();
                    };
                    match variable_history(workspace.clone(), id).await {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <HistoryView workspace=workspace page=page notice=notice /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

/// What the last restore did, from the redirect's query: fixed sentences
/// chosen by code, never text from the URL.
fn notice(restored: Option<String>, failed: Option<String>) -> Option<(bool, String)> {
    if let Some(n) = restored.and_then(|n| n.parse::<i64>().ok()) {
        return Some((true, format!("Version {n} is the current value again.")));
    }
    let text = match failed.as_deref()? {
        "invalid" => {
            "That version is not kept any more, or is already the current value. Nothing changed."
        }
        "forbidden" => "You may not restore this variable's values. Nothing changed.",
        "not_found" => "This variable no longer exists.",
        _ => "The version could not be restored. Nothing changed.",
    };
    Some((false, text.to_string()))
}

/// What the last "Agents may place it…" form did, chosen by code.
fn placement_notice(code: Option<String>) -> Option<(bool, String)> {
    let text = match code.as_deref()? {
        "saved" => return Some((true, "Saved where AI agents may put this secret.".into())),
        "forbidden" => "Only an owner or admin may change this. Nothing changed.",
        "not_found" => "This variable no longer exists.",
        _ => "It could not be saved. Nothing changed.",
    };
    Some((false, text.to_string()))
}

/// Where an AI agent (MCP) may put a secret: a plain form for those who
/// may write secrets, a sentence for the rest. In its own region, which
/// the Variables page's script also puts in the Edit panel.
#[component]
fn AgentPlacement(workspace: String, page: HistoryPage) -> impl IntoView {
    let v = &page.variable;
    let anywhere = v.agents_anywhere;
    let said = if anywhere {
        "An AI agent (MCP) may put it in a header value, the URL or the body."
    } else {
        "An AI agent (MCP) may put it in a header value only."
    };
    let control = page.can_restore.then(|| {
        view! {
            <form method="post" action="/api/set_agent_placement">
                <input type="hidden" name="workspace" value=workspace />
                <input type="hidden" name="id" value=v.id.to_string() />
                <label class="check">
                    <input type="checkbox" name="anywhere" value="true" checked=anywhere />
                    "Agents may place it in the URL or body"
                </label>
                <button class="btn btn-small" type="submit">"Set for agents"</button>
            </form>
        }
    });
    view! {
        <section class="versions agents" id="agents" aria-labelledby="agents-title">
            <h2 id="agents-title">"AI agents"</h2>
            <p class="muted small">{said}</p>
            {control}
        </section>
    }
}

#[component]
fn HistoryView(
    workspace: String,
    page: HistoryPage,
    notice: Option<(bool, String)>,
) -> impl IntoView {
    let v = &page.variable;
    let (id, name, kind) = (v.id, v.name.clone(), v.kind);
    let restricted = v.visibility == Some(Visibility::Restricted);
    let what = match (kind, v.visibility) {
        (VariableKind::Plain, _) => "Variable",
        (_, Some(Visibility::Restricted)) => "Restricted secret",
        _ => "Masked secret",
    };
    let notice = notice.map(|(ok, text)| {
        if ok {
            view! { <p class="notice" role="status">{text}</p> }.into_any()
        } else {
            view! { <p class="form-error" role="alert">{text}</p> }.into_any()
        }
    });
    let value_cell = {
        let workspace = workspace.clone();
        move |ver: &VersionView| -> AnyView {
            match kind {
                VariableKind::Plain => {
                    view! { <span class="plain-value mono" title=ver.value.clone()>{ver.value.clone().unwrap_or_default()}</span> }
                        .into_any()
                }
                _ if page.can_reveal => view! {
                    <RevealCell
                        workspace=workspace.clone()
                        id=id
                        name=format!("version {}", ver.version)
                        version=Some(ver.version)
                    />
                }
                .into_any(),
                _ if restricted => view! {
                    <div class="value-cell">
                        <span class="dots" aria-label="Hidden value">{DOTS}</span>
                        <span class="restricted-note">{lock_icon()} "Restricted"</span>
                    </div>
                }
                .into_any(),
                _ => view! { <span class="dots" aria-label="Hidden value">{DOTS}</span> }.into_any(),
            }
        }
    };
    let set_by = |ver: &VersionView| {
        format!(
            "{}{}",
            utc_minutes(ver.set_at),
            ver.set_by
                .as_ref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        )
    };
    let current = &page.current;
    let current_row = view! {
        <tr>
            <th scope="row">{format!("Version {} (current)", current.version)}</th>
            <td class="small">{set_by(current)}</td>
            <td>
                {if kind == VariableKind::Plain {
                    view! { <span class="plain-value mono" title=v.value.clone()>{v.value.clone().unwrap_or_default()}</span> }.into_any()
                } else {
                    view! { <span class="muted small">"See the Variables page"</span> }.into_any()
                }}
            </td>
            <td></td>
        </tr>
    };
    let rows = page
        .versions
        .iter()
        .map(|ver| {
            let restore = page.can_restore.then(|| {
                view! {
                    <form method="post" action="/api/restore_version" class="inline-form">
                        <input type="hidden" name="workspace" value=workspace.clone() />
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="version" value=ver.version.to_string() />
                        <button class="btn btn-small" type="submit">
                            {format!("Restore version {}", ver.version)}
                        </button>
                    </form>
                }
            });
            view! {
                <tr>
                    <th scope="row">{format!("Version {}", ver.version)}</th>
                    <td class="small">{set_by(ver)}</td>
                    <td>{value_cell(ver)}</td>
                    <td class="actions">{restore}</td>
                </tr>
            }
        })
        .collect_view();
    let none = page.versions.is_empty().then(|| {
        view! {
            <tr>
                <td colspan="4" class="muted">"No earlier values are kept."</td>
            </tr>
        }
    });
    view! {
        <p class="small"><a href=format!("/w/{workspace}/variables")>"← Variables"</a></p>
        <div class="page-head">
            <h1>"History of " <span class="mono">{name.clone()}</span></h1>
        </div>
        <p class="muted">
            {what}
            {if restricted {
                ". Earlier values are kept for restore; nobody can read them."
            } else {
                ". Restoring makes an earlier value current again, as a new version."
            }}
        </p>
        {notice}
        <section class="versions" id="versions" aria-labelledby="versions-title">
        <h2 id="versions-title">"Versions"</h2>
        // Focusable: in the narrow Edit panel the table scrolls sideways.
        <div class="table-wrap card" tabindex="0" role="group" aria-labelledby="versions-title">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Set"</th>
                        <th scope="col">"Value"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{current_row} {rows} {none}</tbody>
            </table>
        </div>
        </section>
        {(kind == VariableKind::Secret).then(|| view! { <AgentPlacement workspace=workspace page=page.clone() /> })}
    }
}

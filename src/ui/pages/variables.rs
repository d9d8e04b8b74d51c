//! `/w/{ws}/variables`: the Variables panel (SPEC §4), rendered on the
//! server; the search, the eyes and the row actions are islands.

use crate::api::variables::list_variables;
use crate::model::{VariableKind, VariableView, VariablesPage as Page, Visibility};
use crate::ui::components::reveal::{lock_icon, DOTS};
use crate::ui::format::utc_minutes;
use crate::ui::islands::variables::{RevealCell, VariableActions, VariableSearch, TABLE_ID};
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn VariablesPage() -> impl IntoView {
    let workspace = workspace_slug();
    view! {
        <Title text="Variables" />
        <Suspense fallback=|| view! { <p class="muted">"Loading variables…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    match list_variables(workspace.clone(), String::new()).await {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <VariablesView workspace=workspace page=page /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn VariablesView(workspace: String, page: Page) -> impl IntoView {
    let can_write_secrets = page.can_write_secrets;
    let create = |label: &str| {
        view! {
            <VariableActions
                workspace=workspace.clone()
                variable=None
                can_write_secrets=can_write_secrets
                label=label.to_string()
            />
        }
    };
    let head = view! {
        <div class="page-head">
            <h1>"Variables"</h1>
            {create("Create New")}
        </div>
    };
    if page.variables.is_empty() {
        return view! {
            {head}
            <section class="empty-state card">
                <h2>"No variables yet"</h2>
                <p class="muted">
                    "Keep API tokens and settings here, then use them in API blocks by name."
                </p>
                {create("Create your first variable")}
            </section>
        }
        .into_any();
    }
    let rows = page
        .variables
        .into_iter()
        .map(|v| row(&workspace, v, can_write_secrets))
        .collect_view();
    view! {
        {head}
        <VariableSearch />
        <div class="table-wrap card">
            <table class="table variables-table" id=TABLE_ID>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Visibility"</th>
                        <th scope="col">"Value"</th>
                        <th scope="col">"Last updated"</th>
                        <th scope="col">"Usage"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    <tr data-no-match="" hidden>
                        <td colspan="7" class="muted">"No variable matches this search."</td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn row(workspace: &str, v: VariableView, can_write_secrets: bool) -> impl IntoView {
    let may_write = match v.kind {
        VariableKind::Plain => true,
        VariableKind::Secret => can_write_secrets,
    };
    let value_cell = match (v.kind, v.visibility) {
        (VariableKind::Plain, _) => view! {
            <span class="plain-value mono">{v.value.clone().unwrap_or_default()}</span>
        }
        .into_any(),
        (VariableKind::Secret, Some(Visibility::Masked)) => view! {
            <RevealCell workspace=workspace.to_string() id=v.id name=v.name.clone() />
        }
        .into_any(),
        (VariableKind::Secret, _) => view! {
            <div class="value-cell">
                <span class="dots" aria-label="Hidden value">{DOTS}</span>
                <span class="restricted-note">{lock_icon()} "Restricted"</span>
            </div>
        }
        .into_any(),
    };
    let badge = v.visibility.map(|vis| {
        view! { <span class=format!("badge badge-{}", vis.as_str())>{vis.label()}</span> }
    });
    let updated = format!(
        "{}{}",
        utc_minutes(v.updated_at),
        v.updated_by
            .as_ref()
            .map(|n| format!(" by {n}"))
            .unwrap_or_default()
    );
    let usage = match v.usage_count {
        1 => "Used in 1 block".to_string(),
        n => format!("Used in {n} blocks"),
    };
    let key = v.name.to_ascii_lowercase();
    let name = v.name.clone();
    let description = v.description.clone();
    let kind = v.kind.label();
    let actions = may_write.then(|| {
        view! {
            <VariableActions
                workspace=workspace.to_string()
                variable=Some(v)
                can_write_secrets=can_write_secrets
                label=String::new()
            />
        }
    });
    view! {
        <tr data-name=key>
            <td>
                <span class="mono var-name">{name}</span>
                {(!description.is_empty()).then(|| view! { <div class="muted small">{description}</div> })}
            </td>
            <td>{kind}</td>
            <td>{badge}</td>
            <td>{value_cell}</td>
            <td class="small">{updated}</td>
            <td class="small">{usage}</td>
            <td class="actions">{actions}</td>
        </tr>
    }
}

//! `/w/{ws}/variables`: the Variables panel (SPEC §4).

use crate::api::variables::{list_variables, DeleteVariable};
use crate::model::{Role, VariableKind, VariableView, VariablesPage as Page};
use crate::ui::components::errors::{last_error, ActionError};
use crate::ui::components::modal::{Modal, ModalKind};
use crate::ui::components::reveal::SecretValueCell;
use crate::ui::components::variable_panel::{PanelMode, VariablePanel};
use crate::ui::format::utc_minutes;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn VariablesPage() -> impl IntoView {
    let slug = workspace_slug();
    let workspace = Signal::derive(move || slug.get().unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let delete = ServerAction::<DeleteVariable>::new();
    let variables = Resource::new(
        move || (workspace.get(), refresh.get(), delete.version().get()),
        |(ws, ..)| list_variables(ws, String::new()),
    );

    view! {
        <Title text="Variables" />
        <Transition fallback=|| view! { <p class="muted">"Loading variables…"</p> }>
            {move || {
                variables
                    .get()
                    .map(|result| match result {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(page) => view! {
                            <VariablesView page=page workspace=workspace refresh=refresh delete=delete />
                        }
                            .into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn VariablesView(
    page: Page,
    workspace: Signal<String>,
    refresh: RwSignal<u32>,
    delete: ServerAction<DeleteVariable>,
) -> impl IntoView {
    let role = page.your_role;
    let can_write_secrets = role >= Role::Admin;
    let all = StoredValue::new(page.variables);
    let search = RwSignal::new(String::new());
    let panel_open = RwSignal::new(false);
    let panel_mode = RwSignal::new(PanelMode::Create);
    let confirm_open = RwSignal::new(false);
    let to_delete = RwSignal::new(None::<VariableView>);
    let announce = RwSignal::new(String::new());
    let delete_error = last_error(delete.value());

    let open_create = move || {
        panel_mode.set(PanelMode::Create);
        panel_open.set(true);
    };
    let on_saved = Callback::new(move |saved: VariableView| {
        announce.set(format!("Saved {}", saved.name));
        refresh.update(|n| *n += 1);
    });

    let visible = move || {
        let needle = search.get().to_lowercase();
        all.with_value(|vars| {
            vars.iter()
                .filter(|v| needle.is_empty() || v.name.to_lowercase().contains(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let is_empty = all.with_value(|v| v.is_empty());

    let row = move |v: VariableView| {
        let may_write = match v.kind {
            VariableKind::Plain => true,
            VariableKind::Secret => can_write_secrets,
        };
        let value_cell = match v.kind {
            VariableKind::Plain => view! {
                <span class="plain-value mono">{v.value.clone().unwrap_or_default()}</span>
            }
            .into_any(),
            VariableKind::Secret => view! {
                <SecretValueCell
                    workspace=workspace
                    id=v.id
                    name=v.name.clone()
                    visibility=v.visibility.unwrap_or(crate::model::Visibility::Restricted)
                />
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
        let for_edit = v.clone();
        let for_delete = v.clone();
        let actions = may_write.then(|| {
            view! {
                <button
                    type="button"
                    class="btn btn-quiet btn-small"
                    aria-label=format!("Edit {}", v.name)
                    on:click=move |_| {
                        panel_mode.set(PanelMode::Edit(for_edit.clone()));
                        panel_open.set(true);
                    }
                >
                    "Edit"
                </button>
                <button
                    type="button"
                    class="btn btn-quiet btn-small btn-danger-text"
                    aria-label=format!("Delete {}", v.name)
                    on:click=move |_| {
                        to_delete.set(Some(for_delete.clone()));
                        confirm_open.set(true);
                    }
                >
                    "Delete"
                </button>
            }
        });
        view! {
            <tr>
                <td>
                    <span class="mono var-name">{v.name.clone()}</span>
                    {(!v.description.is_empty()).then(|| view! { <div class="muted small">{v.description.clone()}</div> })}
                </td>
                <td>{v.kind.label()}</td>
                <td>{badge}</td>
                <td>{value_cell}</td>
                <td class="small">{updated}</td>
                <td class="small">{usage}</td>
                <td class="actions">{actions}</td>
            </tr>
        }
    };

    view! {
        <div class="page-head">
            <h1>"Variables"</h1>
            <button class="btn btn-primary" type="button" on:click=move |_| open_create()>
                "Create New"
            </button>
        </div>
        <p class="sr-status visually-hidden" role="status">{move || announce.get()}</p>
        {if is_empty {
            view! {
                <section class="empty-state card">
                    <h2>"No variables yet"</h2>
                    <p class="muted">
                        "Keep API tokens and settings here, then use them in API blocks by name."
                    </p>
                    <button class="btn btn-primary" type="button" on:click=move |_| open_create()>
                        "Create your first variable"
                    </button>
                </section>
            }
                .into_any()
        } else {
            view! {
                <div class="toolbar">
                    <label class="search">
                        <span class="visually-hidden">"Search variables"</span>
                        <input
                            type="search"
                            placeholder="Search variables"
                            aria-label="Search variables"
                            prop:value=move || search.get()
                            on:input=move |ev| search.set(event_target_value(&ev))
                        />
                    </label>
                </div>
                <div class="table-wrap card">
                    <table class="table variables-table">
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
                            {move || {
                                let rows = visible();
                                if rows.is_empty() {
                                    view! {
                                        <tr><td colspan="7" class="muted">"No variable matches this search."</td></tr>
                                    }
                                        .into_any()
                                } else {
                                    rows.into_iter().map(row).collect_view().into_any()
                                }
                            }}
                        </tbody>
                    </table>
                </div>
            }
                .into_any()
        }}
        <ActionError error=delete_error />
        <VariablePanel
            open=panel_open
            mode=panel_mode
            workspace=workspace
            can_write_secrets=can_write_secrets
            on_saved=on_saved
        />
        <Modal open=confirm_open labelled_by="delete-title" kind=ModalKind::Alert>
            {move || {
                let v = to_delete.get();
                let name = v.as_ref().map(|v| v.name.clone()).unwrap_or_default();
                let id = v.as_ref().map(|v| v.id).unwrap_or_default();
                let used_in = v.as_ref().map(|v| v.used_in.clone()).unwrap_or_default();
                let ws = workspace.get_untracked();
                view! {
                    <h2 id="delete-title">{format!("Delete {name}?")}</h2>
                    {if used_in.is_empty() {
                        view! { <p>"No API block uses it."</p> }.into_any()
                    } else {
                        view! {
                            <p>"These API blocks use it; they will stop running until it is replaced:"</p>
                            <ul class="used-in">
                                {used_in.into_iter().map(|u| view! {
                                    <li>
                                        <a href=format!("/w/{ws}/workflows/{}", u.workflow_id)>{u.workflow}</a>
                                        {format!(" › {}", u.block)}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <p class="muted">"This cannot be undone."</p>
                    <div class="modal-actions">
                        <button class="btn" type="button" on:click=move |_| confirm_open.set(false)>
                            "Cancel"
                        </button>
                        <button
                            class="btn btn-danger"
                            type="button"
                            on:click=move |_| {
                                delete.dispatch(DeleteVariable { workspace: workspace.get_untracked(), id });
                                announce.set(format!("Deleted {name}"));
                                confirm_open.set(false);
                            }
                        >
                            "Delete"
                        </button>
                    </div>
                }
            }}
        </Modal>
    }
}

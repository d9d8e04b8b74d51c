//! `/w/{ws}/workflows/{id}`: a workflow's API blocks.

use crate::api::variables::list_variables;
use crate::api::workflows::{add_block, delete_block, get_workflow, move_block};
use crate::model::{BlockView, SecretOption, VariableKind, Visibility};
use crate::ui::components::api_block::{ApiBlockEditor, EditorContext};
use crate::ui::components::secret_picker::PickerChoice;
use crate::ui::components::variable_panel::{PanelMode, VariablePanel};
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::collections::{HashMap, HashSet};

#[component]
pub fn WorkflowPage() -> impl IntoView {
    let slug = workspace_slug();
    let workspace = Signal::derive(move || slug.get().unwrap_or_default());
    let params = use_params_map();
    let id = Signal::derive(move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let workflow = Resource::new(
        move || (workspace.get(), id.get()),
        |(ws, id)| get_workflow(ws, id),
    );

    view! {
        <Title text="Workflow" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the workflow…"</p> }>
            {move || workflow.get().map(|result| match result {
                Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(w) => view! {
                    <WorkflowEditor
                        workspace=workspace
                        workflow_id=w.id
                        name=w.name
                        blocks=w.blocks
                        can_write_secrets=w.can_write_secrets
                        secrets=w.secrets
                    />
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn WorkflowEditor(
    workspace: Signal<String>,
    workflow_id: i64,
    name: String,
    blocks: Vec<BlockView>,
    can_write_secrets: bool,
    secrets: Vec<SecretOption>,
) -> impl IntoView {
    let blocks = RwSignal::new(blocks);
    let error = RwSignal::new(None::<String>);
    let secrets_map = RwSignal::new(
        secrets
            .into_iter()
            .map(|s| (s.name.to_ascii_lowercase(), s.visibility))
            .collect::<HashMap<String, Visibility>>(),
    );
    let dirty = RwSignal::new(HashSet::<i64>::new());
    let panel_open = RwSignal::new(false);
    let panel_mode = RwSignal::new(PanelMode::Create);
    let pending = RwSignal::new(None);
    let created = RwSignal::new(None::<SecretOption>);

    let request_panel = Callback::new(move |choice: PickerChoice| match choice {
        PickerChoice::CreateNew => {
            panel_mode.set(PanelMode::CreateSecret);
            panel_open.set(true);
        }
        PickerChoice::EditValue(option) => {
            pending.set(None);
            leptos::task::spawn_local(async move {
                match list_variables(workspace.get_untracked(), option.name.clone()).await {
                    Ok(page) => {
                        if let Some(v) = page.variables.into_iter().find(|v| v.id == option.id) {
                            panel_mode.set(PanelMode::Edit(v));
                            panel_open.set(true);
                        }
                    }
                    Err(err) => error.set(Some(err.to_string())),
                }
            });
        }
        PickerChoice::Secret(_) => {}
    });
    let on_saved = Callback::new(move |saved: crate::model::VariableView| {
        if let (VariableKind::Secret, Some(visibility)) = (saved.kind, saved.visibility) {
            secrets_map.update(|m| {
                m.insert(saved.name.to_ascii_lowercase(), visibility);
            });
            if pending.get_untracked().is_some() {
                created.set(Some(SecretOption {
                    id: saved.id,
                    name: saved.name,
                    visibility,
                }));
            }
        }
    });
    let ctx = EditorContext {
        workspace,
        can_write_secrets,
        secrets: secrets_map,
        dirty,
        request_panel,
        pending,
        created,
    };

    let on_add = move |_| {
        leptos::task::spawn_local(async move {
            match add_block(workspace.get_untracked(), workflow_id).await {
                Ok(b) => blocks.update(|list| list.push(b)),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    let on_delete = Callback::new(move |id: i64| {
        leptos::task::spawn_local(async move {
            match delete_block(workspace.get_untracked(), id).await {
                Ok(()) => {
                    blocks.update(|list| list.retain(|b| b.block.id != id));
                    dirty.update(|d| {
                        d.remove(&id);
                    });
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    });
    let on_move = Callback::new(move |(id, up): (i64, bool)| {
        leptos::task::spawn_local(async move {
            match move_block(workspace.get_untracked(), id, up).await {
                Ok(()) => blocks.update(|list| {
                    if let Some(i) = list.iter().position(|b| b.block.id == id) {
                        let j = if up {
                            i.checked_sub(1)
                        } else {
                            (i + 1 < list.len()).then_some(i + 1)
                        };
                        if let Some(j) = j {
                            list.swap(i, j);
                        }
                    }
                }),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    });

    #[cfg(feature = "hydrate")]
    guard_unsaved_changes(dirty);

    view! {
        <div class="page-head">
            <h1>{name}</h1>
            <a class="btn btn-quiet" href=move || format!("/w/{}/workflows", workspace.get())>"All workflows"</a>
        </div>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        <For each=move || blocks.get() key=|b| b.block.id let:b>
            <ApiBlockEditor view=b ctx=ctx on_delete=on_delete on_move=on_move />
        </For>
        {move || blocks.with(Vec::is_empty).then(|| view! {
            <section class="empty-state card">
                <h2>"No API blocks yet"</h2>
                <p class="muted">"An API block sends one HTTP request, with secrets filled in on the server."</p>
            </section>
        })}
        <button class="btn btn-primary" type="button" on:click=on_add>"Add API block"</button>
        <VariablePanel
            open=panel_open
            mode=panel_mode
            workspace=workspace
            can_write_secrets=can_write_secrets
            on_saved=on_saved
        />
    }
}

/// Asks before leaving with unsaved changes: closing or reloading the tab
/// (`beforeunload`) and following a link inside the app (a click on any
/// link, seen before the router takes it).
#[cfg(feature = "hydrate")]
fn guard_unsaved_changes(dirty: RwSignal<HashSet<i64>>) {
    use leptos::wasm_bindgen::{closure::Closure, JsCast};
    use leptos::web_sys;
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if !dirty.try_with_untracked(HashSet::is_empty).unwrap_or(true) {
            ev.prevent_default();
            ev.set_return_value("You have unsaved changes.");
        }
    });
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        // After the page is gone its state is too: nothing to lose.
        if dirty.try_with_untracked(HashSet::is_empty).unwrap_or(true) {
            return;
        }
        let is_link = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
            .is_some();
        if is_link {
            let leave = window()
                .confirm_with_message(
                    "You have unsaved changes in this workflow. Leave without saving?",
                )
                .unwrap_or(true);
            if !leave {
                ev.prevent_default();
                ev.stop_immediate_propagation();
            }
        }
    });
    let options = web_sys::AddEventListenerOptions::new();
    options.set_capture(true);
    let _ = window().add_event_listener_with_callback_and_add_event_listener_options(
        "click",
        on_click.as_ref().unchecked_ref(),
        &options,
    );
    // The listener outlives the page harmlessly (see above); keeping it
    // avoids moving a non-Send closure into the cleanup.
    on_click.forget();
    on_cleanup(move || unload.remove());
}

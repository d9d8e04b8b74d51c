//! The workflow editor (SPEC §5): one island, because the blocks, their
//! pickers, the secret panel and the responses share state.

use super::hydrated;
use crate::api::variables::get_variable;
use crate::api::workflows::{add_block, delete_block, move_block};
use crate::model::{BlockId, BlockView, SecretOption, VariableKind, WorkflowId};
use crate::ui::components::api_block::{ApiBlockEditor, EditorContext};
use crate::ui::components::secret_picker::PickerChoice;
use crate::ui::components::variable_panel::{PanelMode, VariablePanel};
use leptos::prelude::*;
use std::collections::{HashMap, HashSet};

/// The editor is one island: blocks, pickers, the secret panel and the
/// responses share its state. Its props carry templates and secret names,
/// never a value.
#[island]
pub fn WorkflowEditor(
    workspace: String,
    workflow_id: WorkflowId,
    name: String,
    blocks: Vec<BlockView>,
    can_write_secrets: bool,
    secrets: Vec<SecretOption>,
) -> impl IntoView {
    let workspace = Signal::stored(workspace);
    let ready = hydrated();
    let blocks = RwSignal::new(blocks);
    let error = RwSignal::new(None::<String>);
    let secrets_map = RwSignal::new(
        secrets
            .into_iter()
            .map(|s| (s.name.to_ascii_lowercase(), s))
            .collect::<HashMap<String, SecretOption>>(),
    );
    let dirty = RwSignal::new(HashSet::<BlockId>::new());
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
                match get_variable(workspace.get_untracked(), option.id).await {
                    Ok(v) => {
                        panel_mode.set(PanelMode::Edit(Box::new(v)));
                        panel_open.set(true);
                    }
                    Err(err) => error.set(Some(err.to_string())),
                }
            });
        }
        PickerChoice::Secret(_) => {}
    });
    let on_saved = Callback::new(move |saved: crate::model::VariableView| {
        if let (VariableKind::Secret, Some(visibility)) = (saved.kind, saved.visibility) {
            // An edited secret keeps its note until the page loads again.
            let option = SecretOption {
                id: saved.id,
                name: saved.name,
                visibility,
                note: None,
            };
            secrets_map.update(|m| {
                m.entry(option.name.to_ascii_lowercase())
                    .or_insert_with(|| option.clone());
            });
            if pending.get_untracked().is_some() {
                created.set(Some(option));
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
    let on_delete = Callback::new(move |id: BlockId| {
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
    let on_move = Callback::new(move |(id, up): (BlockId, bool)| {
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
        <button class="btn btn-primary" type="button" disabled=move || !ready.get() on:click=on_add>
            "Add API block"
        </button>
        <VariablePanel
            open=panel_open
            mode=panel_mode
            workspace=workspace
            can_write_secrets=can_write_secrets
            on_saved=on_saved
        />
    }
}

/// Asks before leaving with unsaved changes: every way out of the page
/// (a link, closing or reloading the tab) is a page load, so one
/// `beforeunload` prompt covers them all.
#[cfg(feature = "hydrate")]
fn guard_unsaved_changes(dirty: RwSignal<HashSet<BlockId>>) {
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if !dirty.try_with_untracked(HashSet::is_empty).unwrap_or(true) {
            ev.prevent_default();
            ev.set_return_value("You have unsaved changes.");
        }
    });
    on_cleanup(move || unload.remove());
}

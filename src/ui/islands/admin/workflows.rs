//! The workflow list: "New workflow", rename and delete, changing in
//! place. The server checks every action again.

use crate::api::workflows::{list_workflows, CreateWorkflow, DeleteWorkflow, RenameWorkflow};
use crate::model::WorkflowSummary;
use crate::ui::components::errors::{last_error, ActionError};
use crate::ui::components::modal::{Modal, ModalKind};
use crate::ui::format::utc_minutes;
use crate::ui::islands::hydrated;
use leptos::prelude::*;

/// The list with "New workflow", rename and delete: one island.
#[island]
pub fn WorkflowsPanel(workspace: String, flows: Vec<WorkflowSummary>) -> impl IntoView {
    let ready = hydrated();
    let workspace = Signal::stored(workspace);
    let create = ServerAction::<CreateWorkflow>::new();
    let rename = ServerAction::<RenameWorkflow>::new();
    let delete = ServerAction::<DeleteWorkflow>::new();
    let list = RwSignal::new(flows);
    let reload = move || {
        leptos::task::spawn_local(async move {
            if let Ok(flows) = list_workflows(workspace.get_untracked()).await {
                list.set(flows);
            }
        });
    };
    Effect::watch(
        move || (rename.version().get(), delete.version().get()),
        move |_, _, _| reload(),
        false,
    );
    let new_open = RwSignal::new(false);
    let confirm_open = RwSignal::new(false);
    let target = RwSignal::new(None::<WorkflowSummary>);
    let create_error = last_error(create.value());
    let rename_error = last_error(rename.value());

    view! {
        <div class="page-head">
            <h1>"Workflows"</h1>
            <button
                class="btn btn-primary"
                type="button"
                disabled=move || !ready.get()
                on:click=move |_| new_open.set(true)
            >
                "New workflow"
            </button>
        </div>
        <ActionError error=rename_error />
        {move || match list.get() {
                flows if flows.is_empty() => view! {
                    <section class="empty-state card">
                        <h2>"No workflows yet"</h2>
                        <p class="muted">"A workflow is a list of API blocks that call other services with your secrets."</p>
                    </section>
                }.into_any(),
                flows => view! {
                    <ul class="workflow-list card">
                        {flows.into_iter().map(|w| {
                            let href = format!("/w/{}/workflows/{}", workspace.get_untracked(), w.id);
                            let for_delete = w.clone();
                            let name = w.name.clone();
                            view! {
                                <li class="workflow-row">
                                    <a href=href class="workflow-link">{w.name.clone()}</a>
                                    <span class="muted small">
                                        {format!("{} blocks · updated {}", w.blocks, utc_minutes(w.updated_at))}
                                    </span>
                                    <input
                                        class="workflow-rename"
                                        aria-label=format!("Rename {name}")
                                        value=w.name.clone()
                                        on:change=move |ev| {
                                            rename.dispatch(RenameWorkflow {
                                                workspace: workspace.get_untracked(),
                                                id: w.id,
                                                name: event_target_value(&ev),
                                            });
                                        }
                                    />
                                    <button
                                        type="button"
                                        class="btn btn-quiet btn-small btn-danger-text"
                                        aria-label=format!("Delete {name}")
                                        disabled=move || !ready.get()
                                        on:click=move |_| { target.set(Some(for_delete.clone())); confirm_open.set(true); }
                                    >
                                        "Delete"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        <Modal open=new_open labelled_by="new-workflow-title">
            <h2 id="new-workflow-title">"New workflow"</h2>
            <ActionForm action=create attr:class="form">
                <input type="hidden" name="workspace" value=move || workspace.get() />
                <label class="field">
                    <span>"Workflow name"</span>
                    <input name="name" required maxlength="100" />
                </label>
                <ActionError error=create_error />
                <div class="modal-actions">
                    <button class="btn" type="button" on:click=move |_| new_open.set(false)>"Cancel"</button>
                    <button class="btn btn-primary" type="submit">"Create"</button>
                </div>
            </ActionForm>
        </Modal>
        <Modal open=confirm_open labelled_by="delete-workflow-title" kind=ModalKind::Alert>
            {move || {
                let w = target.get();
                let name = w.as_ref().map(|w| w.name.clone()).unwrap_or_default();
                let id = w.as_ref().map(|w| w.id).unwrap_or_default();
                view! {
                    <h2 id="delete-workflow-title">{format!("Delete {name}?")}</h2>
                    <p>"Its API blocks are deleted with it. Secrets and variables stay."</p>
                    <div class="modal-actions">
                        <button class="btn" type="button" on:click=move |_| confirm_open.set(false)>"Cancel"</button>
                        <button class="btn btn-danger" type="button" on:click=move |_| {
                            delete.dispatch(DeleteWorkflow { workspace: workspace.get_untracked(), id });
                            confirm_open.set(false);
                        }>"Delete"</button>
                    </div>
                }
            }}
        </Modal>
    }
}

//! The workflow list's islands: "New workflow" and each row's "Delete".
//! The list itself, and "Rename" (a plain form), are server HTML; after a
//! change the page loads again. The server checks every action again.

use crate::api::workflows::{create_workflow, delete_workflow};
use crate::model::WorkflowId;
use crate::ui::components::modal::{Modal, ModalKind};
use crate::ui::islands::{hydrated, reload_page};
use leptos::prelude::*;

/// "New workflow": a dialog asking for its name; the server answers with a
/// redirect to the new workflow's page.
#[island]
pub fn NewWorkflow(workspace: String) -> impl IntoView {
    let ready = hydrated();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let workspace = StoredValue::new(workspace);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = name_ref.get().map(|e| e.value()).unwrap_or_default();
        leptos::task::spawn_local(async move {
            if let Err(err) = create_workflow(workspace.get_value(), name).await {
                error.set(Some(err.to_string()));
            }
        });
    };
    view! {
        <button
            class="btn btn-primary"
            type="button"
            disabled=move || !ready.get()
            on:click=move |_| {
                error.set(None);
                open.set(true);
            }
        >
            "New workflow"
        </button>
        <Modal open=open labelled_by="new-workflow-title">
            <h2 id="new-workflow-title">"New workflow"</h2>
            <form class="form" on:submit=submit>
                <label class="field">
                    <span>"Workflow name"</span>
                    <input name="name" node_ref=name_ref required maxlength="100" />
                </label>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="modal-actions">
                    <button class="btn" type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button class="btn btn-primary" type="submit">"Create"</button>
                </div>
            </form>
        </Modal>
    }
}

/// A row's "Delete NAME", asking first.
#[island]
pub fn DeleteWorkflow(workspace: String, id: WorkflowId, name: String) -> impl IntoView {
    let ready = hydrated();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let workspace = StoredValue::new(workspace);
    let delete = move |_| {
        leptos::task::spawn_local(async move {
            match delete_workflow(workspace.get_value(), id).await {
                Ok(()) => reload_page(),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <button
            type="button"
            class="btn btn-quiet btn-small btn-danger-text"
            aria-label=format!("Delete {name}")
            disabled=move || !ready.get()
            on:click=move |_| open.set(true)
        >
            "Delete"
        </button>
        <Modal open=open labelled_by=format!("delete-workflow-{id}") kind=ModalKind::Alert>
            <h2 id=format!("delete-workflow-{id}")>{format!("Delete {name}?")}</h2>
            <p>"Its API blocks are deleted with it. Secrets and variables stay."</p>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="modal-actions">
                <button class="btn" type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                <button class="btn btn-danger" type="button" on:click=delete>"Delete"</button>
            </div>
        </Modal>
    }
}

//! The Variables panel's islands (SPEC §4). The table, its search and its
//! pages are server HTML; these make it interactive: each masked secret's
//! eye (on the history page too), "Create New", and each row's Edit and
//! Delete. After a change the page loads again, so the rows always come
//! from the server.

use super::{hydrated, reload_page};
use crate::api::variables::delete_variable;
use crate::model::{ValueVersion, VariableId, VariableView};
use crate::ui::components::modal::{Modal, ModalKind};
use crate::ui::components::reveal::SecretValueCell;
use crate::ui::components::variable_panel::{PanelMode, VariablePanel};
use leptos::prelude::*;

/// A masked secret's value cell: dots, and the eye that reveals it (the
/// current value, or an earlier `version`).
#[island]
pub fn RevealCell(
    workspace: String,
    id: VariableId,
    name: String,
    version: Option<ValueVersion>,
) -> impl IntoView {
    view! { <SecretValueCell workspace=Signal::stored(workspace) id=id name=name version=version /> }
}

/// The panel's buttons: "Create New" (`variable` is `None`), or a row's
/// "Edit NAME" and "Delete NAME", with the side panel and the confirmation
/// (which lists the blocks that use it). One island for both keeps the
/// bundle small.
#[island]
pub fn VariableActions(
    workspace: String,
    variable: Option<VariableView>,
    can_write_secrets: bool,
    label: String,
) -> impl IntoView {
    let ready = hydrated();
    let workspace = Signal::stored(workspace);
    let panel_open = RwSignal::new(false);
    let Some(variable) = variable else {
        return view! {
            <button
                class="btn btn-primary"
                type="button"
                disabled=move || !ready.get()
                on:click=move |_| panel_open.set(true)
            >
                {label}
            </button>
            <VariablePanel
                open=panel_open
                mode=RwSignal::new(PanelMode::Create)
                workspace=workspace
                can_write_secrets=can_write_secrets
                on_saved=Callback::new(|_| reload_page())
            />
        }
        .into_any();
    };
    let panel_mode = RwSignal::new(PanelMode::Edit(Box::new(variable.clone())));
    let confirm_open = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);
    let name = variable.name.clone();
    let id = variable.id;
    let used_in = variable.used_in.clone();
    let ws = workspace.get_untracked();
    view! {
        <button
            type="button"
            class="btn btn-quiet btn-small"
            aria-label=format!("Edit {name}")
            disabled=move || !ready.get()
            on:click=move |_| panel_open.set(true)
        >
            "Edit"
        </button>
        <button
            type="button"
            class="btn btn-quiet btn-small btn-danger-text"
            aria-label=format!("Delete {name}")
            disabled=move || !ready.get()
            on:click=move |_| confirm_open.set(true)
        >
            "Delete"
        </button>
        {move || delete_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        <VariablePanel
            open=panel_open
            mode=panel_mode
            workspace=workspace
            can_write_secrets=can_write_secrets
            on_saved=Callback::new(|_| reload_page())
        />
        <Modal open=confirm_open labelled_by=format!("delete-title-{id}") kind=ModalKind::Alert>
            <h2 id=format!("delete-title-{id}")>{format!("Delete {name}?")}</h2>
            {if used_in.is_empty() {
                view! { <p>"No API block uses it."</p> }.into_any()
            } else {
                view! {
                    <p>"These API blocks use it; they will stop running until it is replaced:"</p>
                    <ul class="used-in">
                        {used_in
                            .iter()
                            .map(|u| {
                                view! {
                                    <li>
                                        <a href=format!("/w/{ws}/workflows/{}", u.workflow_id)>
                                            {u.workflow.clone()}
                                        </a>
                                        {format!(" › {}", u.block)}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
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
                        confirm_open.set(false);
                        leptos::task::spawn_local(async move {
                            match delete_variable(workspace.get_untracked(), id).await {
                                Ok(()) => reload_page(),
                                Err(err) => delete_error.set(Some(err.to_string())),
                            }
                        });
                    }
                >
                    "Delete"
                </button>
            </div>
        </Modal>
    }
    .into_any()
}

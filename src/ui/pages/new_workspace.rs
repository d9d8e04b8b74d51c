//! `/new-workspace`: an owner of any workspace creates another.

use crate::api::workspaces::CreateWorkspace;
use crate::ui::components::errors::{last_error, ActionError};
use crate::ui::layout::AppShell;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewWorkspacePage() -> impl IntoView {
    view! {
        <Title text="New workspace" />
        <AppShell>
            <NewWorkspaceForm />
        </AppShell>
    }
}

#[component]
fn NewWorkspaceForm() -> impl IntoView {
    let create = ServerAction::<CreateWorkspace>::new();
    let error = last_error(create.value());
    let pending = create.pending();
    view! {
        <h1>"New workspace"</h1>
        <section class="card narrow">
            <p class="muted">
                "A workspace keeps its own variables, secrets, workflows and members. You will be its owner."
            </p>
            <ActionForm action=create attr:class="form">
                <label class="field">
                    <span>"Workspace name"</span>
                    <input name="name" required maxlength="100" />
                </label>
                <ActionError error=error />
                <button class="btn btn-primary" type="submit" disabled=pending>
                    "Create workspace"
                </button>
            </ActionForm>
        </section>
    }
}

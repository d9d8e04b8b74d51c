//! `/new-workspace`: an owner of any workspace creates another.

use crate::ui::islands::forms::NewWorkspaceForm;
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

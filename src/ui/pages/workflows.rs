//! `/w/{ws}/workflows`: the list, "New workflow", rename and delete.

use crate::api::workflows::list_workflows;
use crate::ui::islands::admin::WorkflowsPanel;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::{Stylesheet, Title};

#[component]
pub fn WorkflowsPage() -> impl IntoView {
    let workspace = workspace_slug();
    view! {
        <Title text="Workflows" />
        <Stylesheet id="workflows" href="/pkg/workflows.css" />
        <Suspense fallback=|| view! { <p class="muted">"Loading workflows…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    match list_workflows(workspace.clone()).await {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(flows) => view! { <WorkflowsPanel workspace=workspace flows=flows /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

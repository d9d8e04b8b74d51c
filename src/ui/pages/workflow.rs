//! `/w/{ws}/workflows/{id}`: a workflow's API blocks.

use crate::api::workflows::get_workflow;
use crate::model::WorkflowId;
use crate::ui::islands::workflow::WorkflowEditor;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::{Stylesheet, Title};
use leptos_router::hooks::use_params_map;

#[component]
pub fn WorkflowPage() -> impl IntoView {
    let workspace = workspace_slug();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .and_then(|v| v.parse::<i64>().ok())
        .map(WorkflowId)
        .unwrap_or_default();
    view! {
        <Title text="Workflow" />
        <Stylesheet id="workflows" href="/pkg/workflows.css" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the workflow…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    match get_workflow(workspace.clone(), id).await {
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
                    }
                })
            }
        </Suspense>
    }
}

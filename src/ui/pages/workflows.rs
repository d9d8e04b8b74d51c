//! `/w/{ws}/workflows`: the list (server HTML), "New workflow" and each
//! row's "Delete" (islands), "Rename" (a plain form: Enter sends it).

use crate::api::workflows::list_workflows;
use crate::model::WorkflowSummary;
use crate::ui::format::utc_minutes;
use crate::ui::islands::admin::{DeleteWorkflow, NewWorkflow};
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::{Stylesheet, Title};
use leptos_router::hooks::use_query_map;

#[component]
pub fn WorkflowsPage() -> impl IntoView {
    let workspace = workspace_slug();
    let q = use_query_map().get_untracked();
    // What the last rename did: fixed sentences, never text from the URL.
    let notice = if q.get("renamed").is_some() {
        Some((true, "Workflow renamed."))
    } else if q.get("failed").is_some() {
        Some((
            false,
            "The workflow could not be renamed: a name is 1 to 100 characters. Nothing changed.",
        ))
    } else {
        None
    };
    view! {
        <Title text="Workflows" />
        <Stylesheet id="workflows" href="/pkg/workflows.css" />
        <Suspense fallback=|| view! { <p class="muted">"Loading workflows…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    match list_workflows(workspace.clone()).await {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(flows) => view! { <WorkflowList workspace=workspace flows=flows notice=notice /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn WorkflowList(
    workspace: String,
    flows: Vec<WorkflowSummary>,
    notice: Option<(bool, &'static str)>,
) -> impl IntoView {
    let notice = notice.map(|(ok, text)| {
        if ok {
            view! { <p class="notice" role="status">{text}</p> }.into_any()
        } else {
            view! { <p class="form-error" role="alert">{text}</p> }.into_any()
        }
    });
    let list = if flows.is_empty() {
        view! {
            <section class="empty-state card">
                <h2>"No workflows yet"</h2>
                <p class="muted">"A workflow is a list of API blocks that call other services with your secrets."</p>
            </section>
        }
        .into_any()
    } else {
        let rows = flows
            .into_iter()
            .map(|w| {
                view! {
                    <li class="workflow-row">
                        <a href=format!("/w/{workspace}/workflows/{}", w.id) class="workflow-link">
                            {w.name.clone()}
                        </a>
                        <span class="muted small">
                            {match w.blocks {
                                1 => "1 block".to_string(),
                                n => format!("{n} blocks"),
                            }}
                            {format!(" · updated {}", utc_minutes(w.updated_at))}
                        </span>
                        <form method="post" action="/api/rename_workflow" class="inline-form">
                            <input type="hidden" name="workspace" value=workspace.clone() />
                            <input type="hidden" name="id" value=w.id.to_string() />
                            <input
                                class="workflow-rename"
                                name="name"
                                aria-label=format!("Rename {}", w.name)
                                value=w.name.clone()
                                required
                                maxlength="100"
                            />
                        </form>
                        <DeleteWorkflow workspace=workspace.clone() id=w.id name=w.name />
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="workflow-list card">{rows}</ul> }.into_any()
    };
    view! {
        <div class="page-head">
            <h1>"Workflows"</h1>
            <NewWorkflow workspace=workspace.clone() />
        </div>
        {notice}
        {list}
    }
}

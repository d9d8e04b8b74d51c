//! `/w/{ws}/members`: everyone sees the list; owners manage every role,
//! admins editors only. The server checks all of it again.

use crate::api::members::list_members;
use crate::ui::islands::admin::MembersPanel;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MembersPage() -> impl IntoView {
    let workspace = workspace_slug();
    view! {
        <Title text="Members" />
        <Suspense fallback=|| view! { <p class="muted">"Loading members…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    match list_members(workspace.clone()).await {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <MembersPanel workspace=workspace page=page /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

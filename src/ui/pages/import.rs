//! `/w/{ws}/variables/import`: "Import .env" for owners and admins (a
//! page of its own, so the Variables panel's bundle stays in its budget).
//! The form is an island; the server checks the role on every call.

use crate::api::auth::get_session_info;
use crate::model::Role;
use crate::ui::islands::import::ImportEnv;
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ImportPage() -> impl IntoView {
    let workspace = workspace_slug();
    view! {
        <Title text="Import .env" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    let admin = get_session_info()
                        .await
                        .ok()
                        .and_then(|info| info.workspace(&workspace).map(|w| w.role >= Role::Admin))
                        .unwrap_or(false);
                    if !admin {
                        return view! {
                            <section class="empty-state">
                                <h1>"You don't have access to this page"</h1>
                                <p class="muted">"Importing is for owners and admins."</p>
                            </section>
                        }
                        .into_any();
                    }
                    view! {
                        <p class="small"><a href=format!("/w/{workspace}/variables")>"← Variables"</a></p>
                        <div class="page-head">
                            <h1>"Import .env"</h1>
                        </div>
                        <p class="muted">
                            "Each line creates a variable, or sets an existing one's value as a new version \
                             (never compared with the stored value). Nothing is imported while any line is \
                             refused, and all of it is imported in one go."
                        </p>
                        <ImportEnv workspace=workspace />
                    }
                    .into_any()
                })
            }
        </Suspense>
    }
}

//! `/w/{ws}/members`: everyone sees the list (server HTML); owners manage
//! every role, admins editors only, through small islands ("Add member",
//! a row's role select and "Remove"). The server checks all of it again.

use crate::api::members::list_members;
use crate::model::{MembersPage as Page, Role};
use crate::ui::islands::admin::{AddMember, MemberRole, RemoveMember};
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
                        Ok(page) => view! { <MembersTable workspace=workspace page=page /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn MembersTable(workspace: String, page: Page) -> impl IntoView {
    let your_role = page.your_role;
    let rows = page
        .members
        .into_iter()
        .map(|m| {
            let manageable = your_role.can_manage(m.role) && !m.is_you;
            let (role_cell, remove) = if manageable {
                (
                    view! {
                        <MemberRole
                            workspace=workspace.clone()
                            user_id=m.user_id
                            name=m.display_name.clone()
                            role=m.role
                            your_role=your_role
                        />
                    }
                    .into_any(),
                    Some(view! {
                        <RemoveMember
                            workspace=workspace.clone()
                            user_id=m.user_id
                            name=m.display_name.clone()
                        />
                    }),
                )
            } else {
                (
                    view! { <span class="badge">{m.role.label()}</span> }.into_any(),
                    None,
                )
            };
            view! {
                <tr>
                    <td>
                        {m.display_name.clone()}
                        {m.is_you.then(|| view! { <span class="muted">" (you)"</span> })}
                    </td>
                    <td>{m.email.clone()}</td>
                    <td>{role_cell}</td>
                    <td class="actions">{remove}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="page-head">
            <h1>"Members"</h1>
            {(your_role >= Role::Admin).then(|| view! { <AddMember workspace=workspace.clone() your_role=your_role /> })}
        </div>
        <div class="table-wrap card">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

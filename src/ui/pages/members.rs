//! `/w/{ws}/members`: everyone sees the list (server HTML); owners manage
//! every role, admins editors only, through small islands ("Add member",
//! a row's role select and "Remove"). The server checks all of it again.

use crate::api::members::list_members;
use crate::model::{MemberView, MembersPage as Page, Role};
use crate::ui::islands::admin::{AddMember, MemberRole, RemoveMember};
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn MembersPage() -> impl IntoView {
    let workspace = workspace_slug();
    let q = use_query_map().get_untracked();
    // What the last "Resume runs" did: fixed sentences, never URL text.
    let notice = if q.get("resumed").is_some() {
        Some((true, "Runs resumed."))
    } else if q.get("failed").is_some() {
        Some((false, "The runs could not be resumed. Nothing changed."))
    } else {
        None
    };
    view! {
        <Title text="Members" />
        <Suspense fallback=|| view! { <p class="muted">"Loading members…"</p> }>
            {
                let workspace = workspace.clone();
                Suspend::new(async move {
                    match list_members(workspace.clone()).await {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <MembersTable workspace=workspace page=page notice=notice /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

/// A paused member's note, and for owners and admins the plain form that
/// resumes their runs.
fn paused_cell(workspace: &str, m: &MemberView, can_resume: bool) -> impl IntoView {
    let form = can_resume.then(|| {
        view! {
            <form method="post" action="/api/resume_runs" class="inline-form">
                <input type="hidden" name="workspace" value=workspace.to_string() />
                <input type="hidden" name="user_id" value=m.user_id.to_string() />
                <button class="btn btn-small" type="submit" aria-label=format!("Resume runs of {}", m.display_name)>
                    "Resume runs"
                </button>
            </form>
        }
    });
    view! {
        <span class="paused">
            <span class="badge badge-failing" title="Runs are paused after 3 withheld responses">"Runs paused"</span>
            {form}
        </span>
    }
}

#[component]
fn MembersTable(
    workspace: String,
    page: Page,
    notice: Option<(bool, &'static str)>,
) -> impl IntoView {
    let notice = notice.map(|(ok, text)| {
        if ok {
            view! { <p class="notice" role="status">{text}</p> }.into_any()
        } else {
            view! { <p class="form-error" role="alert">{text}</p> }.into_any()
        }
    });
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
            let paused = m
                .runs_paused
                .then(|| paused_cell(&workspace, &m, your_role >= Role::Admin));
            view! {
                <tr>
                    <td>
                        {m.display_name.clone()}
                        {m.is_you.then(|| view! { <span class="muted">" (you)"</span> })}
                        {paused}
                    </td>
                    <td data-label="Email">{m.email.clone()}</td>
                    <td data-label="Role"><div>{role_cell}</div></td>
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
        {notice}
        <div class="table-wrap card">
            // A card per member on a phone.
            <table class="table cards">
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

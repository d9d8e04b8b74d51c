//! The members page: the list changes in place, with its dialogs. The
//! server checks every action again.

use crate::api::members::{list_members, AddMember, ChangeMemberRole, RemoveMember};
use crate::model::{MemberView, MembersPage as Page, Role};
use crate::ui::components::errors::{last_error, ActionError};
use crate::ui::components::modal::{Modal, ModalKind};
use crate::ui::islands::hydrated;
use leptos::prelude::*;

/// The list with its dialogs: one island, which fetches the list again
/// after each change.
#[island]
pub fn MembersPanel(workspace: String, page: Page) -> impl IntoView {
    let add = ServerAction::<AddMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let page = RwSignal::new(page);
    let slug = StoredValue::new(workspace);
    Effect::watch(
        move || {
            (
                add.version().get(),
                change.version().get(),
                remove.version().get(),
            )
        },
        move |_, _, _| {
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = list_members(slug.get_value()).await {
                    page.set(fresh);
                }
            });
        },
        false,
    );
    let change_error = last_error(change.value());
    let remove_error = last_error(remove.value());
    view! {
        {move || view! {
            <MembersView page=page.get() slug=slug.get_value() add=add change=change remove=remove />
        }}
        <ActionError error=change_error />
        <ActionError error=remove_error />
    }
}

#[component]
fn MembersView(
    page: Page,
    slug: String,
    add: ServerAction<AddMember>,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let ready = hydrated();
    let your_role = page.your_role;
    let add_open = RwSignal::new(false);
    let confirm_open = RwSignal::new(false);
    let target = RwSignal::new(None::<MemberView>);
    let slug = StoredValue::new(slug);

    let rows = page
        .members
        .into_iter()
        .map(|m| {
            let manageable = your_role.can_manage(m.role) && !m.is_you;
            let name = m.display_name.clone();
            let user_id = m.user_id;
            let role_cell = if manageable {
                let options = Role::ALL
                    .into_iter()
                    .filter(|r| your_role.can_manage(*r))
                    .map(|r| {
                        view! {
                            <option value=r.as_str() selected=r == m.role>
                                {r.label()}
                            </option>
                        }
                    })
                    .collect_view();
                view! {
                    <select
                        aria-label=format!("Role of {name}")
                        disabled=move || !ready.get()
                        on:change=move |ev| {
                            if let Some(role) = Role::parse(&event_target_value(&ev)) {
                                change.dispatch(ChangeMemberRole {
                                    workspace: slug.get_value(),
                                    user_id,
                                    role,
                                });
                            }
                        }
                    >
                        {options}
                    </select>
                }
                .into_any()
            } else {
                view! { <span class="badge">{m.role.label()}</span> }.into_any()
            };
            let member = m.clone();
            let remove_button = manageable.then(|| {
                view! {
                    <button
                        class="btn btn-quiet btn-danger-text"
                        type="button"
                        aria-label=format!("Remove {}", member.display_name)
                        disabled=move || !ready.get()
                        on:click=move |_| {
                            target.set(Some(member.clone()));
                            confirm_open.set(true);
                        }
                    >
                        "Remove"
                    </button>
                }
            });
            view! {
                <tr>
                    <td>
                        {m.display_name.clone()}
                        {m.is_you.then(|| view! { <span class="muted">" (you)"</span> })}
                    </td>
                    <td>{m.email.clone()}</td>
                    <td>{role_cell}</td>
                    <td class="actions">{remove_button}</td>
                </tr>
            }
        })
        .collect_view();

    view! {
        <div class="page-head">
            <h1>"Members"</h1>
            {(your_role >= Role::Admin)
                .then(|| {
                    view! {
                        <button
                            class="btn btn-primary"
                            type="button"
                            disabled=move || !ready.get()
                            on:click=move |_| add_open.set(true)
                        >
                            "Add member"
                        </button>
                    }
                })}
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
        <AddMemberDialog open=add_open add=add slug=slug your_role=your_role />
        <Modal open=confirm_open labelled_by="remove-title" kind=ModalKind::Alert>
            {move || {
                let m = target.get();
                let name = m.as_ref().map(|m| m.display_name.clone()).unwrap_or_default();
                let user_id = m.as_ref().map(|m| m.user_id).unwrap_or_default();
                view! {
                    <h2 id="remove-title">{format!("Remove {name}?")}</h2>
                    <p>
                        "They lose access to this workspace and are signed out at once. Their account stays."
                    </p>
                    <div class="modal-actions">
                        <button class="btn" type="button" on:click=move |_| confirm_open.set(false)>
                            "Cancel"
                        </button>
                        <button
                            class="btn btn-danger"
                            type="button"
                            on:click=move |_| {
                                remove.dispatch(RemoveMember { workspace: slug.get_value(), user_id });
                                confirm_open.set(false);
                            }
                        >
                            "Remove"
                        </button>
                    </div>
                }
            }}
        </Modal>
    }
}

#[component]
fn AddMemberDialog(
    open: RwSignal<bool>,
    add: ServerAction<AddMember>,
    slug: StoredValue<String>,
    your_role: Role,
) -> impl IntoView {
    let error = last_error(add.value());
    let pending = add.pending();
    // Close once the member is added; a failure stays open with its message.
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(()))) {
            open.set(false);
        }
    });
    view! {
        <Modal open=open labelled_by="add-member-title">
            <h2 id="add-member-title">"Add member"</h2>
            <ActionForm action=add attr:class="form">
                <input type="hidden" name="workspace" value=slug.get_value() />
                <label class="field">
                    <span>"Email"</span>
                    <input type="email" name="email" required autocomplete="off" />
                </label>
                <label class="field">
                    <span>"Name"</span>
                    <input name="name" required maxlength="100" autocomplete="off" />
                </label>
                <div class="field">
                    <label class="field">
                        <span>"Initial password"</span>
                        <input
                            type="password"
                            name="initial_password"
                            required
                            minlength="12"
                            maxlength="256"
                            autocomplete="new-password"
                            aria-describedby="initial-password-hint"
                        />
                    </label>
                    <small id="initial-password-hint" class="muted">
                        "12 to 256 characters; share it with them privately. If this email already has an account, it keeps its own password and this one is ignored."
                    </small>
                </div>
                <label class="field">
                    <span>"Role"</span>
                    <select name="role">
                        {Role::ALL
                            .into_iter()
                            .rev()
                            .filter(|r| your_role.can_manage(*r))
                            .map(|r| view! { <option value=r.as_str()>{r.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <ActionError error=error />
                <div class="modal-actions">
                    <button class="btn" type="button" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button class="btn btn-primary" type="submit" disabled=pending>
                        "Add member"
                    </button>
                </div>
            </ActionForm>
        </Modal>
    }
}

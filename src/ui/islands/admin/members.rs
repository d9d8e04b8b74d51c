//! The members page's islands: "Add member", each manageable row's role
//! select and "Remove". The table is server HTML; after a change the page
//! loads again. The server checks every action again.

use crate::api::members::{add_member, change_member_role, remove_member};
use crate::model::{Role, UserId};
use crate::ui::components::modal::{Modal, ModalKind};
use crate::ui::islands::{hydrated, reload_page};
use leptos::prelude::*;

fn error_line(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="form-error" role="alert">{e}</p> })
    }
}

/// "Add member" and its dialog; the roles offered are those `your_role`
/// may give.
#[island]
pub fn AddMember(workspace: String, your_role: Role) -> impl IntoView {
    let ready = hydrated();
    let open = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let workspace = StoredValue::new(workspace);
    let refs: [NodeRef<leptos::html::Input>; 3] = Default::default();
    let role_ref = NodeRef::<leptos::html::Select>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let [email, name, password] = refs.map(|r| r.get().map(|e| e.value()).unwrap_or_default());
        let role = role_ref
            .get()
            .and_then(|s| Role::parse(&s.value()))
            .unwrap_or(Role::Editor);
        pending.set(true);
        leptos::task::spawn_local(async move {
            match add_member(workspace.get_value(), email, name, password, role).await {
                Ok(()) => reload_page(),
                Err(err) => {
                    pending.set(false);
                    error.set(Some(err.to_string()));
                }
            }
        });
    };
    view! {
        <button
            class="btn btn-primary"
            type="button"
            disabled=move || !ready.get()
            on:click=move |_| {
                error.set(None);
                open.set(true);
            }
        >
            "Add member"
        </button>
        <Modal open=open labelled_by="add-member-title">
            <h2 id="add-member-title">"Add member"</h2>
            <form class="form" on:submit=submit>
                <label class="field">
                    <span>"Email"</span>
                    <input type="email" node_ref=refs[0] required autocomplete="off" />
                </label>
                <label class="field">
                    <span>"Name"</span>
                    <input node_ref=refs[1] required maxlength="100" autocomplete="off" />
                </label>
                <div class="field">
                    <label class="field">
                        <span>"Initial password"</span>
                        <input
                            type="password"
                            node_ref=refs[2]
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
                    <select node_ref=role_ref>
                        {Role::ALL
                            .into_iter()
                            .rev()
                            .filter(|r| your_role.can_manage(*r))
                            .map(|r| view! { <option value=r.as_str()>{r.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                {error_line(error)}
                <div class="modal-actions">
                    <button class="btn" type="button" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                        "Add member"
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Reloads the page after a change, or shows why it failed.
fn finish(result: Result<(), crate::error::AppError>, error: RwSignal<Option<String>>) {
    match result {
        Ok(()) => reload_page(),
        Err(err) => error.set(Some(err.to_string())),
    }
}

/// A manageable member's role: a select that applies when changed.
#[island]
pub fn MemberRole(
    workspace: String,
    user_id: UserId,
    name: String,
    role: Role,
    your_role: Role,
) -> impl IntoView {
    let ready = hydrated();
    let error = RwSignal::new(None::<String>);
    let workspace = StoredValue::new(workspace);
    let options = Role::ALL
        .into_iter()
        .filter(|r| your_role.can_manage(*r))
        .map(|r| view! { <option value=r.as_str() selected=r == role>{r.label()}</option> })
        .collect_view();
    view! {
        <select
            aria-label=format!("Role of {name}")
            disabled=move || !ready.get()
            on:change=move |ev| {
                if let Some(role) = Role::parse(&event_target_value(&ev)) {
                    leptos::task::spawn_local(async move {
                        finish(change_member_role(workspace.get_value(), user_id, role).await, error);
                    });
                }
            }
        >
            {options}
        </select>
        {error_line(error)}
    }
}

/// "Remove NAME", asking first.
#[island]
pub fn RemoveMember(workspace: String, user_id: UserId, name: String) -> impl IntoView {
    let ready = hydrated();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let workspace = StoredValue::new(workspace);
    view! {
        <button
            class="btn btn-quiet btn-danger-text"
            type="button"
            aria-label=format!("Remove {name}")
            disabled=move || !ready.get()
            on:click=move |_| open.set(true)
        >
            "Remove"
        </button>
        {error_line(error)}
        <Modal open=open labelled_by=format!("remove-{user_id}") kind=ModalKind::Alert>
            <h2 id=format!("remove-{user_id}")>{format!("Remove {name}?")}</h2>
            <p>"They lose access to this workspace and are signed out at once. Their account stays."</p>
            <div class="modal-actions">
                <button class="btn" type="button" on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button
                    class="btn btn-danger"
                    type="button"
                    on:click=move |_| {
                        open.set(false);
                        leptos::task::spawn_local(async move {
                            finish(remove_member(workspace.get_value(), user_id).await, error);
                        });
                    }
                >
                    "Remove"
                </button>
            </div>
        </Modal>
    }
}

//! "Create token" on the Tokens page: a dialog whose answer shows the token
//! once, to copy; it is not kept anywhere it could be shown again. The
//! list and "Revoke" are server HTML.

use super::{hydrated, reload_page};
use crate::api::tokens::create_token;
use crate::model::Scope;
use crate::ui::components::modal::{Modal, ModalKind};
use leptos::prelude::*;

#[island]
pub fn TokenCreate(workspace: String) -> impl IntoView {
    let ready = hydrated();
    let workspace = Signal::stored(workspace);
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<String>);
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let expires_ref = NodeRef::<leptos::html::Input>::new();
    let networks_ref = NodeRef::<leptos::html::Textarea>::new();
    let chosen = RwSignal::new(Vec::<Scope>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input =
            |r: NodeRef<leptos::html::Input>| r.get().map(|e| e.value()).unwrap_or_default();
        let name = input(name_ref);
        let expires = input(expires_ref);
        let networks = networks_ref.get().map(|e| e.value()).unwrap_or_default();
        let scopes = chosen
            .get_untracked()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let ws = workspace.get_untracked();
        leptos::task::spawn_local(async move {
            match create_token(ws, name, scopes, expires, networks).await {
                Ok(made) => {
                    error.set(None);
                    created.set(Some(made.token));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    let scope_box = move |scope: Scope, hint: &'static str| {
        view! {
            <label>
                <input
                    type="checkbox"
                    name="scope"
                    value=scope.as_str()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|c| {
                            c.retain(|s| *s != scope);
                            if on {
                                c.push(scope);
                            }
                        });
                    }
                />
                <span class="mono">{scope.as_str()}</span>
                " "
                <span class="muted small">{hint}</span>
            </label>
        }
    };
    view! {
        <button
            class="btn btn-primary"
            type="button"
            disabled=move || !ready.get()
            on:click=move |_| {
                created.set(None);
                error.set(None);
                chosen.set(Vec::new());
                open.set(true);
            }
        >
            "Create token"
        </button>
        <Modal open=open labelled_by="token-title" kind=ModalKind::Dialog>
            {move || match created.get() {
                Some(token) => view! {
                    <h2 id="token-title">"Token created"</h2>
                    <p>"Copy it now: it is not shown again."</p>
                    <input
                        class="mono token-once"
                        readonly
                        aria-label="New token"
                        value=token
                    />
                    <div class="modal-actions">
                        <button class="btn btn-primary" type="button" on:click=move |_| {
                            open.set(false);
                            reload_page();
                        }>
                            "Done"
                        </button>
                    </div>
                }
                .into_any(),
                None => view! {
                    <form class="form" on:submit=submit novalidate>
                        <h2 id="token-title">"Create token"</h2>
                        <div class="field">
                            <label for="token-name">"Token name"</label>
                            <input id="token-name" node_ref=name_ref maxlength="100" autocomplete="off" />
                        </div>
                        <fieldset class="field radios">
                            <legend>"Scopes"</legend>
                            {scope_box(Scope::VariablesRead, "names, details and plain values")}
                            {scope_box(Scope::VariablesWrite, "create, set and delete plain variables")}
                            {scope_box(Scope::SecretsWrite, "create, set and delete secrets (never read them)")}
                            {scope_box(Scope::AuditRead, "read the audit log")}
                            {scope_box(Scope::AgentUse, "an AI agent over MCP: send secrets in API calls, never read them")}
                        </fieldset>
                        <div class="field">
                            <label for="token-expires">"Expires on"</label>
                            <input id="token-expires" node_ref=expires_ref type="date" />
                        </div>
                        <div class="field">
                            <label for="token-networks">"Allowed networks"</label>
                            <textarea
                                id="token-networks"
                                node_ref=networks_ref
                                rows="2"
                                class="mono"
                                aria-describedby="token-networks-hint"
                            ></textarea>
                            <small id="token-networks-hint" class="muted">
                                "CIDR blocks or addresses, one per line. Empty: any network."
                            </small>
                        </div>
                        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                        <div class="modal-actions">
                            <button class="btn" type="button" on:click=move |_| open.set(false)>
                                "Cancel"
                            </button>
                            <button class="btn btn-primary" type="submit">"Create"</button>
                        </div>
                    </form>
                }
                .into_any(),
            }}
        </Modal>
    }
}

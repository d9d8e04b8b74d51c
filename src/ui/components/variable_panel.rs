//! The side panel that creates or edits a variable (SPEC §4). The server
//! checks the rules; its answer shows next to the field it concerns.

use crate::api::variables::{create_variable, update_variable};
use crate::error::AppError;
use crate::model::{VariableKind, VariableView, Visibility, NAME_MAX_CHARS};
use crate::ui::components::modal::{Modal, ModalKind};
use leptos::prelude::*;

/// What the panel is doing.
#[derive(Clone, PartialEq)]
pub enum PanelMode {
    Create,
    /// From the secret picker: a secret, chosen at once when created.
    CreateSecret,
    Edit(Box<VariableView>),
}

/// Inline errors, one per field.
#[derive(Clone, Default, PartialEq)]
struct FieldErrors {
    name: Option<String>,
    value: Option<String>,
    visibility: Option<String>,
    hosts: Option<String>,
    description: Option<String>,
    expires: Option<String>,
    general: Option<String>,
}

impl FieldErrors {
    /// Puts a server message next to the field it names.
    fn from_server(err: AppError) -> Self {
        let mut out = FieldErrors::default();
        let slot = match err.field() {
            Some("name") => &mut out.name,
            Some("value") => &mut out.value,
            Some("visibility") => &mut out.visibility,
            Some("allowed_hosts") => &mut out.hosts,
            Some("description") => &mut out.description,
            Some("expires_on") => &mut out.expires,
            _ => &mut out.general,
        };
        *slot = Some(err.to_string());
        out
    }
}

fn field_error(id: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <p class="field-error" id=id>
                    {e}
                </p>
            }
        })
    }
}

#[component]
pub fn VariablePanel(
    open: RwSignal<bool>,
    mode: RwSignal<PanelMode>,
    workspace: Signal<String>,
    /// Whether the viewer may write secrets (owners and admins).
    can_write_secrets: bool,
    /// Called with the saved variable.
    on_saved: Callback<VariableView>,
) -> impl IntoView {
    view! {
        <Modal open=open labelled_by="variable-panel-title" kind=ModalKind::SidePanel>
            {move || {
                let mode = mode.get();
                view! {
                    <PanelBody
                        mode=mode
                        open=open
                        workspace=workspace
                        can_write_secrets=can_write_secrets
                        on_saved=on_saved
                    />
                }
            }}
        </Modal>
    }
}

#[component]
fn PanelBody(
    mode: PanelMode,
    open: RwSignal<bool>,
    workspace: Signal<String>,
    can_write_secrets: bool,
    on_saved: Callback<VariableView>,
) -> impl IntoView {
    let editing = match &mode {
        PanelMode::Edit(v) => Some((**v).clone()),
        PanelMode::Create | PanelMode::CreateSecret => None,
    };
    let title = match &editing {
        Some(v) => format!("Edit {}", v.name),
        None => "Create variable".to_string(),
    };
    let initial_kind = match &mode {
        PanelMode::CreateSecret => VariableKind::Secret,
        _ => VariableKind::Plain,
    };
    // Only what changes the form is a signal; the fields are read when
    // the form is sent (fewer reactive bindings, a smaller bundle).
    let kind = RwSignal::new(editing.as_ref().map(|v| v.kind).unwrap_or(initial_kind));
    let visibility = RwSignal::new(editing.as_ref().and_then(|v| v.visibility));
    let errors = RwSignal::new(FieldErrors::default());
    let pending = RwSignal::new(false);
    let is_secret = move || kind.get() == VariableKind::Secret;
    let edit_id = editing.as_ref().map(|v| v.id);
    let is_edit = edit_id.is_some();
    // A secret's value is never pre-filled; a plain value is.
    let initial_value = editing
        .as_ref()
        .and_then(|v| v.value.clone())
        .unwrap_or_default();
    let initial_hosts = editing
        .as_ref()
        .map(|v| v.allowed_hosts.join("\n"))
        .unwrap_or_default();
    let initial_description = editing
        .as_ref()
        .map(|v| v.description.clone())
        .unwrap_or_default();
    let initial_expires = editing.as_ref().and_then(|v| v.expires_on.clone());
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let secret_ref = NodeRef::<leptos::html::Input>::new();
    let plain_ref = NodeRef::<leptos::html::Textarea>::new();
    // Switching the kind keeps what was typed as the value.
    let set_kind = move |to: VariableKind| {
        if let (Some(secret), Some(plain)) = (secret_ref.get(), plain_ref.get()) {
            match to {
                VariableKind::Secret => secret.set_value(&plain.value()),
                VariableKind::Plain => plain.set_value(&secret.value()),
            }
        }
        kind.set(to);
    };
    let hosts_ref = NodeRef::<leptos::html::Textarea>::new();
    let description_ref = NodeRef::<leptos::html::Input>::new();
    let expires_ref = NodeRef::<leptos::html::Input>::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input =
            |r: NodeRef<leptos::html::Input>| r.get().map(|e| e.value()).unwrap_or_default();
        let area =
            |r: NodeRef<leptos::html::Textarea>| r.get().map(|e| e.value()).unwrap_or_default();
        let k = kind.get_untracked();
        let v = if k == VariableKind::Secret {
            input(secret_ref)
        } else {
            area(plain_ref)
        };
        let (n, h, d) = (input(name_ref), area(hosts_ref), input(description_ref));
        let e = if k == VariableKind::Secret {
            input(expires_ref)
        } else {
            String::new()
        };
        let vis = visibility.get_untracked();
        if k == VariableKind::Secret && !is_edit && vis.is_none() {
            errors.set(FieldErrors {
                visibility: Some("Choose a visibility: Masked or Restricted".into()),
                ..FieldErrors::default()
            });
            return;
        }
        errors.set(FieldErrors::default());
        pending.set(true);
        let ws = workspace.get_untracked();
        leptos::task::spawn_local(async move {
            let result = match edit_id {
                Some(id) => update_variable(ws, id, v, h, d, e).await,
                None => {
                    let vis = if k == VariableKind::Secret { vis } else { None };
                    create_variable(ws, k, n, v, vis, h, d, e).await
                }
            };
            pending.set(false);
            match result {
                Ok(saved) => {
                    open.set(false);
                    on_saved.run(saved);
                }
                Err(err) => errors.set(FieldErrors::from_server(err)),
            }
        });
    };

    let err = move |f: fn(&FieldErrors) -> Option<String>| Signal::derive(move || errors.with(f));
    let name_error = err(|e| e.name.clone());
    let value_error = err(|e| e.value.clone());
    let visibility_error = err(|e| e.visibility.clone());
    let hosts_error = err(|e| e.hosts.clone());
    let description_error = err(|e| e.description.clone());
    let expires_error = err(|e| e.expires.clone());
    let general_error = err(|e| e.general.clone());
    let invalid = |e: Signal<Option<String>>| move || e.with(Option::is_some).to_string();

    let type_field = match &editing {
        Some(v) => view! {
            <dl class="readonly">
                <dt>"Name"</dt>
                <dd class="mono">{v.name.clone()}</dd>
                <dt>"Type"</dt>
                <dd>{v.kind.label()}</dd>
                {v.visibility.map(|vis| view! {
                    <dt>"Visibility"</dt>
                    <dd>{vis.label()}</dd>
                })}
            </dl>
            // Earlier values and "Restore": the history page (server HTML),
            // whose "Versions" region the Variables page's script puts after
            // this form in place of the link (`public/variables.js`).
            <a href=format!("/w/{}/variables/{}/history", workspace.get_untracked(), v.id)>
                "Version history"
            </a>
        }
        .into_any(),
        None => view! {
            <fieldset class="field radios">
                <legend>"Type"</legend>
                <label>
                    <input
                        type="radio"
                        name="kind"
                        value="plain"
                        checked=kind.get_untracked() == VariableKind::Plain
                        on:change=move |_| set_kind(VariableKind::Plain)
                    />
                    "Variable"
                </label>
                {can_write_secrets.then(|| view! {
                    <label>
                        <input
                            type="radio"
                            name="kind"
                            value="secret"
                            checked=kind.get_untracked() == VariableKind::Secret
                            on:change=move |_| set_kind(VariableKind::Secret)
                        />
                        "Secret"
                    </label>
                })}
            </fieldset>
            <div class="field">
                <label for="var-name">"Name"</label>
                <input
                    id="var-name"
                    node_ref=name_ref
                    class="mono"
                    autocomplete="off"
                    spellcheck="false"
                    maxlength=NAME_MAX_CHARS
                    aria-invalid=invalid(name_error)
                    aria-describedby="var-name-error"
                />
                {field_error("var-name-error", name_error)}
            </div>
        }
        .into_any(),
    };

    view! {
        <form class="form panel-form" on:submit=submit novalidate>
            <h2 id="variable-panel-title">{title}</h2>
            {type_field}
            <div class="field">
                // Both fields exist; the kind shows one (a secret's value is
                // a password field, a plain one a text area).
                <label for=move || if is_secret() { "var-value" } else { "var-plain-value" }>
                    {move || if is_edit && is_secret() { "New value" } else { "Value" }}
                </label>
                <input
                    id="var-value"
                    node_ref=secret_ref
                    type="password"
                    autocomplete="new-password"
                    spellcheck="false"
                    hidden=move || !is_secret()
                    aria-invalid=invalid(value_error)
                    aria-describedby="var-value-error var-value-hint"
                />
                <textarea
                    id="var-plain-value"
                    node_ref=plain_ref
                    rows="3"
                    spellcheck="false"
                    hidden=is_secret
                    aria-invalid=invalid(value_error)
                    aria-describedby="var-value-error"
                >
                    {initial_value}
                </textarea>
                <small id="var-value-hint" class="muted" hidden=move || !(is_edit && is_secret())>
                    "Leave empty to keep the current value."
                </small>
                {field_error("var-value-error", value_error)}
            </div>
            <fieldset
                class="field radios"
                aria-describedby="visibility-note"
                hidden=move || !is_secret() || is_edit
            >
                <legend>"Visibility"</legend>
                <label>
                    <input
                        type="radio"
                        name="visibility"
                        value="masked"
                        on:change=move |_| visibility.set(Some(Visibility::Masked))
                    />
                    "Masked"
                </label>
                <label>
                    <input
                        type="radio"
                        name="visibility"
                        value="restricted"
                        on:change=move |_| visibility.set(Some(Visibility::Restricted))
                    />
                    "Restricted"
                </label>
                <small id="visibility-note" class="muted">
                    "Masked values can be revealed briefly; restricted ones never. This cannot be changed later."
                </small>
                {field_error("visibility-error", visibility_error)}
            </fieldset>
            <div class="field" hidden=move || !is_secret()>
                <label for="var-hosts">"Allowed hosts"</label>
                <textarea
                    id="var-hosts"
                    node_ref=hosts_ref
                    rows="2"
                    spellcheck="false"
                    class="mono"
                    aria-invalid=invalid(hosts_error)
                    aria-describedby="var-hosts-hint var-hosts-error"
                >
                    {initial_hosts}
                </textarea>
                <small id="var-hosts-hint" class="muted">
                    "Hosts this secret may be sent to, separated by commas or new lines: api.example.com, *.example.com. "
                    {move || if visibility.get() == Some(Visibility::Restricted) {
                        "Required for a restricted secret."
                    } else {
                        "Empty means any public host."
                    }}
                </small>
                {field_error("var-hosts-error", hosts_error)}
            </div>
            <div class="field" hidden=move || !is_secret()>
                <label for="var-expires">"Expires on"</label>
                <input
                    id="var-expires"
                    node_ref=expires_ref
                    type="date"
                    value=initial_expires
                    aria-invalid=invalid(expires_error)
                    aria-describedby="var-expires-hint var-expires-error"
                />
                <small id="var-expires-hint" class="muted">
                    "Optional. After this day the panel and API blocks say it has expired."
                </small>
                {field_error("var-expires-error", expires_error)}
            </div>
            <div class="field">
                <label for="var-description">"Description"</label>
                <input
                    id="var-description"
                    node_ref=description_ref
                    maxlength="500"
                    value=initial_description
                    aria-describedby="var-description-error"
                />
                {field_error("var-description-error", description_error)}
            </div>
            {move || general_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="modal-actions">
                <button class="btn" type="button" on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                    {if is_edit { "Save" } else { "Create" }}
                </button>
            </div>
        </form>
    }
}

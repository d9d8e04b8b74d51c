//! The side panel that creates or edits a variable (SPEC §4). It checks
//! what it can as you type (the same rules as the server, from `model`),
//! and shows the server's answer next to the field it concerns.

use crate::api::variables::{create_variable, update_variable};
use crate::error::AppError;
use crate::model::{
    check_variable_name, check_variable_value, split_host_patterns, VariableKind, VariableView,
    Visibility, NAME_MAX_CHARS,
};
use crate::ui::components::modal::{Modal, ModalKind};
use leptos::prelude::*;

/// What the panel is doing.
#[derive(Clone, PartialEq)]
pub enum PanelMode {
    Create,
    /// From the secret picker: a secret, chosen at once when created.
    CreateSecret,
    Edit(VariableView),
}

/// Inline errors, one per field.
#[derive(Clone, Default, PartialEq)]
struct FieldErrors {
    name: Option<String>,
    value: Option<String>,
    visibility: Option<String>,
    hosts: Option<String>,
    description: Option<String>,
    general: Option<String>,
}

impl FieldErrors {
    fn is_empty(&self) -> bool {
        *self == FieldErrors::default()
    }

    /// Puts a server message next to the field it is about.
    fn from_server(err: AppError) -> Self {
        let message = err.to_string();
        let mut out = FieldErrors::default();
        let slot = if message.starts_with("Name") || message.starts_with("A variable named") {
            &mut out.name
        } else if message.starts_with("Value") || message.starts_with("A secret's value") {
            &mut out.value
        } else if message.contains("visibility") {
            &mut out.visibility
        } else if message.contains("host") {
            &mut out.hosts
        } else if message.starts_with("Description") {
            &mut out.description
        } else {
            &mut out.general
        };
        *slot = Some(message);
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
        PanelMode::Edit(v) => Some(v.clone()),
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
    let kind = RwSignal::new(editing.as_ref().map(|v| v.kind).unwrap_or(initial_kind));
    let visibility = RwSignal::new(editing.as_ref().and_then(|v| v.visibility));
    let name = RwSignal::new(editing.as_ref().map(|v| v.name.clone()).unwrap_or_default());
    // A secret's value is never pre-filled; a plain value is.
    let value = RwSignal::new(
        editing
            .as_ref()
            .and_then(|v| v.value.clone())
            .unwrap_or_default(),
    );
    let hosts = RwSignal::new(
        editing
            .as_ref()
            .map(|v| v.allowed_hosts.join("\n"))
            .unwrap_or_default(),
    );
    let description = RwSignal::new(
        editing
            .as_ref()
            .map(|v| v.description.clone())
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(FieldErrors::default());
    let pending = RwSignal::new(false);
    let is_secret = move || kind.get() == VariableKind::Secret;
    let edit_id = editing.as_ref().map(|v| v.id);
    let is_edit = edit_id.is_some();

    // The browser's check, mirroring the server's rules.
    let check = move || {
        let mut e = FieldErrors::default();
        if !is_edit {
            e.name = check_variable_name(&name.get_untracked()).err();
        }
        let v = value.get_untracked();
        let value_optional = is_edit && kind.get_untracked() == VariableKind::Secret;
        if !(value_optional && v.is_empty()) {
            e.value = check_variable_value(&v).err();
        }
        if kind.get_untracked() == VariableKind::Secret {
            match visibility.get_untracked() {
                None => e.visibility = Some("Choose a visibility: Masked or Restricted".into()),
                Some(Visibility::Restricted)
                    if split_host_patterns(&hosts.get_untracked()).is_empty() =>
                {
                    e.hosts = Some("A restricted secret needs at least one allowed host".into())
                }
                _ => {}
            }
        }
        e
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let found = check();
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        errors.set(FieldErrors::default());
        pending.set(true);
        let ws = workspace.get_untracked();
        let (k, n, v, vis, h, d) = (
            kind.get_untracked(),
            name.get_untracked(),
            value.get_untracked(),
            visibility.get_untracked(),
            hosts.get_untracked(),
            description.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            let result = match edit_id {
                Some(id) => update_variable(ws, id, v, h, d).await,
                None => {
                    let vis = if k == VariableKind::Secret { vis } else { None };
                    create_variable(ws, k, n, v, vis, h, d).await
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
    let general_error = err(|e| e.general.clone());

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
                        prop:checked=move || kind.get() == VariableKind::Plain
                        on:change=move |_| kind.set(VariableKind::Plain)
                    />
                    "Variable"
                </label>
                {can_write_secrets.then(|| view! {
                    <label>
                        <input
                            type="radio"
                            name="kind"
                            value="secret"
                            prop:checked=move || kind.get() == VariableKind::Secret
                            on:change=move |_| kind.set(VariableKind::Secret)
                        />
                        "Secret"
                    </label>
                })}
            </fieldset>
            <div class="field">
                <label for="var-name">"Name"</label>
                <input
                    id="var-name"
                    class="mono"
                    autocomplete="off"
                    spellcheck="false"
                    maxlength=NAME_MAX_CHARS
                    aria-invalid=move || name_error.get().is_some().to_string()
                    aria-describedby="var-name-error"
                    prop:value=move || name.get()
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        errors.update(|e| e.name = None);
                    }
                />
                {field_error("var-name-error", name_error)}
            </div>
        }
        .into_any(),
    };

    let value_label = move || {
        if is_edit && is_secret() {
            "New value"
        } else {
            "Value"
        }
    };

    view! {
        <form class="form panel-form" on:submit=submit novalidate>
            <h2 id="variable-panel-title">{title}</h2>
            {type_field}
            <div class="field">
                <label for="var-value">{value_label}</label>
                {move || if is_secret() {
                    view! {
                        <input
                            id="var-value"
                            type="password"
                            autocomplete="new-password"
                            spellcheck="false"
                            aria-invalid=move || value_error.get().is_some().to_string()
                            aria-describedby="var-value-error var-value-hint"
                            prop:value=move || value.get()
                            on:input=move |ev| {
                                value.set(event_target_value(&ev));
                                errors.update(|e| e.value = None);
                            }
                        />
                    }.into_any()
                } else {
                    view! {
                        <textarea
                            id="var-value"
                            rows="3"
                            spellcheck="false"
                            aria-invalid=move || value_error.get().is_some().to_string()
                            aria-describedby="var-value-error"
                            prop:value=move || value.get()
                            on:input=move |ev| {
                                value.set(event_target_value(&ev));
                                errors.update(|e| e.value = None);
                            }
                        ></textarea>
                    }.into_any()
                }}
                {move || (is_edit && is_secret()).then(|| view! {
                    <small id="var-value-hint" class="muted">"Leave empty to keep the current value."</small>
                })}
                {field_error("var-value-error", value_error)}
            </div>
            {move || (is_secret() && !is_edit).then(|| view! {
                <fieldset class="field radios" aria-describedby="visibility-note">
                    <legend>"Visibility"</legend>
                    <label>
                        <input
                            type="radio"
                            name="visibility"
                            value="masked"
                            prop:checked=move || visibility.get() == Some(Visibility::Masked)
                            on:change=move |_| { visibility.set(Some(Visibility::Masked)); errors.update(|e| e.visibility = None); }
                        />
                        "Masked"
                    </label>
                    <label>
                        <input
                            type="radio"
                            name="visibility"
                            value="restricted"
                            prop:checked=move || visibility.get() == Some(Visibility::Restricted)
                            on:change=move |_| { visibility.set(Some(Visibility::Restricted)); errors.update(|e| e.visibility = None); }
                        />
                        "Restricted"
                    </label>
                    <small id="visibility-note" class="muted">
                        "Masked values can be revealed briefly; restricted ones never. This cannot be changed later."
                    </small>
                    {field_error("visibility-error", visibility_error)}
                </fieldset>
            })}
            {move || is_secret().then(|| view! {
                <div class="field">
                    <label for="var-hosts">"Allowed hosts"</label>
                    <textarea
                        id="var-hosts"
                        rows="2"
                        spellcheck="false"
                        class="mono"
                        aria-invalid=move || hosts_error.get().is_some().to_string()
                        aria-describedby="var-hosts-hint var-hosts-error"
                        prop:value=move || hosts.get()
                        on:input=move |ev| {
                            hosts.set(event_target_value(&ev));
                            errors.update(|e| e.hosts = None);
                        }
                    ></textarea>
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
            })}
            <div class="field">
                <label for="var-description">"Description"</label>
                <input
                    id="var-description"
                    maxlength="500"
                    aria-describedby="var-description-error"
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
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

//! "Import .env" on the Variables page (owners and admins, SPEC §10): a
//! dialog to paste a file or choose one, say what the batch is, see what
//! each line would do, then import it all in one transaction. The values
//! live in the text box and the request only: the preview and the result
//! name lines and rules, never a value.

use super::reload_page;
use crate::api::variables::import_env;
use crate::error::AppError;
use crate::model::{ImportAction, ImportLine, VariableKind, Visibility};
use crate::ui::components::modal::{Modal, ModalKind};
use leptos::prelude::*;

fn count(lines: &[ImportLine], action: ImportAction) -> usize {
    lines.iter().filter(|l| l.action == action).count()
}

/// Renders "Import .env" in `parent`, opened: called by the Variables
/// page's `ImportLauncher` script on the first click of its button. The
/// code is in the automation bundle, loaded then, so the page's first load
/// stays in its budget; the view is made here, in the browser, replacing
/// the button that asked for it.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount_import_env(parent: web_sys::HtmlElement, workspace: String) {
    parent.set_inner_html("");
    leptos::mount::mount_to(parent, move || view! { <ImportEnv workspace=workspace /> }).forget();
}

#[component]
fn ImportEnv(workspace: String) -> impl IntoView {
    let open = RwSignal::new(true);
    let button = NodeRef::<leptos::html::Button>::new();
    // The dialog gives focus back to its opener, which the first time was
    // the page's button this view replaced.
    Effect::new(move |was_open: Option<bool>| {
        let now_open = open.get();
        if was_open == Some(true) && !now_open {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
        now_open
    });
    view! {
        <button class="btn" type="button" node_ref=button on:click=move |_| open.set(true)>
            "Import .env"
        </button>
        <Modal open=open labelled_by="import-title" kind=ModalKind::Dialog>
            <ImportForm workspace=workspace.clone() open=open />
        </Modal>
    }
}

/// The dialog's content; made afresh at each opening.
#[component]
fn ImportForm(workspace: String, open: RwSignal<bool>) -> impl IntoView {
    let workspace = Signal::stored(workspace);
    let kind = RwSignal::new(VariableKind::Secret);
    let visibility = RwSignal::new(None::<Visibility>);
    let preview = RwSignal::new(None::<Vec<ImportLine>>);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let env_ref = NodeRef::<leptos::html::Textarea>::new();
    let hosts_ref = NodeRef::<leptos::html::Textarea>::new();
    let is_secret = move || kind.get() == VariableKind::Secret;

    // A change to the file or the batch makes a preview stale.
    let stale = move || {
        preview.set(None);
        error.set(None);
    };
    let send = move |apply: bool| {
        let text =
            |r: NodeRef<leptos::html::Textarea>| r.get().map(|e| e.value()).unwrap_or_default();
        let (env, hosts) = (text(env_ref), text(hosts_ref));
        let (k, vis) = (kind.get_untracked(), visibility.get_untracked());
        let ws = workspace.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = import_env(ws, env, k, vis, hosts, apply).await;
            busy.set(false);
            match result {
                // Imported: the rows come from the server again.
                Ok(_) if apply => {
                    open.set(false);
                    reload_page();
                }
                Ok(lines) => {
                    error.set(None);
                    preview.set(Some(lines));
                }
                Err(err) => {
                    preview.set(None);
                    error.set(Some(err));
                }
            }
        });
    };
    // "Choose file" fills the text area, where the file can be checked.
    let choose = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            leptos::task::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                if let (Some(area), Some(text)) = (
                    env_ref.get_untracked(),
                    text.ok().and_then(|t| t.as_string()),
                ) {
                    area.set_value(&text);
                    stale();
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let field_error = move |field: &'static str| {
        move || {
            error.get().filter(|e| e.field() == Some(field)).map(|e| {
                view! { <p class="field-error" id=format!("import-{field}-error")>{e.to_string()}</p> }
            })
        }
    };
    let invalid = move |field: &'static str| {
        move || {
            error
                .with(|e| e.as_ref().and_then(|e| e.field()) == Some(field))
                .then_some("true")
        }
    };
    let radio =
        move |group: &'static str, label: &'static str, checked: bool, pick: Callback<()>| {
            view! {
                <label>
                    <input type="radio" name=group checked=checked on:change=move |_| {
                        pick.run(());
                        stale();
                    } />
                    {label}
                </label>
            }
        };

    view! {
        <form class="form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            send(false);
        }>
            <h2 id="import-title">"Import .env"</h2>
            <div class="field">
                <label for="import-env">"Paste .env"</label>
                <textarea
                    id="import-env"
                    node_ref=env_ref
                    rows="8"
                    class="mono"
                    spellcheck="false"
                    autocomplete="off"
                    aria-invalid=invalid("env")
                    aria-describedby="import-env-hint import-env-error"
                    on:input=move |_| stale()
                ></textarea>
                <small id="import-env-hint" class="muted">
                    "KEY=value lines; quotes, export and # comments are understood. At most 1,000 lines."
                </small>
                {field_error("env")}
            </div>
            <div class="field">
                <label for="import-file">"Choose file"</label>
                <input id="import-file" type="file" accept=".env,text/plain" on:change=choose />
            </div>
            <fieldset class="field radios">
                <legend>"Kind"</legend>
                {radio("import-kind", "Secret", true, Callback::new(move |_| kind.set(VariableKind::Secret)))}
                {radio("import-kind", "Variable", false, Callback::new(move |_| kind.set(VariableKind::Plain)))}
            </fieldset>
            <fieldset class="field radios" hidden=move || !is_secret() aria-describedby="import-visibility-note">
                <legend>"Visibility"</legend>
                {radio("import-visibility", "Masked", false, Callback::new(move |_| visibility.set(Some(Visibility::Masked))))}
                {radio("import-visibility", "Restricted", false, Callback::new(move |_| visibility.set(Some(Visibility::Restricted))))}
                <small id="import-visibility-note" class="muted">
                    "For every secret in the file; an existing secret with another visibility is refused."
                </small>
                {field_error("visibility")}
            </fieldset>
            <div class="field" hidden=move || !is_secret()>
                <label for="import-hosts">"Allowed hosts"</label>
                <textarea
                    id="import-hosts"
                    node_ref=hosts_ref
                    rows="2"
                    class="mono"
                    spellcheck="false"
                    aria-invalid=invalid("allowed_hosts")
                    aria-describedby="import-hosts-hint import-allowed_hosts-error"
                    on:input=move |_| stale()
                ></textarea>
                <small id="import-hosts-hint" class="muted">
                    "For the secrets this import creates (existing ones keep theirs). Required for Restricted."
                </small>
                {field_error("allowed_hosts")}
            </div>
            {move || {
                error
                    .get()
                    .filter(|e| !matches!(e.field(), Some("env" | "visibility" | "allowed_hosts")))
                    .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
            }}
            {move || preview.get().map(preview_table)}
            <div class="modal-actions">
                <button class="btn" type="button" on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button class="btn" type="submit" disabled=move || busy.get()>
                    "Preview"
                </button>
                <button
                    class="btn btn-primary"
                    type="button"
                    disabled=move || {
                        busy.get()
                            || preview.with(|p| p.as_ref().is_none_or(|l| count(l, ImportAction::Refused) > 0))
                    }
                    on:click=move |_| send(true)
                >
                    "Import"
                </button>
            </div>
        </form>
    }
}

/// The table "Preview": what each line would do, and a summary.
fn preview_table(lines: Vec<ImportLine>) -> impl IntoView {
    let refused = count(&lines, ImportAction::Refused);
    let summary = format!(
        "{} to create, {} to update, {refused} refused.{}",
        count(&lines, ImportAction::Create),
        count(&lines, ImportAction::Update),
        if refused > 0 {
            " Nothing is imported while a line is refused."
        } else {
            ""
        }
    );
    let rows = lines
        .into_iter()
        .map(|l| {
            let what = match l.action {
                ImportAction::Create => "create".to_string(),
                ImportAction::Update => "update".to_string(),
                ImportAction::Refused => format!("refused: {}", l.reason.unwrap_or_default()),
            };
            view! {
                <tr>
                    <td>{l.line}</td>
                    <td class="mono">{l.name}</td>
                    <td>{what}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p role="status">{summary}</p>
        // Focusable: the preview scrolls inside the dialog.
        <div class="table-wrap import-preview" tabindex="0" role="group" aria-label="Preview lines">
            <table class="table" aria-label="Preview">
                <thead>
                    <tr><th scope="col">"Line"</th><th scope="col">"Name"</th><th scope="col">"Result"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

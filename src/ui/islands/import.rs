//! "Import .env" (owners and admins): paste a file, choose what the batch
//! is, see what each line would do, then apply it all in one transaction.
//! The values live in the text box and the request only: the preview and
//! the result name lines and rules, never a value.

use super::hydrated;
use crate::api::variables::import_env;
use crate::error::AppError;
use crate::model::{ImportAction, ImportLine, VariableKind, Visibility};
use leptos::prelude::*;

/// Where the last answer goes: a preview, the import done, or an error
/// with the field it names.
#[derive(Clone)]
enum Outcome {
    Preview(Vec<ImportLine>),
    Done { created: usize, updated: usize },
    Failed(AppError),
}

fn count(lines: &[ImportLine], action: ImportAction) -> usize {
    lines.iter().filter(|l| l.action == action).count()
}

#[island]
pub fn ImportEnv(workspace: String) -> impl IntoView {
    let ready = hydrated();
    let workspace = Signal::stored(workspace);
    let kind = RwSignal::new(VariableKind::Secret);
    let visibility = RwSignal::new(None::<Visibility>);
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(false);
    let env_ref = NodeRef::<leptos::html::Textarea>::new();
    let hosts_ref = NodeRef::<leptos::html::Textarea>::new();
    let is_secret = move || kind.get() == VariableKind::Secret;

    // A change to the file or the batch makes a preview stale.
    let stale = move |_| {
        if matches!(outcome.get_untracked(), Some(Outcome::Preview(_))) {
            outcome.set(None);
        }
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
            outcome.set(Some(match result {
                Err(err) => Outcome::Failed(err),
                Ok(lines) if apply => {
                    // Done: the values leave the page.
                    if let Some(e) = env_ref.get_untracked() {
                        e.set_value("");
                    }
                    Outcome::Done {
                        created: count(&lines, ImportAction::Create),
                        updated: count(&lines, ImportAction::Update),
                    }
                }
                Ok(lines) => Outcome::Preview(lines),
            }));
        });
    };
    let error_for = move |field: &'static str| {
        move || match outcome.get() {
            Some(Outcome::Failed(err)) if err.field() == Some(field) => Some(view! {
                <p class="field-error" id=format!("import-{field}-error")>{err.to_string()}</p>
            }),
            _ => None,
        }
    };
    let invalid = move |field: &'static str| {
        move || {
            matches!(outcome.get(), Some(Outcome::Failed(err)) if err.field() == Some(field))
                .then_some("true")
        }
    };
    let radio =
        move |name: &'static str, label: &'static str, checked: bool, pick: Callback<()>| {
            view! {
                <label>
                    <input type="radio" name=name checked=checked on:change=move |ev| {
                        pick.run(());
                        stale(ev);
                    } />
                    {label}
                </label>
            }
        };

    view! {
        <form class="form card" novalidate on:submit=move |ev| {
            ev.prevent_default();
            send(false);
        }>
            <div class="field">
                <label for="import-env">"Contents of the .env file"</label>
                <textarea
                    id="import-env"
                    node_ref=env_ref
                    rows="10"
                    class="mono"
                    spellcheck="false"
                    autocomplete="off"
                    aria-invalid=invalid("env")
                    aria-describedby="import-env-hint import-env-error"
                    on:input=stale
                ></textarea>
                <small id="import-env-hint" class="muted">
                    "KEY=value lines; quotes, export and # comments are understood. At most 1,000 lines."
                </small>
                {error_for("env")}
            </div>
            <fieldset class="field radios">
                <legend>"Import as"</legend>
                {radio("import-kind", "Secrets", true, Callback::new(move |_| kind.set(VariableKind::Secret)))}
                {radio("import-kind", "Plain variables", false, Callback::new(move |_| kind.set(VariableKind::Plain)))}
            </fieldset>
            <fieldset class="field radios" hidden=move || !is_secret() aria-describedby="import-visibility-note">
                <legend>"Visibility"</legend>
                {radio("import-visibility", "Masked", false, Callback::new(move |_| visibility.set(Some(Visibility::Masked))))}
                {radio("import-visibility", "Restricted", false, Callback::new(move |_| visibility.set(Some(Visibility::Restricted))))}
                <small id="import-visibility-note" class="muted">
                    "For every secret of the file. An existing secret keeps its own: a different one is refused."
                </small>
                {error_for("visibility")}
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
                    on:input=stale
                ></textarea>
                <small id="import-hosts-hint" class="muted">
                    "For the secrets this import creates (existing ones keep theirs), separated by commas or new lines. Required for restricted secrets."
                </small>
                {error_for("allowed_hosts")}
            </div>
            {move || match outcome.get() {
                Some(Outcome::Failed(err)) if !matches!(err.field(), Some("env" | "visibility" | "allowed_hosts")) => {
                    Some(view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any())
                }
                Some(Outcome::Done { created, updated }) => Some(view! {
                    <p class="notice" role="status">
                        {format!("Imported: {created} created, {updated} updated as a new version.")}
                    </p>
                }.into_any()),
                _ => None,
            }}
            <div class="modal-actions">
                <button class="btn" type="submit" disabled=move || !ready.get() || busy.get()>
                    "Preview"
                </button>
            </div>
            {move || match outcome.get() {
                Some(Outcome::Preview(lines)) => Some(preview(lines, Callback::new(move |_| send(true)), busy)),
                _ => None,
            }}
        </form>
    }
}

/// The preview: a row per line, then "Import" when nothing is refused.
fn preview(lines: Vec<ImportLine>, apply: Callback<()>, busy: RwSignal<bool>) -> impl IntoView {
    let created = count(&lines, ImportAction::Create);
    let updated = count(&lines, ImportAction::Update);
    let refused = count(&lines, ImportAction::Refused);
    let summary = format!("{created} to create, {updated} to update, {refused} refused.");
    let rows = lines
        .into_iter()
        .map(|l| {
            let what = match l.action {
                ImportAction::Create => "Create".to_string(),
                ImportAction::Update => "Update (a new version)".to_string(),
                ImportAction::Refused => format!("Refused: {}", l.reason.unwrap_or_default()),
            };
            view! {
                <tr class:refused=l.action == ImportAction::Refused>
                    <td>{l.line}</td>
                    <td class="mono">{l.name}</td>
                    <td>{what}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="import-preview-title">
            <h2 id="import-preview-title">"Preview"</h2>
            <p role="status">{summary}</p>
            <div class="table-wrap card">
            <table class="table">
                <thead>
                    <tr><th scope="col">"Line"</th><th scope="col">"Name"</th><th scope="col">"What happens"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
            {if refused > 0 {
                view! { <p class="muted">"Nothing is imported while a line is refused: fix the file and preview again."</p> }.into_any()
            } else {
                view! {
                    <button class="btn btn-primary" type="button" disabled=move || busy.get() on:click=move |_| apply.run(())>
                        {format!("Import {} lines", created + updated)}
                    </button>
                }.into_any()
            }}
        </section>
    }
}

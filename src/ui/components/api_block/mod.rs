//! One API block in the workflow editor (SPEC §5): its fields, the "Add
//! Secret" buttons and chips, Save, Send request, and the Response region.
//! `state` holds the block's signals; `fields` the inputs that take
//! secrets; `response` what came back.

mod fields;
mod response;
mod state;

use crate::api::workflows::{run_block, save_block};
use crate::model::{BlockId, HttpMethod, RunResult, SecretOption};
use crate::ui::components::secret_picker::PickerChoice;
use fields::{RowsEditor, SecretField};
use leptos::prelude::*;
use response::ResponseView;
use state::BlockState;
use std::collections::HashMap;

/// Which field a picker works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Url,
    Param(usize),
    Header(usize),
    Body,
}

impl Field {
    pub fn label(self) -> String {
        match self {
            Field::Url => "URL".into(),
            Field::Param(i) => format!("Parameter value {}", i + 1),
            Field::Header(i) => format!("Header value {}", i + 1),
            Field::Body => "Body".into(),
        }
    }

    fn dom_id(self, block: BlockId) -> String {
        match self {
            Field::Url => format!("b{block}-url"),
            Field::Param(i) => format!("b{block}-param-{i}"),
            Field::Header(i) => format!("b{block}-header-{i}"),
            Field::Body => format!("b{block}-body"),
        }
    }
}

/// Shared by the blocks of a workflow page.
#[derive(Clone, Copy)]
pub struct EditorContext {
    pub workspace: Signal<String>,
    pub can_write_secrets: bool,
    /// Secret name (lower case) → what its chip shows.
    pub secrets: RwSignal<HashMap<String, SecretOption>>,
    /// Blocks with unsaved changes.
    pub dirty: RwSignal<std::collections::HashSet<BlockId>>,
    /// Asks the page to open the create / edit secret panel.
    pub request_panel: Callback<PickerChoice>,
    /// The block and field waiting for a secret being created, and the
    /// secret once it is (signals, not a callback: the picker that asked
    /// is gone by then, and with it anything it owned).
    pub pending: RwSignal<Option<(BlockId, Field)>>,
    pub created: RwSignal<Option<SecretOption>>,
}

/// Moves focus to the element with this id, if the browser has it.
fn focus_id(id: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = leptos::prelude::document().get_element_by_id(id) {
        use leptos::wasm_bindgen::JsCast;
        if let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

#[component]
pub fn ApiBlockEditor(
    view: crate::model::BlockView,
    ctx: EditorContext,
    on_delete: Callback<BlockId>,
    on_move: Callback<(BlockId, bool)>,
) -> impl IntoView {
    let state = BlockState::new(&view, ctx);
    let BlockState {
        id,
        name,
        method,
        saved_note,
        ..
    } = state;
    let missing = RwSignal::new(view.missing.clone());
    let save_error = RwSignal::new(None::<String>);
    let response = RwSignal::new(None::<Result<RunResult, String>>);
    let busy = RwSignal::new(false);

    // A secret created from this block's picker goes into the field that
    // asked for it.
    Effect::new(move |_| {
        if let Some(option) = ctx.created.get() {
            if let Some((_, f)) = ctx.pending.get_untracked().filter(|(b, _)| *b == id) {
                ctx.pending.set(None);
                ctx.created.set(None);
                state.insert(f, option);
            }
        }
    });

    let save = move || async move {
        save_error.set(None);
        match save_block(ctx.workspace.get_untracked(), state.input()).await {
            Ok(_) => {
                ctx.dirty.update(|d| {
                    d.remove(&id);
                });
                missing.set(Vec::new());
                saved_note.set(true);
                true
            }
            Err(err) => {
                save_error.set(Some(err.to_string()));
                false
            }
        }
    };
    let on_save = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            save().await;
            busy.set(false);
        });
    };
    let on_send = move |_| {
        busy.set(true);
        response.set(None);
        leptos::task::spawn_local(async move {
            if !missing.get_untracked().is_empty() {
                response.set(Some(Err(missing.get_untracked().join("; "))));
            } else if save().await {
                let result = run_block(ctx.workspace.get_untracked(), id).await;
                response.set(Some(result.map_err(|e| e.to_string())));
            } else {
                response.set(Some(Err(save_error.get_untracked().unwrap_or_default())));
            }
            busy.set(false);
        });
    };

    let title_id = format!("b{id}-title");
    let title_ref = title_id.clone();
    view! {
        <article class="card api-block" aria-labelledby=title_ref>
            <div class="api-block-head">
                <h2 id=title_id class="api-block-title">{move || name.get()}</h2>
                <div class="api-block-tools">
                    <button type="button" class="btn btn-quiet btn-small" aria-label=move || format!("Move {} up", name.get()) on:click=move |_| on_move.run((id, true))>"↑"</button>
                    <button type="button" class="btn btn-quiet btn-small" aria-label=move || format!("Move {} down", name.get()) on:click=move |_| on_move.run((id, false))>"↓"</button>
                    <button type="button" class="btn btn-quiet btn-small btn-danger-text" aria-label=move || format!("Delete {}", name.get()) on:click=move |_| on_delete.run(id)>"Delete"</button>
                </div>
            </div>
            {move || {
                let gone = missing.get();
                (!gone.is_empty()).then(|| view! {
                    <ul class="missing" role="alert">
                        {gone.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                })
            }}
            <div class="block-grid">
                <label class="field">
                    <span>"Block name"</span>
                    <input
                        prop:value=move || name.get()
                        maxlength="100"
                        on:input=move |ev| { name.set(event_target_value(&ev)); state.mark_dirty(); }
                    />
                </label>
                <label class="field">
                    <span>"Method"</span>
                    <select on:change=move |ev| {
                        if let Some(m) = HttpMethod::parse(&event_target_value(&ev)) { method.set(m); state.mark_dirty(); }
                    }>
                        {HttpMethod::ALL.into_iter().map(|m| view! {
                            <option value=m.as_str() selected=move || method.get() == m>{m.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="field">
                <span class="field-label" aria-hidden="true">"URL"</span>
                <SecretField state=state field=Field::Url />
            </div>
            <RowsEditor state=state is_query=true />
            <RowsEditor state=state is_query=false />
            <div class="field">
                <span class="field-label" aria-hidden="true">"Body"</span>
                <SecretField state=state field=Field::Body multiline=true />
            </div>
            {move || save_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="row">
                <button type="button" class="btn" disabled=move || busy.get() on:click=on_save>"Save"</button>
                <button type="button" class="btn btn-primary" disabled=move || busy.get() on:click=on_send>"Send request"</button>
                <span class="muted small" role="status">
                    {move || if ctx.dirty.with(|d| d.contains(&id)) { "Unsaved changes" } else if saved_note.get() { "Saved" } else { "" }}
                </span>
            </div>
            <ResponseView response=response />
        </article>
    }
}

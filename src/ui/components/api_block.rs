//! One API block in the workflow editor (SPEC §5): its fields, the "Add
//! Secret" buttons and chips, Save, Send request, and the Response region.

use crate::api::workflows::{run_block, save_block};
use crate::model::{
    BlockId, BlockInput, BlockView, HttpMethod, KeyValue, RunResult, SecretOption, Visibility,
};
use crate::template::{self, RefKind};
use crate::ui::components::secret_picker::{PickerChoice, SecretPicker};
use leptos::prelude::*;
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
    /// Secret name (lower case) → visibility, for the chips.
    pub secrets: RwSignal<HashMap<String, Visibility>>,
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

/// Byte offset in `text` of a UTF-16 offset (what the DOM reports).
#[cfg(any(feature = "hydrate", test))]
fn byte_offset(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

#[component]
pub fn ApiBlockEditor(
    view: BlockView,
    ctx: EditorContext,
    on_delete: Callback<BlockId>,
    on_move: Callback<(BlockId, bool)>,
) -> impl IntoView {
    let id = view.block.id;
    let name = RwSignal::new(view.block.name.clone());
    let method = RwSignal::new(view.block.method);
    let url = RwSignal::new(view.block.url.clone());
    let query = RwSignal::new(view.block.query.clone());
    let headers = RwSignal::new(view.block.headers.clone());
    let body = RwSignal::new(view.block.body.clone());
    let missing = RwSignal::new(view.missing.clone());
    let save_error = RwSignal::new(None::<String>);
    let saved_note = RwSignal::new(false);
    let response = RwSignal::new(None::<Result<RunResult, String>>);
    let busy = RwSignal::new(false);
    let picker_for = RwSignal::new(None::<Field>);
    // Where the caret was when a field lost focus (byte offsets).
    let cursors = RwSignal::new(HashMap::<Field, usize>::new());

    let mark_dirty = move || {
        saved_note.set(false);
        ctx.dirty.update(|d| {
            d.insert(id);
        });
    };
    // A field's text; tracked inside reactive closures, or `untrack`ed.
    let field_text = move |f: Field| -> String {
        match f {
            Field::Url => url.get(),
            Field::Body => body.get(),
            Field::Param(i) => {
                query.with(|q| q.get(i).map(|kv| kv.value.clone()).unwrap_or_default())
            }
            Field::Header(i) => {
                headers.with(|h| h.get(i).map(|kv| kv.value.clone()).unwrap_or_default())
            }
        }
    };
    let text_of = move |f: Field| untrack(|| field_text(f));
    let set_text = move |f: Field, text: String| {
        match f {
            Field::Url => url.set(text),
            Field::Body => body.set(text),
            Field::Param(i) => query.update(|q| {
                if let Some(kv) = q.get_mut(i) {
                    kv.value = text;
                }
            }),
            Field::Header(i) => headers.update(|h| {
                if let Some(kv) = h.get_mut(i) {
                    kv.value = text;
                }
            }),
        }
        mark_dirty();
    };
    let remember_cursor = move |f: Field, ev: leptos::ev::FocusEvent| {
        let value = text_of(f);
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let target = ev.target();
            let start = target
                .clone()
                .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.selection_start().ok().flatten())
                .or_else(|| {
                    target
                        .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlTextAreaElement>().ok())
                        .and_then(|t| t.selection_start().ok().flatten())
                });
            if let Some(start) = start {
                let at = byte_offset(&value, start);
                cursors.update(|c| {
                    c.insert(f, at);
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, value);
    };
    let insert = move |f: Field, option: SecretOption| {
        ctx.secrets.update(|m| {
            m.insert(option.name.to_ascii_lowercase(), option.visibility);
        });
        let text = text_of(f);
        let cursor = cursors.with_untracked(|c| c.get(&f).copied());
        let (new_text, _) = template::insert_secret(&text, &option.name, cursor);
        set_text(f, new_text);
        picker_for.set(None);
        // Back to the field, as a person would expect after choosing.
        focus_id(&f.dom_id(id));
    };
    let on_choice = move |f: Field| {
        Callback::new(move |choice: PickerChoice| match choice {
            PickerChoice::Secret(option) => insert(f, option),
            other => {
                picker_for.set(None);
                if other == PickerChoice::CreateNew {
                    ctx.pending.set(Some((id, f)));
                }
                ctx.request_panel.run(other);
            }
        })
    };
    // A secret created from this block's picker goes into the field that
    // asked for it.
    Effect::new(move |_| {
        if let Some(option) = ctx.created.get() {
            if let Some((_, f)) = ctx.pending.get_untracked().filter(|(b, _)| *b == id) {
                ctx.pending.set(None);
                ctx.created.set(None);
                insert(f, option);
            }
        }
    });
    let close_picker = move |f: Field| {
        Callback::new(move |_| {
            picker_for.set(None);
            focus_id(&format!("{}-add", f.dom_id(id)));
        })
    };

    let input_of = move || BlockInput {
        id,
        name: name.get_untracked(),
        method: method.get_untracked(),
        url: url.get_untracked(),
        query: query.get_untracked(),
        headers: headers.get_untracked(),
        body: body.get_untracked(),
    };
    let save = move || async move {
        save_error.set(None);
        match save_block(ctx.workspace.get_untracked(), input_of()).await {
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

    // A field with its "Add Secret" button, chip and picker.
    let secret_field = move |f: Field, multiline: bool| {
        let dom_id = f.dom_id(id);
        let label = f.label();
        let chip = move || {
            let text = field_text(f);
            let name = template::parse(&text)
                .ok()
                .and_then(|p| template::refs(&p, RefKind::Secret).into_iter().next())?;
            let visibility = ctx
                .secrets
                .with(|m| m.get(&name.to_ascii_lowercase()).copied());
            let badge = visibility.map(|v| v.label()).unwrap_or("Secret");
            Some(view! {
                <span class="chip" title="The value stays on the server">
                    <span class="mono">{name}</span>
                    <span class="chip-badge">{badge}</span>
                </span>
            })
        };
        let value = move || field_text(f);
        let input = if multiline {
            view! {
                <textarea
                    id=dom_id.clone()
                    class="mono"
                    rows="4"
                    spellcheck="false"
                    aria-label=label.clone()
                    prop:value=value
                    on:input=move |ev| set_text(f, event_target_value(&ev))
                    on:blur=move |ev| remember_cursor(f, ev)
                ></textarea>
            }
            .into_any()
        } else {
            view! {
                <input
                    id=dom_id.clone()
                    class="mono"
                    spellcheck="false"
                    autocomplete="off"
                    aria-label=label.clone()
                    prop:value=value
                    on:input=move |ev| set_text(f, event_target_value(&ev))
                    on:blur=move |ev| remember_cursor(f, ev)
                />
            }
            .into_any()
        };
        view! {
            <div class="secret-field">
                <div class="secret-field-row">
                    {input}
                    <button
                        id=format!("{dom_id}-add")
                        type="button"
                        class="btn btn-small"
                        aria-label=format!("Add Secret to {label}")
                        aria-expanded=move || (picker_for.get() == Some(f)).to_string()
                        on:click=move |_| {
                            let opening = picker_for.get_untracked() != Some(f);
                            picker_for.set(opening.then_some(f));
                            if opening {
                                // The picker is in the page now; its search box takes focus.
                                let search = format!("{}-picker-search", f.dom_id(id));
                                request_animation_frame(move || focus_id(&search));
                            }
                        }
                    >
                        "Add Secret"
                    </button>
                </div>
                {chip}
                {move || (picker_for.get() == Some(f)).then(|| view! {
                    <SecretPicker
                        workspace=ctx.workspace
                        id=format!("{dom_id}-picker")
                        can_write_secrets=ctx.can_write_secrets
                        on_choice=on_choice(f)
                        on_close=close_picker(f)
                    />
                })}
            </div>
        }
    };

    let rows_editor = move |is_query: bool| {
        let list = if is_query { query } else { headers };
        // Rows re-render when one is added or removed, not on every key.
        let len = Memo::new(move |_| list.with(Vec::len));
        let (noun, lower_noun, add_label) = if is_query {
            ("Parameter", "parameter", "Add query parameter")
        } else {
            ("Header", "header", "Add header")
        };
        view! {
            <fieldset class="kv-group">
                <legend>{if is_query { "Query parameters" } else { "Headers" }}</legend>
                {move || {
                    (0..len.get())
                        .map(|i| {
                            let f = if is_query { Field::Param(i) } else { Field::Header(i) };
                            view! {
                                <div class="kv-row">
                                    <input
                                        class="mono kv-name"
                                        spellcheck="false"
                                        autocomplete="off"
                                        aria-label=format!("{noun} name {}", i + 1)
                                        prop:value=move || list.with(|l| l.get(i).map(|kv| kv.name.clone()).unwrap_or_default())
                                        on:input=move |ev| {
                                            let v = event_target_value(&ev);
                                            list.update(|l| if let Some(kv) = l.get_mut(i) { kv.name = v; });
                                            mark_dirty();
                                        }
                                    />
                                    {secret_field(f, false)}
                                    <button
                                        type="button"
                                        class="icon-btn"
                                        aria-label=format!("Remove {lower_noun} {}", i + 1)
                                        on:click=move |_| {
                                            list.update(|l| { if i < l.len() { l.remove(i); } });
                                            mark_dirty();
                                        }
                                    >
                                        "×"
                                    </button>
                                </div>
                            }
                        })
                        .collect_view()
                }}
                <button
                    type="button"
                    class="btn btn-small"
                    on:click=move |_| {
                        list.update(|l| l.push(KeyValue::default()));
                        mark_dirty();
                    }
                >
                    {add_label}
                </button>
            </fieldset>
        }
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
                        on:input=move |ev| { name.set(event_target_value(&ev)); mark_dirty(); }
                    />
                </label>
                <label class="field">
                    <span>"Method"</span>
                    <select on:change=move |ev| {
                        if let Some(m) = HttpMethod::parse(&event_target_value(&ev)) { method.set(m); mark_dirty(); }
                    }>
                        {HttpMethod::ALL.into_iter().map(|m| view! {
                            <option value=m.as_str() selected=move || method.get() == m>{m.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="field">
                <span class="field-label" aria-hidden="true">"URL"</span>
                {secret_field(Field::Url, false)}
            </div>
            {rows_editor(true)}
            {rows_editor(false)}
            <div class="field">
                <span class="field-label" aria-hidden="true">"Body"</span>
                {secret_field(Field::Body, true)}
            </div>
            {move || save_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="row">
                <button type="button" class="btn" disabled=move || busy.get() on:click=on_save>"Save"</button>
                <button type="button" class="btn btn-primary" disabled=move || busy.get() on:click=on_send>"Send request"</button>
                <span class="muted small" role="status">
                    {move || if ctx.dirty.with(|d| d.contains(&id)) { "Unsaved changes" } else if saved_note.get() { "Saved" } else { "" }}
                </span>
            </div>
            <section class="response" role="region" aria-label="Response">
                {move || match response.get() {
                    None => view! { <p class="muted small">"Send the request to see the response here."</p> }.into_any(),
                    Some(Err(message)) => view! { <p class="form-error">{message}</p> }.into_any(),
                    Some(Ok(r)) => view! {
                        <p class="response-status">
                            <strong>{format!("{} {}", r.status, r.status_text)}</strong>
                            <span class="muted">{format!(" · {} ms", r.duration_ms)}</span>
                            {r.truncated.then(|| view! { <span class="muted">" · first 1 MiB shown"</span> })}
                        </p>
                        <details>
                            <summary>{format!("Headers ({})", r.headers.len())}</summary>
                            <dl class="response-headers mono">
                                {r.headers.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                            </dl>
                        </details>
                        <pre class="response-body mono">{r.body.clone()}</pre>
                    }.into_any(),
                }}
            </section>
        </article>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dom_offsets_become_byte_offsets() {
        assert_eq!(super::byte_offset("abc", 1), 1);
        assert_eq!(super::byte_offset("é😀x", 1), 2);
        assert_eq!(super::byte_offset("é😀x", 3), 6);
        assert_eq!(super::byte_offset("ab", 9), 2);
    }
}

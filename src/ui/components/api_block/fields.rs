//! The fields of a block that take secrets: a text input (or the body's
//! text area) with its "Add Secret" button, chip and picker; and the query
//! parameter and header rows built from them.

use super::state::BlockState;
use super::{focus_id, Field};
use crate::model::KeyValue;
use crate::template::{self, RefKind};
use crate::ui::components::secret_picker::{PickerChoice, SecretPicker};
use leptos::prelude::*;

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

/// Remembers where the caret was when field `f` lost focus.
fn remember_cursor(state: BlockState, f: Field, ev: leptos::ev::FocusEvent) {
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
            state.remember_cursor(f, byte_offset(&state.text_of(f), start));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, f, ev);
}

/// The chip of the secret a field holds, with its visibility.
fn chip(state: BlockState, f: Field) -> impl IntoView {
    move || {
        let text = state.field_text(f);
        let name = template::parse(&text)
            .ok()
            .and_then(|p| template::refs(&p, RefKind::Secret).into_iter().next())?;
        let option = state
            .ctx
            .secrets
            .with(|m| m.get(&name.to_ascii_lowercase()).cloned());
        let badge = option
            .as_ref()
            .map(|o| o.visibility.label())
            .unwrap_or("Secret");
        let note = option.and_then(|o| o.note);
        Some(view! {
            <span class="chip" title="The value stays on the server">
                <span class="mono">{name}</span>
                <span class="chip-badge">{badge}</span>
                {note.map(|n| view! { <span class="chip-badge chip-warn">{n}</span> })}
            </span>
        })
    }
}

/// A field with its "Add Secret" button, chip and picker.
#[component]
pub fn SecretField(
    state: BlockState,
    field: Field,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let f = field;
    let (id, ctx, picker_for) = (state.id, state.ctx, state.picker_for);
    let dom_id = f.dom_id(id);
    let label = f.label();
    let value = move || state.field_text(f);
    let input = if multiline {
        view! {
            <textarea
                id=dom_id.clone()
                class="mono"
                rows="4"
                spellcheck="false"
                aria-label=label.clone()
                prop:value=value
                on:input=move |ev| state.set_text(f, event_target_value(&ev))
                on:blur=move |ev| remember_cursor(state, f, ev)
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
                on:input=move |ev| state.set_text(f, event_target_value(&ev))
                on:blur=move |ev| remember_cursor(state, f, ev)
            />
        }
        .into_any()
    };
    let on_choice = Callback::new(move |choice: PickerChoice| match choice {
        PickerChoice::Secret(option) => state.insert(f, option),
        other => {
            picker_for.set(None);
            if other == PickerChoice::CreateNew {
                ctx.pending.set(Some((id, f)));
            }
            ctx.request_panel.run(other);
        }
    });
    let on_close = Callback::new(move |_| {
        picker_for.set(None);
        focus_id(&format!("{}-add", f.dom_id(id)));
    });
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
            {chip(state, f)}
            {move || (picker_for.get() == Some(f)).then(|| view! {
                <SecretPicker
                    workspace=ctx.workspace
                    id=format!("{dom_id}-picker")
                    can_write_secrets=ctx.can_write_secrets
                    on_choice=on_choice
                    on_close=on_close
                />
            })}
        </div>
    }
}

/// The query parameters (`is_query`) or the headers: name and value rows.
#[component]
pub fn RowsEditor(state: BlockState, is_query: bool) -> impl IntoView {
    let list = if is_query { state.query } else { state.headers };
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
                                        state.mark_dirty();
                                    }
                                />
                                <SecretField state=state field=f />
                                <button
                                    type="button"
                                    class="icon-btn"
                                    aria-label=format!("Remove {lower_noun} {}", i + 1)
                                    on:click=move |_| {
                                        list.update(|l| { if i < l.len() { l.remove(i); } });
                                        state.mark_dirty();
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
                    state.mark_dirty();
                }
            >
                {add_label}
            </button>
        </fieldset>
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

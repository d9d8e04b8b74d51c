//! The secret picker (SPEC §5): a combobox whose search box lists matching
//! secrets (name and visibility badge), keyboard navigable; "Create new
//! secret" for owners and admins; "Edit value of NAME" buttons beside the
//! options, never inside them, so the listbox holds options only.

use crate::api::workflows::search_secrets;
use crate::model::{SecretOption, Visibility};
use leptos::prelude::*;

/// What the person chose.
#[derive(Clone, Debug, PartialEq)]
pub enum PickerChoice {
    Secret(SecretOption),
    CreateNew,
    EditValue(SecretOption),
}

#[component]
pub fn SecretPicker(
    workspace: Signal<String>,
    /// A unique prefix for element ids.
    #[prop(into)]
    id: String,
    can_write_secrets: bool,
    on_choice: Callback<PickerChoice>,
    on_close: Callback<()>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    // Fetched by hand, not as a Resource: a Resource would suspend the
    // page's <Suspense> around the editor and remount it while loading.
    let options = RwSignal::new(Vec::<SecretOption>::new());
    let loading = RwSignal::new(true);
    let latest = StoredValue::new(0u64);
    let fetch = move |q: String| {
        let n = latest.get_value() + 1;
        latest.set_value(n);
        loading.set(true);
        leptos::task::spawn_local(async move {
            let result = search_secrets(workspace.get_untracked(), q).await;
            if latest.get_value() == n {
                options.set(result.unwrap_or_default());
                loading.set(false);
            }
        });
    };
    fetch(String::new());
    let list_id = format!("{id}-listbox");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-option-{i}")
    };
    let loaded = move || options.get();
    // The options in order, "Create new secret" last when offered.
    let count = move || loaded().len() + usize::from(can_write_secrets);
    let choose = move |i: usize| {
        let list = loaded();
        if let Some(option) = list.get(i) {
            on_choice.run(PickerChoice::Secret(option.clone()));
        } else if can_write_secrets && i == list.len() {
            on_choice.run(PickerChoice::CreateNew);
        }
    };
    let option_id_for_active = option_id.clone();
    let keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            let n = count();
            if n > 0 {
                active.update(|a| *a = (*a + 1) % n);
            }
        }
        "ArrowUp" => {
            ev.prevent_default();
            let n = count();
            if n > 0 {
                active.update(|a| *a = (*a + n - 1) % n);
            }
        }
        "Home" => active.set(0),
        "End" => active.set(count().saturating_sub(1)),
        "Enter" => {
            ev.prevent_default();
            choose(active.get_untracked());
        }
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
        _ => {}
    };

    view! {
        <div class="picker" role="group" aria-label="Secret picker">
            <input
                id=format!("{id}-search")
                type="text"
                class="picker-search"
                role="combobox"
                aria-label="Search secrets"
                aria-autocomplete="list"
                aria-expanded="true"
                aria-controls=list_id.clone()
                aria-activedescendant=move || (count() > 0).then(|| option_id_for_active(active.get()))
                autocomplete="off"
                spellcheck="false"
                placeholder="Search secrets"
                prop:value=move || query.get()
                on:input=move |ev| {
                    let q = event_target_value(&ev);
                    query.set(q.clone());
                    active.set(0);
                    fetch(q);
                }
                on:keydown=keydown
            />
            {move || {
                    let list = loaded();
                    let option_id = option_id.clone();
                    let empty = list.is_empty();
                    let rows = list
                        .iter()
                        .enumerate()
                        .map(|(i, o)| {
                            let badge = match o.visibility {
                                Visibility::Masked => "badge badge-masked",
                                Visibility::Restricted => "badge badge-restricted",
                            };
                            view! {
                                <li
                                    id=option_id(i)
                                    role="option"
                                    class="picker-option"
                                    aria-selected=move || (active.get() == i).to_string()
                                    on:mousedown=|ev| ev.prevent_default()
                                    on:click=move |_| choose(i)
                                >
                                    <span class="mono">{o.name.clone()}</span>
                                    <span class=badge>{o.visibility.label()}</span>
                                </li>
                            }
                        })
                        .collect_view();
                    let create_index = list.len();
                    let create = can_write_secrets.then(|| {
                        view! {
                            <li
                                id=option_id(create_index)
                                role="option"
                                class="picker-option picker-create"
                                aria-selected=move || (active.get() == create_index).to_string()
                                on:mousedown=|ev| ev.prevent_default()
                                on:click=move |_| choose(create_index)
                            >
                                "Create new secret"
                            </li>
                        }
                    });
                    let edits = can_write_secrets.then(|| {
                        list.iter()
                            .map(|o| {
                                let o2 = o.clone();
                                view! {
                                    <button
                                        type="button"
                                        class="icon-btn picker-edit"
                                        aria-label=format!("Edit value of {}", o.name)
                                        on:click=move |_| on_choice.run(PickerChoice::EditValue(o2.clone()))
                                    >
                                        "✎"
                                    </button>
                                }
                            })
                            .collect_view()
                    });
                    view! {
                        <div class="picker-grid">
                            <ul id=list_id.clone() role="listbox" aria-label="Secrets" class="picker-list">
                                {rows}
                                {create}
                            </ul>
                            <div class="picker-edits">{edits}</div>
                        </div>
                        {(empty && !loading.get()).then(|| view! { <p class="muted small">"No secret matches."</p> })}
                    }
                }}
        </div>
    }
}

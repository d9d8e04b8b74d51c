//! The value cell of a masked secret: dots that never tell the length, and
//! an eye button that fetches the value (audited), shows it for 20
//! seconds, then forgets it. A restricted secret's cell is server HTML.

use crate::api::variables::reveal_secret;
use crate::model::{ValueVersion, VariableId};
use leptos::prelude::*;
use std::time::Duration;

pub const DOTS: &str = "••••••••";
const SHOW_FOR: Duration = Duration::from_secs(20);

#[component]
pub fn SecretValueCell(
    workspace: Signal<String>,
    id: VariableId,
    /// What the button reveals: "value of NAME", or "version N" for an
    /// earlier value (SPEC §4, §9): it reads "Reveal …" / "Hide …".
    name: String,
    /// An earlier value still kept, instead of the current one.
    version: Option<ValueVersion>,
) -> impl IntoView {
    let shown = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // Each reveal gets a number; only the newest one's timer may hide it.
    let generation = StoredValue::new(0u64);
    let hide = move || {
        shown.set(None);
    };
    let reveal = move || {
        let this = generation.get_value() + 1;
        generation.set_value(this);
        leptos::task::spawn_local(async move {
            match reveal_secret(workspace.get_untracked(), id, version).await {
                Ok(value) => {
                    error.set(None);
                    shown.set(Some(value));
                    set_timeout(
                        move || {
                            if generation.get_value() == this {
                                shown.set(None);
                            }
                        },
                        SHOW_FOR,
                    );
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    let name_label = name.clone();
    let button = view! {
            <button
                type="button"
                class="icon-btn"
                aria-label=move || {
                    if shown.with(Option::is_some) {
                        format!("Hide {name_label}")
                    } else {
                        format!("Reveal {name_label}")
                    }
                }
                on:click=move |_| {
                    if shown.with(Option::is_some) { hide() } else { reveal() }
                }
            >
                {move || if shown.with(Option::is_some) { eye_off_icon().into_any() } else { eye_icon().into_any() }}
            </button>
    };

    view! {
        <div class="value-cell">
            {move || match shown.get() {
                Some(value) => {
                    view! {
                        // Shown, not copyable: no selection, copy or cut.
                        <span
                            class="secret-shown"
                            on:copy=|ev| ev.prevent_default()
                            on:cut=|ev| ev.prevent_default()
                            on:selectstart=|ev| ev.prevent_default()
                            on:contextmenu=|ev| ev.prevent_default()
                        >
                            {value}
                        </span>
                    }
                        .into_any()
                }
                None => view! { <span class="dots" aria-label="Hidden value">{DOTS}</span> }.into_any(),
            }}
            {button}
            {move || error.get().map(|e| view! { <span class="form-error small" role="alert">{e}</span> })}
        </div>
    }
}

// Icons are CSS masks (style/main.css): no SVG markup in the bundle.
fn eye_icon() -> impl IntoView {
    view! { <span class="icon icon-eye" aria-hidden="true"></span> }
}

fn eye_off_icon() -> impl IntoView {
    view! { <span class="icon icon-eye-off" aria-hidden="true"></span> }
}

pub fn lock_icon() -> impl IntoView {
    view! { <span class="icon icon-lock" aria-hidden="true"></span> }
}

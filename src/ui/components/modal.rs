//! A modal built on the native `<dialog>`: the browser moves focus in,
//! keeps it there (the rest of the page is inert), closes on Escape and
//! returns focus to the opener. Children render only while open, so every
//! opening starts from empty fields.

use leptos::html::Dialog;
use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum ModalKind {
    /// A centred dialog.
    #[default]
    Dialog,
    /// A confirmation (`role="alertdialog"`).
    Alert,
    /// A panel sliding in from the right.
    SidePanel,
}

#[component]
pub fn Modal(
    /// Whether the modal is open; the modal sets it false when closed.
    open: RwSignal<bool>,
    /// The id of the heading that names the modal.
    #[prop(into)]
    labelled_by: String,
    #[prop(optional)] kind: ModalKind,
    children: ChildrenFn,
) -> impl IntoView {
    let node = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        let want_open = open.get();
        if let Some(dialog) = node.get() {
            if want_open && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !want_open && dialog.open() {
                dialog.close();
            }
        }
    });
    let (role, class) = match kind {
        ModalKind::Dialog => (None, "modal"),
        ModalKind::Alert => (Some("alertdialog"), "modal modal-alert"),
        ModalKind::SidePanel => (None, "modal side-panel"),
    };
    view! {
        <dialog
            node_ref=node
            class=class
            role=role
            aria-labelledby=labelled_by
            on:close=move |_| open.set(false)
        >
            <Show when=move || open.get()>{children()}</Show>
        </dialog>
    }
}

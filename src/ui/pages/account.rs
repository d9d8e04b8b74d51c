//! `/account`: the signed-in user changes their own password.

use crate::ui::islands::forms::AccountForm;
use crate::ui::layout::AppShell;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account" />
        <AppShell>
            <AccountForm />
        </AppShell>
    }
}

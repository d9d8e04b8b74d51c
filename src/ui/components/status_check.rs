//! A card that asks the server whether its database answers.

use crate::api::system::CheckConnection;
use crate::model::ServerStatus;
use leptos::prelude::*;

#[component]
pub fn StatusCheck() -> impl IntoView {
    let check = ServerAction::<CheckConnection>::new();
    let pending = check.pending();
    let message = move || match check.value().get() {
        None => "Not checked yet.".to_string(),
        Some(Ok(ServerStatus {
            database_reachable: true,
        })) => "Server and database are reachable.".to_string(),
        Some(Ok(_)) => "The server answers, but its database does not.".to_string(),
        Some(Err(err)) => err.to_string(),
    };

    view! {
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">"System status"</h2>
            <p class="muted">"Ask the server to reach its database, right now."</p>
            <div class="row">
                <button
                    class="btn btn-primary"
                    type="button"
                    on:click=move |_| {
                        check.dispatch(CheckConnection {});
                    }
                    disabled=pending
                >
                    {move || if pending.get() { "Checking…" } else { "Check connection" }}
                </button>
                <p role="status" class="status-text">{message}</p>
            </div>
        </section>
    }
}

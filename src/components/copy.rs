//! "Copy" buttons beside read-only fields (client IDs, a new secret, the
//! install link, the Secret Token).

use leptos::prelude::*;

/// A "Copy" button: a lazy island (its code is a chunk of its own, fetched
/// by the pages that have one). Without JavaScript it is not shown (the
/// read-only field beside it is there to select): the stylesheet shows
/// `.copy-button` only once the islands have hydrated (`<html
/// data-hydrated>`). The click's outcome is written into the status span
/// beside it, and goes away after a while.
#[island(lazy)]
pub fn CopyButton(text: String, label: String) -> impl IntoView {
    let (outcome, set_outcome) = signal(None::<&'static str>);
    let copy = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            let text = text.clone();
            leptos::task::spawn_local(async move {
                let message = if crate::browser::copy_to_clipboard(&text).await {
                    "Copied."
                } else {
                    "Copying was refused: select the text and copy it."
                };
                set_outcome.set(Some(message));
                set_timeout(
                    move || {
                        set_outcome.try_set(None);
                    },
                    std::time::Duration::from_secs(3),
                );
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, set_outcome);
    };
    view! {
        <button type="button" class="btn small copy-button" on:click=copy>{label}</button>
        <span role="status" class="hint">{outcome}</span>
    }
}

/// `<CopyButton>` from a page's values.
pub fn copy_button(text: String, label: &'static str) -> impl IntoView {
    view! { <CopyButton text label=label.to_owned()/> }
}

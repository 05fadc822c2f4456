//! The live listing preview beside the App information form: the
//! Marketplace card and the top of the detail page, drawn from what the
//! developer is typing and the media they have uploaded. Without
//! JavaScript it shows the saved listing.

use leptos::prelude::*;

use crate::api::media::MediaOut;
use crate::domain::listing::category_label;
use crate::domain::media::MediaKind;

/// The listing as it is being edited: what the form's fields hold.
#[derive(Clone, Copy)]
pub struct ListingDraft {
    pub name: RwSignal<String>,
    pub short_description: RwSignal<String>,
    pub long_description: RwSignal<String>,
    pub categories: RwSignal<Vec<String>>,
}

/// The listing as saved, which the page was rendered with.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct SavedListing {
    pub name: String,
    pub short_description: String,
    pub long_description: String,
    pub categories: Vec<String>,
}

impl ListingDraft {
    /// A draft holding the saved listing.
    pub fn new(saved: SavedListing) -> Self {
        Self {
            name: RwSignal::new(saved.name),
            short_description: RwSignal::new(saved.short_description),
            long_description: RwSignal::new(saved.long_description),
            categories: RwSignal::new(saved.categories),
        }
    }
}

/// The preview follows the form by listening to it: the form is the
/// island's server-rendered children, with no code of its own for the
/// preview.
#[cfg(feature = "hydrate")]
impl ListingDraft {
    /// Reads the App information form now (anything typed before this code
    /// arrived) and again on every edit, for as long as the current owner
    /// lives.
    pub fn follow_form(self) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        let Some(form) = document()
            .get_element_by_id("field-name")
            .and_then(|field| field.closest("form").ok().flatten())
        else {
            return;
        };
        self.read_form();
        let listener = Closure::<dyn Fn()>::new(move || self.read_form());
        for kind in ["input", "change"] {
            let _ = form.add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref());
        }
        // The form outlives this owner when the page renders again: the
        // listener must go with the owner, not stay behind to call a
        // dropped closure.
        let held = StoredValue::new_local(Some((form, listener)));
        on_cleanup(move || {
            if let Some(Some((form, listener))) = held.try_update_value(Option::take) {
                for kind in ["input", "change"] {
                    let _ = form.remove_event_listener_with_callback(
                        kind,
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    fn read_form(self) {
        use wasm_bindgen::JsCast;

        let document = document();
        let value = |id: &str| {
            document.get_element_by_id(id).and_then(|field| {
                field
                    .dyn_ref::<web_sys::HtmlInputElement>()
                    .map(|input| input.value())
                    .or_else(|| {
                        field
                            .dyn_ref::<web_sys::HtmlTextAreaElement>()
                            .map(|area| area.value())
                    })
            })
        };
        for (signal, id) in [
            (self.name, "field-name"),
            (self.short_description, "field-short_description"),
            (self.long_description, "field-long_description"),
        ] {
            if let Some(now) = value(id) {
                set_if_changed(signal, now);
            }
        }
        // In the order they are listed, as the server keeps them.
        let chosen = crate::domain::listing::CATEGORIES
            .iter()
            .filter(|(slug, _)| {
                document
                    .get_element_by_id(&format!("category-{slug}"))
                    .and_then(|field| field.dyn_into::<web_sys::HtmlInputElement>().ok())
                    .is_some_and(|input| input.checked())
            })
            .map(|(slug, _)| (*slug).to_owned())
            .collect();
        set_if_changed(self.categories, chosen);
    }
}

#[cfg(feature = "hydrate")]
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|now| *now != value) {
        signal.try_set(value);
    }
}

#[component]
pub fn ListingPreview(
    draft: ListingDraft,
    media: RwSignal<Vec<MediaOut>>,
    publisher: String,
    app_type: String,
) -> impl IntoView {
    let name = move || {
        let name = draft.name.get();
        if name.trim().is_empty() {
            "Your app's name".to_owned()
        } else {
            name.trim().to_owned()
        }
    };
    let short = move || {
        let text = draft.short_description.get();
        if text.trim().is_empty() {
            "Your one-line description appears here.".to_owned()
        } else {
            text.trim().to_owned()
        }
    };
    let initial = move || {
        name()
            .chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default()
    };
    let images = move || {
        media
            .get()
            .into_iter()
            .filter(|m| m.kind == MediaKind::Image)
            .collect::<Vec<_>>()
    };
    let chips = move || {
        draft
            .categories
            .get()
            .into_iter()
            .filter_map(|slug| category_label(&slug))
            .map(|label| view! { <li>{label}</li> })
            .collect_view()
    };
    let publisher = StoredValue::new(publisher);
    view! {
        <aside class="listing-preview" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Listing preview"</h2>
            <p class="hint">"How the Marketplace will show your app, as you type."</p>
            <p class="preview-label">"Card"</p>
            <article class="listing-card" aria-label="Listing card preview">
                <div class="listing-thumb">
                    {move || match images().into_iter().next() {
                        Some(first) => view! { <img src=first.url alt="Card image" width="1200" height="780"/> }.into_any(),
                        None => view! { <span class="thumb-placeholder" aria-hidden="true">{initial}</span> }.into_any(),
                    }}
                </div>
                <div class="listing-card-body">
                    <h3 class="listing-name">{name}</h3>
                    <p class="listing-by">{move || format!("by {}", publisher.get_value())}</p>
                    <p class="listing-short">{short}</p>
                    <ul class="chips" aria-label="Categories">{chips}</ul>
                </div>
            </article>
            <p class="preview-label">"Detail page"</p>
            <article class="listing-detail" aria-label="Detail page preview">
                <div class="detail-head">
                    {move || match media.get().into_iter().find(|m| m.kind == MediaKind::Icon) {
                        Some(icon) => view! { <img class="app-icon" src=icon.url alt="App icon" width="56" height="56"/> }.into_any(),
                        None => view! { <span class="app-icon" aria-hidden="true">{initial}</span> }.into_any(),
                    }}
                    <div>
                        <h3 class="listing-name">{name}</h3>
                        <p class="listing-by">{move || format!("{} · {app_type}", publisher.get_value())}</p>
                    </div>
                    <span class="btn primary small fake-button" aria-hidden="true">"Install"</span>
                </div>
                <p class="listing-short">{short}</p>
                <div class="gallery">
                    {move || images().into_iter().enumerate().map(|(i, item)| view! {
                        <img src=item.url alt=format!("Gallery image {}", i + 1) width="1200" height="780"/>
                    }).collect_view()}
                </div>
                // The video after the gallery, as the Marketplace page
                // shows it; metadata only until it is played.
                {move || media.get().into_iter().find(|m| m.kind == MediaKind::Video).map(|video| view! {
                    <video class="detail-video" src=video.url controls=true preload="metadata" aria-label="Video in the listing preview"></video>
                })}
                <p class="listing-long">{move || draft.long_description.get()}</p>
            </article>
        </aside>
    }
}

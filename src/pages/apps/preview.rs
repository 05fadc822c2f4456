//! The live listing preview beside the App information form: the
//! Marketplace card and the top of the detail page, drawn from what the
//! developer is typing and the media they have uploaded. Without
//! JavaScript it shows the saved listing.

use leptos::prelude::*;

use crate::api::media::MediaOut;
use crate::domain::listing::category_label;
use crate::domain::media::MediaKind;

/// The listing as it is being edited.
#[derive(Clone, Copy)]
pub struct ListingDraft {
    pub name: RwSignal<String>,
    pub short_description: RwSignal<String>,
    pub long_description: RwSignal<String>,
    pub categories: RwSignal<Vec<String>>,
    pub media: RwSignal<Vec<MediaOut>>,
}

/// The draft's text and categories at one moment.
#[cfg(feature = "hydrate")]
pub struct DraftValues {
    name: String,
    short_description: String,
    long_description: String,
    categories: Vec<String>,
}

#[cfg(feature = "hydrate")]
impl ListingDraft {
    /// What the draft holds now.
    pub fn values(&self) -> DraftValues {
        DraftValues {
            name: self.name.get_untracked(),
            short_description: self.short_description.get_untracked(),
            long_description: self.long_description.get_untracked(),
            categories: self.categories.get_untracked(),
        }
    }

    /// Sets the draft's text and categories.
    pub fn set_values(&self, values: DraftValues) {
        self.name.set(values.name);
        self.short_description.set(values.short_description);
        self.long_description.set(values.long_description);
        self.categories.set(values.categories);
    }
}

#[component]
pub fn ListingPreview(
    draft: ListingDraft,
    publisher: String,
    app_type: &'static str,
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
        draft
            .media
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
                    <span class="app-icon" aria-hidden="true">{initial}</span>
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
                <p class="listing-long">{move || draft.long_description.get()}</p>
            </article>
        </aside>
    }
}

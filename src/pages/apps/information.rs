//! "App information": the listing fields, checked as you type with the
//! same rules the server applies on save, the listing's media, and a live
//! preview of the listing. The media list and the preview are one island
//! (`ListingWorkbench`), with the server-rendered form as its children.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::media::MediaSection;
use super::preview::{ListingDraft, ListingPreview, SavedListing};
use super::submit::ReviewNote;
use super::AppNav;
use crate::api::apps::{app_information, InformationOut, UpdateInformation};
use crate::api::media::{DeleteMedia, MediaOut, MoveMedia};
use crate::components::async_view;
use crate::components::field::{field_error, Check, FormError, TextField};
use crate::components::form::{form_action, PostForm};
use crate::components::url_check::UrlRule;
use crate::domain::listing::{CATEGORIES, MAX_CATEGORIES};
use crate::domain::media::{MediaKind, MediaProblem};
use crate::error::AppError;
use crate::pages::{error_view, page_resource};

/// `/apps/:id/information`.
#[component]
pub fn InformationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let info = page_resource(id, app_information);
    let query = use_query_map();
    // A media move or delete posted without JavaScript and refused: the
    // island is told (it cannot read the page's address in the browser).
    let (moved, deleted) = (form_action::<MoveMedia>(), form_action::<DeleteMedia>());
    view! {
        <Title text="App information"/>
        <Transition>
            {move || async_view(async move {
                match info.await {
                    Err(e) => error_view(e),
                    Ok(info) => {
                        let saved = SavedListing {
                            name: info.app.name.clone(),
                            short_description: info.short_description.clone(),
                            long_description: info.long_description.clone(),
                            categories: info.categories.clone(),
                        };
                        let app_id = info.app.id.clone();
                        let publisher = info.account_name.clone();
                        let app_type = info.app.app_type.label().to_owned();
                        let media = info.media.clone();
                        let (nav_id, nav_name) = (info.app.id.clone(), info.app.name.clone());
                        let posted_error = moved.error().get_untracked().or(deleted.error().get_untracked());
                        // The outcome of a plain upload post, carried back
                        // in the address.
                        let (posted_problem, posted_added) = query.with_untracked(|q| {
                            (
                                q.get("media_problem")
                                    .and_then(|json| serde_json::from_str::<MediaProblem>(&json).ok())
                                    .map(|problem| {
                                        // Which picker it was, so the message sits beside it.
                                        let kind = q
                                            .get("media_field")
                                            .and_then(|f| MediaKind::parse(&f))
                                            .unwrap_or_else(|| problem.field());
                                        (kind, problem)
                                    }),
                                // Which card the upload was for ("Uploaded." shows there).
                                (q.get("media").as_deref() == Some("added")).then(|| {
                                    q.get("media_field")
                                        .and_then(|f| MediaKind::parse(&f))
                                        .unwrap_or(MediaKind::Image)
                                }),
                            )
                        });
                        view! {
                            <div class="app-layout">
                                <AppNav id=nav_id name=nav_name current="information"/>
                                <ListingWorkbench app_id media saved publisher app_type posted_problem posted_added posted_error>
                                    {information_form(info)}
                                </ListingWorkbench>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn information_form(info: InformationOut) -> impl IntoView {
    let save = form_action::<UpdateInformation>();
    let error = save.error();
    let query = use_query_map();
    let saved = move || save.value().get().is_none() && query.read().get("saved").is_some();
    let categories_error = field_error(error, "categories");
    let selected = info.categories.clone();
    let notes = StoredValue::new(info.review_notes.clone());
    let note = move |field: &'static str| view! { <ReviewNote notes=notes.get_value() field/> };
    view! {
        <section class="card">
            <h1>"App information"</h1>
            <p class="muted">"Save whenever you like: a draft may leave any field but the name empty. Fields not marked optional are needed before the app is submitted for review; they are shown on the Marketplace listing."</p>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })))/>
            {move || error.get().filter(|e| matches!(e, AppError::Invalid { .. })).map(|_| view! {
                <div class="form-error" role="alert">"Some fields were not saved: see the messages beside them. The others were saved."</div>
            })}
            {move || saved().then(|| view! { <p class="saved" role="status">"Saved."</p> })}
            <PostForm action=save>
                <input type="hidden" name="id" value=info.app.id.clone()/>
                {note("name")}
                <TextField label="App name" name="name" value=save.typed("name", info.app.name.clone())
                    hint="Unique across all apps."
                    check=Check::AppName
                    server_error=field_error(error, "name")/>
                {note("short_description")}
                <TextField label="Short description" name="short_description" value=save.typed("short_description", info.short_description.clone())
                    hint="One sentence on what your app does (at most 150 characters)."
                    required=false
                    check=Check::DraftShortDescription
                    server_error=field_error(error, "short_description")/>
                {note("long_description")}
                <TextField label="Long description" name="long_description" value=save.typed("long_description", info.long_description.clone()) rows=8
                    hint="What it does, the permissions it needs and why, and what an installer should know (at most 4000 characters, plain text)."
                    required=false
                    check=Check::DraftLongDescription
                    server_error=field_error(error, "long_description")/>
                <fieldset class="group">
                    <legend>"Developer contact"</legend>
                    {note("contact")}
                    <TextField label="Contact name" name="contact_name" value=save.typed("contact_name", info.contact_name.clone()) autocomplete="name"
                        required=false
                        check=Check::DraftDisplayName
                        server_error=field_error(error, "contact_name")/>
                    <TextField label="Contact email" name="contact_email" input_type="email" value=save.typed("contact_email", info.contact_email.clone()) autocomplete="email"
                        required=false
                        check=Check::OptionalEmail
                        server_error=field_error(error, "contact_email")/>
                </fieldset>
                {note("privacy_url")}
                <TextField label="Privacy policy URL" name="privacy_url" input_type="url" value=save.typed("privacy_url", info.privacy_url.clone())
                    hint="How your app uses the data of the people who install it."
                    required=false url_rule=UrlRule::OptionalPublicUrl
                    server_error=field_error(error, "privacy_url")/>
                {note("support_url")}
                <TextField label="Support URL" name="support_url" input_type="url" value=save.typed("support_url", info.support_url.clone())
                    required=false url_rule=UrlRule::OptionalPublicUrl
                    server_error=field_error(error, "support_url")/>
                <TextField label="Configure URL (optional)" name="configure_url" input_type="url" value=save.typed("configure_url", info.configure_url.clone())
                    required=false
                    hint="Where installers finish setting your app up, if they need to."
                    url_rule=UrlRule::OptionalPublicUrl
                    server_error=field_error(error, "configure_url")/>
                <fieldset class="group categories" aria-describedby="categories-hint">
                    <legend>"Categories"</legend>
                    <p class="hint" id="categories-hint">{format!("Up to {MAX_CATEGORIES}.")}</p>
                    {note("categories")}
                    <div class="category-grid">
                        {CATEGORIES.iter().enumerate().map(|(i, (slug, label))| {
                            let input_id = format!("category-{slug}");
                            let label_for = input_id.clone();
                            let checked = save.typed_checked("categories", slug, selected.iter().any(|s| s == slug));
                            view! {
                                <label class="check" for=label_for>
                                    <input type="checkbox" id=input_id name=format!("categories[{i}]") value=*slug checked=checked/>
                                    {*label}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    {move || categories_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                <button type="submit" class="btn primary">"Save"</button>
            </PostForm>
            // The icon, images and video are below, in their own forms.
            {note("media")}
        </section>
    }
}

/// The media list and the live preview beside the form (its children),
/// which share the listing's media: one island, lazy (its code is a chunk
/// of its own, fetched by this page only).
#[island(lazy)]
fn ListingWorkbench(
    app_id: String,
    media: Vec<MediaOut>,
    saved: SavedListing,
    publisher: String,
    app_type: String,
    posted_problem: Option<(MediaKind, MediaProblem)>,
    posted_added: Option<MediaKind>,
    posted_error: Option<AppError>,
    children: Children,
) -> impl IntoView {
    let media = RwSignal::new(media);
    let draft = ListingDraft::new(saved);
    // Once hydrated, the preview follows the form (which may have been
    // edited already).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| draft.follow_form());
    view! {
        <div class="information-columns">
            <div class="information-main">
                {children()}
                <MediaSection app_id media posted_problem posted_added posted_error/>
            </div>
            <ListingPreview draft media publisher app_type/>
        </div>
    }
}

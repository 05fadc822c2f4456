//! The listing's icon, preview images and video on the App information page.
//!
//! Without JavaScript each upload is a plain multipart form post that the
//! server checks and answers with a redirect back here. With it, a picked
//! file is checked in the browser first (format from its bytes, size from
//! its header, by the same `domain::media` code the server runs; loaded
//! only when needed), and refused before a byte is sent; a file that
//! passes is uploaded with a progress bar.

use leptos::prelude::*;

use crate::api::media::{DeleteMedia, MediaOut, MoveMedia};
use crate::components::field::FormError;
use crate::components::form::{form_action, ActionOf, PostForm};
use crate::domain::media::{
    human_size, MediaKind, MediaProblem, ICON_SIZE, MAX_ICON_BYTES, MAX_IMAGES,
    MAX_IMAGES_WITH_VIDEO, MAX_VIDEO_BYTES,
};
use crate::error::AppError;

/// One upload field's state: its error, its progress in percent, and
/// whether a file was picked since the page loaded (then the error a plain
/// post carried back in the address is out of date).
#[derive(Clone, Copy)]
struct UploadSlot {
    kind: MediaKind,
    error: RwSignal<Option<String>>,
    progress: RwSignal<Option<u8>>,
    picked: RwSignal<bool>,
}

/// How many images the listing may hold beside what it has.
fn image_limit(media: &[MediaOut]) -> usize {
    if media.iter().any(|m| m.kind == MediaKind::Video) {
        MAX_IMAGES_WITH_VIDEO
    } else {
        MAX_IMAGES
    }
}

/// The media list and the upload forms (part of the App information
/// page's island).
#[component]
pub fn MediaSection(
    app_id: String,
    media: RwSignal<Vec<MediaOut>>,
    /// What a plain upload post was refused for (and which picker it
    /// came from), carried back in the address.
    posted_problem: Option<(MediaKind, MediaProblem)>,
    /// Whether a plain upload post just succeeded.
    /// Which kind a plain upload post just added, if one did.
    posted_added: Option<MediaKind>,
    /// Why a plain move or delete post was refused.
    posted_error: Option<AppError>,
) -> impl IntoView {
    let slot = |kind| UploadSlot {
        kind,
        error: RwSignal::new(None),
        progress: RwSignal::new(None),
        picked: RwSignal::new(false),
    };
    let icon_slot = slot(MediaKind::Icon);
    let image_slot = slot(MediaKind::Image);
    let video_slot = slot(MediaKind::Video);
    let posted_problem = StoredValue::new(posted_problem);
    let error_of = move |slot: UploadSlot| {
        Signal::derive(move || {
            slot.error.get().or_else(|| {
                posted_problem
                    .get_value()
                    .filter(|(kind, _)| *kind == slot.kind && !slot.picked.get())
                    .map(|(_, p)| p.message())
            })
        })
    };

    let move_action = form_action::<MoveMedia>();
    let delete_action = form_action::<DeleteMedia>();
    // Both answer with the new list.
    Effect::new(move |_| {
        if let Some(Ok(list)) = move_action.value().get() {
            media.set(list);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(list)) = delete_action.value().get() {
            media.set(list);
        }
    });
    let (move_error, delete_error) = (move_action.error(), delete_action.error());
    let list_error = Signal::derive(move || {
        move_error
            .get()
            .or_else(|| delete_error.get())
            .or_else(|| posted_error.clone())
    });

    let images = move || {
        media
            .get()
            .into_iter()
            .filter(|m| m.kind == MediaKind::Image)
            .collect::<Vec<_>>()
    };
    let video = move || media.get().into_iter().find(|m| m.kind == MediaKind::Video);
    let icon = move || media.get().into_iter().find(|m| m.kind == MediaKind::Icon);
    let upload_url = format!("/apps/{app_id}/media");
    let app_id = StoredValue::new(app_id);

    view! {
        <section class="card media" id="icon" aria-labelledby="icon-heading">
            <h2 id="icon-heading">"App icon"</h2>
            {(posted_added == Some(MediaKind::Icon)).then(|| view! { <p class="saved" role="status">"Uploaded."</p> })}
            <p class="hint">
                {format!("A PNG or JPEG image of exactly {ICON_SIZE}x{ICON_SIZE} pixels, at most {} MB. Shown on the Marketplace beside the app's name; a new upload replaces it.", MAX_ICON_BYTES / (1024 * 1024))}
            </p>
            {move || match icon() {
                Some(item) => view! {
                    <div class="media-item icon-item">
                        <img src=item.url.clone() alt="App icon" width="80" height="80"/>
                        <span class="media-meta">{format!("{} · {}", short_type(&item.content_type), human_size(item.byte_size))}</span>
                        <DeleteButton action=delete_action app_id=app_id.get_value() media_id=item.id.clone() label="Delete icon".to_owned()/>
                    </div>
                }.into_any(),
                None => view! { <p class="muted">"No icon yet."</p> }.into_any(),
            }}
            <UploadForm upload=icon_slot url=upload_url.clone() media error=error_of(icon_slot)/>
        </section>
        <section class="card media" id="media" aria-labelledby="media-heading">
            <h2 id="media-heading">"Preview images and video"</h2>
            <p class="hint">
                {format!("PNG, JPEG or GIF images of exactly 1200x780 pixels: up to {MAX_IMAGES}, or {MAX_IMAGES_WITH_VIDEO} beside a video. One MP4 video of at most {} MB.", MAX_VIDEO_BYTES / (1024 * 1024))}
            </p>
            {(posted_added.is_some_and(|k| k != MediaKind::Icon)).then(|| view! { <p class="saved" role="status">"Uploaded."</p> })}
            <FormError error=list_error/>
            <p class="muted">{move || {
                let all = media.get();
                let count = all.iter().filter(|m| m.kind == MediaKind::Image).count();
                format!("{count} of {} preview images.", image_limit(&all))
            }}</p>
            <ol class="media-list" aria-label="Preview images">
                {move || {
                    let images = images();
                    let last = images.len().saturating_sub(1);
                    images.into_iter().enumerate().map(|(i, item)| {
                        let n = i + 1;
                        view! {
                            <li class="media-item">
                                <img src=item.url.clone() alt=format!("Preview image {n}") width="240" height="156"/>
                                <span class="media-meta">{format!("{n}. {} · {}", short_type(&item.content_type), human_size(item.byte_size))}</span>
                                <span class="media-actions">
                                    <MediaButton action=move_action app_id=app_id.get_value() media_id=item.id.clone()
                                        direction="up" disabled={i == 0}
                                        label=format!("Move image {n} earlier") text="↑"/>
                                    <MediaButton action=move_action app_id=app_id.get_value() media_id=item.id.clone()
                                        direction="down" disabled={i == last}
                                        label=format!("Move image {n} later") text="↓"/>
                                    <DeleteButton action=delete_action app_id=app_id.get_value() media_id=item.id.clone()
                                        label=format!("Delete image {n}")/>
                                </span>
                            </li>
                        }
                    }).collect_view()
                }}
            </ol>
            <UploadForm upload=image_slot url=upload_url.clone() media error=error_of(image_slot)/>
            {move || video().map(|item| view! {
                <div class="media-item video-item">
                    <video src=item.url.clone() controls=true preload="metadata" width="240" aria-label="Listing video"></video>
                    <span class="media-meta">{format!("MP4 · {}", human_size(item.byte_size))}</span>
                    <DeleteButton action=delete_action app_id=app_id.get_value() media_id=item.id.clone() label="Delete video".to_owned()/>
                </div>
            })}
            <UploadForm upload=video_slot url=upload_url media error=error_of(video_slot)/>
        </section>
    }
}

fn short_type(content_type: &str) -> &str {
    match content_type {
        "image/png" => "PNG",
        "image/jpeg" => "JPEG",
        "image/gif" => "GIF",
        "video/mp4" => "MP4",
        other => other,
    }
}

/// A one-button form that moves an item.
#[component]
fn MediaButton(
    action: ActionOf<MoveMedia>,
    app_id: String,
    media_id: String,
    direction: &'static str,
    disabled: bool,
    label: String,
    text: &'static str,
) -> impl IntoView {
    view! {
        <PostForm action attr:class="inline">
            <input type="hidden" name="app_id" value=app_id/>
            <input type="hidden" name="media_id" value=media_id/>
            <input type="hidden" name="direction" value=direction/>
            <button type="submit" class="btn small" disabled=disabled aria-label=label.clone() title=label>{text}</button>
        </PostForm>
    }
}

/// A one-button form that deletes an item.
#[component]
fn DeleteButton(
    action: ActionOf<DeleteMedia>,
    app_id: String,
    media_id: String,
    label: String,
) -> impl IntoView {
    view! {
        <PostForm action attr:class="inline">
            <input type="hidden" name="app_id" value=app_id/>
            <input type="hidden" name="media_id" value=media_id/>
            <button type="submit" class="btn small danger" aria-label=label>"Delete"</button>
        </PostForm>
    }
}

/// The file picker of one kind: a plain multipart form, taken over by the
/// browser-side check and upload once the page is interactive.
#[component]
fn UploadForm(
    upload: UploadSlot,
    url: String,
    media: RwSignal<Vec<MediaOut>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let (field, label, accept, button) = match upload.kind {
        MediaKind::Image => (
            "image",
            "Add a preview image",
            "image/png,image/jpeg,image/gif",
            "Upload image",
        ),
        MediaKind::Video => ("video", "Add a video", "video/mp4", "Upload video"),
        MediaKind::Icon => (
            "icon",
            "Add an app icon",
            "image/png,image/jpeg",
            "Upload icon",
        ),
    };
    let input_id = format!("media-{field}");
    let error_id = format!("{input_id}-error");
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let upload_url = StoredValue::new(url.clone());
    let start = move || {
        #[cfg(feature = "hydrate")]
        if let Some(input) = input_ref.get_untracked() {
            leptos::task::spawn_local(client::pick_and_upload(
                input,
                upload,
                upload_url.get_value(),
                media,
            ));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (upload_url, media);
    };
    // Opening the file picker focuses the input: fetch the upload code
    // while the person chooses a file.
    let on_focus = move |_: leptos::ev::FocusEvent| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(client::__preload_pick_and_upload());
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        start();
    };
    view! {
        <form class="upload" method="post" action=url enctype="multipart/form-data" on:submit=on_submit>
            <div class="field" class:has-error=move || error.get().is_some()>
                <label for=input_id.clone()>{label}</label>
                <input type="file" id=input_id name=field accept=accept required=true node_ref=input_ref
                    aria-invalid=move || error.get().map(|_| "true")
                    aria-describedby=move || error.get().map(|_| error_id.clone())
                    on:focus=on_focus
                    on:change=move |_| start()/>
                {move || error.get().map(|message| view! {
                    <p class="field-error" id=format!("media-{field}-error") role="alert">{message}</p>
                })}
                {move || upload.progress.get().map(|p| view! {
                    <progress max="100" value=p.to_string() aria-label=format!("Uploading {field}")></progress>
                })}
            </div>
            <button type="submit" class="btn small" disabled=move || upload.progress.get().is_some()>{button}</button>
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use leptos::prelude::*;
    use web_sys::HtmlInputElement;

    use super::{image_limit, UploadSlot};
    use crate::api::media::MediaOut;
    use crate::browser;
    use crate::domain::media::{
        check_icon, check_preview_image, check_video_size, ImageInfo, MediaKind, MediaProblem,
        MAX_ICON_BYTES, MAX_IMAGE_BYTES,
    };
    use crate::error::AppError;

    /// The image check, split into its own WASM chunk (the image decoders
    /// are most of its weight) and fetched the first time a file is picked.
    /// Times itself as the `portico:image-check` performance measure.
    #[leptos::lazy]
    async fn check_image_in_browser(icon: bool, bytes: Vec<u8>) -> Result<ImageInfo, MediaProblem> {
        browser::start_measure("portico:image-check");
        let result = if icon {
            check_icon(&bytes)
        } else {
            check_preview_image(&bytes)
        };
        browser::end_measure("portico:image-check");
        result
    }

    /// Checks the picked file; uploads it only when it passes. Its own
    /// WASM chunk too (the upload request, the file reading and the reply
    /// handling are needed only once a file is picked), fetched when the
    /// file input is first focused.
    #[leptos::lazy]
    pub async fn pick_and_upload(
        input: HtmlInputElement,
        slot: UploadSlot,
        url: String,
        media: RwSignal<Vec<MediaOut>>,
    ) {
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // A new file: whatever was said of the one before no longer holds.
        slot.picked.set(true);
        slot.error.set(None);
        let size = file.size() as u64;
        let current = media.get_untracked();
        let checked = match slot.kind {
            MediaKind::Image => {
                let images = current
                    .iter()
                    .filter(|m| m.kind == MediaKind::Image)
                    .count();
                let limit = image_limit(&current);
                if size > MAX_IMAGE_BYTES {
                    Err(MediaProblem::TooLarge {
                        kind: MediaKind::Image,
                        limit: MAX_IMAGE_BYTES,
                    })
                } else {
                    // The file itself first: what is wrong with it matters
                    // more than a full listing.
                    match browser::file_bytes(&file).await {
                        Ok(bytes) => check_image_in_browser(false, bytes).await.map(|_| ()),
                        Err(message) => {
                            slot.error.set(Some(message));
                            return;
                        }
                    }
                    .and(if images >= limit {
                        Err(MediaProblem::TooMany {
                            kind: MediaKind::Image,
                            limit,
                        })
                    } else {
                        Ok(())
                    })
                }
            }
            MediaKind::Icon => {
                if size > MAX_ICON_BYTES {
                    Err(MediaProblem::TooLarge {
                        kind: MediaKind::Icon,
                        limit: MAX_ICON_BYTES,
                    })
                } else {
                    match browser::file_bytes(&file).await {
                        Ok(bytes) => check_image_in_browser(true, bytes).await.map(|_| ()),
                        Err(message) => {
                            slot.error.set(Some(message));
                            return;
                        }
                    }
                }
            }
            MediaKind::Video => {
                if current.iter().any(|m| m.kind == MediaKind::Video) {
                    Err(MediaProblem::TooMany {
                        kind: MediaKind::Video,
                        limit: 1,
                    })
                } else {
                    check_video_size(size)
                }
            }
        };
        if let Err(problem) = checked {
            slot.error.set(Some(problem.message()));
            input.set_value("");
            return;
        }
        slot.progress.set(Some(0));
        let progress = slot.progress;
        let field = slot.kind.as_str();
        let reply = browser::upload(&url, field, &file, move |p| {
            progress.try_set(Some((p.clamp(0.0, 1.0) * 100.0) as u8));
        })
        .await;
        slot.progress.try_set(None);
        input.set_value("");
        // Read from bytes, as server functions and page data are: serde_json
        // compiles a reader per input kind, and the bundle already holds the
        // byte reader for these types.
        let outcome = match reply {
            Err(message) => Err(message),
            Ok(reply) if reply.status == 201 => {
                serde_json::from_slice::<MediaOut>(reply.body.as_bytes())
                    .map_err(|_| "The server's answer could not be read.".to_owned())
            }
            Ok(reply) => Err(serde_json::from_slice::<AppError>(reply.body.as_bytes())
                .map(|e| e.field_message(field).unwrap_or_else(|| e.to_string()))
                .unwrap_or_else(|_| format!("The upload failed (HTTP {}).", reply.status))),
        };
        match outcome {
            Ok(item) => {
                media.try_update(|list| {
                    // A new icon replaces the old one (the server did the same).
                    if item.kind == MediaKind::Icon {
                        list.retain(|m| m.kind != MediaKind::Icon);
                    }
                    list.push(item);
                    // Images first, then the video, as the server orders them.
                    list.sort_by_key(|m| m.kind == MediaKind::Video);
                });
            }
            Err(message) => {
                slot.error.try_set(Some(message));
            }
        }
    }
}

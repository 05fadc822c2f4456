//! A labelled input whose error sits beside it, and the form-level message.
//!
//! The field is an island: the page around it is server-rendered, and the
//! field alone runs in the browser, where it applies the same `domain`
//! validator as the server (named by a `Check`, since an island's props
//! cross from server to browser as JSON), after the first blur and then on
//! every keystroke. The server's message, when the page came back from a
//! refused post, is shown until the person edits the field again.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::url_check::UrlRule;
use crate::domain::{account, app, chat, events, listing, meeting};
use crate::error::AppError;

/// Which `domain` rule a field is checked by in the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Check {
    Email,
    /// An email address, or nothing.
    OptionalEmail,
    NewPassword,
    DisplayName,
    AppName,
    SubscriptionName,
    MeetingTopic,
    MeetingStart,
    MeetingDuration,
    MeetingAgenda,
    /// Listing fields, which a draft may leave empty.
    DraftDisplayName,
    DraftShortDescription,
    DraftLongDescription,
    /// A chat bot's slash command.
    SlashCommand,
}

impl Check {
    /// The verdict of the domain validator the server also runs.
    pub fn run(self, value: &str) -> Result<(), String> {
        match self {
            Self::Email => account::check_email(value),
            Self::OptionalEmail if value.trim().is_empty() => Ok(()),
            Self::OptionalEmail => account::check_email(value),
            Self::NewPassword => account::validate_new_password(value),
            Self::DisplayName => account::validate_display_name(value).map(|_| ()),
            Self::AppName => app::validate_app_name(value).map(|_| ()),
            Self::SubscriptionName => events::validate_subscription_name(value).map(|_| ()),
            Self::MeetingTopic => meeting::validate_topic(value).map(|_| ()),
            Self::MeetingStart => meeting::validate_start_time(value).map(|_| ()),
            Self::MeetingDuration => meeting::validate_duration(value).map(|_| ()),
            Self::MeetingAgenda => meeting::validate_agenda(value).map(|_| ()),
            Self::DraftDisplayName => listing::check_draft(value, account::validate_display_name),
            Self::DraftShortDescription => {
                listing::check_draft(value, listing::validate_short_description)
            }
            Self::DraftLongDescription => {
                listing::check_draft(value, listing::validate_long_description)
            }
            Self::SlashCommand => chat::validate_command(value).map(|_| ()),
        }
    }
}

/// A text-like input with label, hint and error.
#[component]
pub fn TextField(
    /// The visible label (also the accessible name).
    #[prop(into)]
    label: String,
    /// The form field name the server function takes.
    name: &'static str,
    /// `text`, `email`, `password`, …
    #[prop(default = "text")]
    input_type: &'static str,
    /// The autocomplete hint for password managers.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Initial value (never used for passwords).
    #[prop(optional, into)]
    value: Option<String>,
    /// A line of help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The browser-side check (the same function the server calls).
    #[prop(optional)]
    check: Option<Check>,
    /// A URL rule instead: checked the same way, with code loaded the
    /// first time the field is focused (see `url_check`).
    #[prop(optional)]
    url_rule: Option<UrlRule>,
    /// The server's message for this field, if any.
    #[prop(into)]
    server_error: Signal<Option<String>>,
    /// Renders a multi-line text area of this many rows instead of an input.
    #[prop(optional)]
    rows: Option<u32>,
    /// False for optional fields.
    #[prop(default = true)]
    required: bool,
) -> impl IntoView {
    // A password is never sent back into the page, not even in the
    // island's props.
    let value = if input_type == "password" {
        None
    } else {
        value
    };
    view! {
        <LiveField
            label
            name=name.to_owned()
            input_type=input_type.to_owned()
            autocomplete=autocomplete.to_owned()
            value=value.unwrap_or_default()
            hint=hint.map(str::to_owned)
            check
            url_rule
            server_error=server_error.get_untracked()
            rows
            required
        />
    }
}

/// The field itself, in the browser too (see the module's comment).
#[island]
fn LiveField(
    label: String,
    name: String,
    input_type: String,
    autocomplete: String,
    value: String,
    hint: Option<String>,
    check: Option<Check>,
    url_rule: Option<UrlRule>,
    server_error: Option<String>,
    rows: Option<u32>,
    required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let (client_error, set_client_error) = signal(None::<String>);
    let (edited, set_edited) = signal(false);
    // URL checks answer asynchronously: only the latest one counts.
    let latest_check = StoredValue::new(0u32);
    let run_check = move |value: String| {
        if let Some(check) = check {
            set_client_error.set(check.run(&value).err());
        }
        #[cfg(feature = "hydrate")]
        if let Some(rule) = url_rule {
            let ticket = latest_check.get_value().wrapping_add(1);
            latest_check.set_value(ticket);
            leptos::task::spawn_local(async move {
                let verdict = super::url_check::check_url(rule, value).await;
                if latest_check.try_get_value() == Some(ticket) {
                    set_client_error.try_set(verdict.err());
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (url_rule, latest_check);
    };
    // Fetches the URL check's code while the person is still typing.
    let on_focus = move |_: leptos::ev::FocusEvent| {
        #[cfg(feature = "hydrate")]
        if url_rule.is_some() {
            leptos::task::spawn_local(super::url_check::__preload_check_url());
        }
    };
    let has_server_error = server_error.is_some();
    let error = Signal::derive(move || {
        if edited.get() {
            client_error.get()
        } else {
            server_error.clone()
        }
    });
    let has_hint = hint.is_some();
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let on_blur = move |ev: leptos::ev::FocusEvent| {
        set_edited.set(true);
        run_check(event_target_value(&ev));
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        // A field showing a message is checked again as it is edited, so
        // a message the edit fixed is gone at once. Left to the blur, it
        // vanished as the pointer pressed Submit: the button moved up
        // under it and the click was lost.
        if edited.get_untracked() || client_error.get_untracked().is_some() || has_server_error {
            set_edited.set(true);
            run_check(value);
        }
    };
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            {match rows {
                None => view! {
                    <input
                        id=id
                        name=name
                        type=input_type
                        autocomplete=autocomplete
                        value=value
                        required=required
                        aria-invalid=move || error.get().map(|_| "true")
                        aria-describedby=described_by
                        on:focus=on_focus
                        on:blur=on_blur
                        on:input=on_input
                    />
                }
                .into_any(),
                Some(rows) => view! {
                    <textarea
                        id=id
                        name=name
                        rows=rows
                        required=required
                        aria-invalid=move || error.get().map(|_| "true")
                        aria-describedby=described_by
                        on:focus=on_focus
                        on:blur=on_blur
                        on:input=on_input
                    >
                        {raw_text(value)}
                    </textarea>
                }
                .into_any(),
            }}
            {move || {
                error.get().map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })
            }}
        </div>
    }
}

/// Text for an element whose children Leptos 0.8 (tachys 0.2.19) writes
/// into the server's HTML without escaping them, as it does for `<script>`:
/// `<textarea>` (an escapable raw text element in HTML) and the document
/// `<title>` (leptos_meta). Without this, a value holding `</textarea>`
/// or `</title>` ends the element and the rest of it becomes markup. The
/// server escapes; the browser sets DOM text, which needs none.
/// Upstream: leptos-rs/leptos, tachys `textarea` has `ESCAPE_CHILDREN =
/// false` and leptos_meta pushes the title text as is.
pub fn raw_text(text: String) -> String {
    #[cfg(feature = "ssr")]
    {
        html_escape::encode_text(&text).into_owned()
    }
    #[cfg(not(feature = "ssr"))]
    {
        text
    }
}

/// The message an action's error has for one field.
pub fn field_error(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.field_message(field)))
}

/// The form-level message: what went wrong when it is not one field's fault.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|err| {
            view! {
                <div class="form-error" role="alert">
                    {err.to_string()}
                </div>
            }
        })
    }
}

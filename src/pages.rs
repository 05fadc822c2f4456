//! Pages, one module per area of the UI.

pub mod account;
pub mod apps;
pub mod auth;
pub mod chat;
pub mod home;
pub mod installs;
pub mod marketplace;
pub mod meetings;
pub mod notifications;
pub mod oauth;
pub mod review;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

pub use crate::components::resource::{page_resource, PageResource};
use crate::error::AppError;

/// 404.
#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found"/>
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. "<a href="/">"Go to the start page"</a>"."</p>
        </section>
    }
}

/// What a page shows when loading its data failed: a sign-in prompt for
/// signed-out visitors, the error's own words otherwise.
pub fn error_view(error: AppError) -> AnyView {
    set_status(error.status_code());
    match error {
        AppError::Unauthenticated => view! { <SignInRequired/> }.into_any(),
        AppError::Forbidden { message } => view! {
            <section class="card narrow" role="alert">
                <h1>"Not allowed"</h1>
                <p>{message}</p>
            </section>
        }
        .into_any(),
        other => view! {
            <section class="card narrow" role="alert">
                <h1>"Something went wrong"</h1>
                <p>{other.to_string()}</p>
            </section>
        }
        .into_any(),
    }
}

/// Asks a signed-out visitor to sign in, then come back here.
#[component]
pub fn SignInRequired() -> impl IntoView {
    set_status(401);
    let location = use_location();
    let next = move || {
        let path = location.pathname.get();
        format!("/signin?next={}", url_escape(&path))
    };
    view! {
        <section class="card narrow">
            <h1>"Sign in to continue"</h1>
            <p>"This page is for signed-in users."</p>
            <p class="actions">
                <a class="btn primary" href=next>"Sign in"</a>
                <a class="btn" href="/signup">"Create an account"</a>
            </p>
        </section>
    }
}

/// Sets the HTTP status of a server-rendered page (no-op in the browser,
/// where the page is already loaded).
fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        // A server function that redirected (sign in first, back to the
        // app with an error) decides the status.
        let redirecting = options
            .0
            .read()
            .map(|parts| parts.status.is_some_and(|s| s.is_redirection()))
            .unwrap_or(false);
        if !redirecting {
            options.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Percent-encodes a value for a query string (what the browser would do).
pub fn url_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

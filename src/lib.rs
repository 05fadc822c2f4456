//! Portico: a self-hostable app marketplace and developer portal.
//!
//! One crate, two builds: `hydrate` (WASM, in the browser) holds the pages,
//! components, domain rules and the client half of server functions; `ssr`
//! adds everything under `server/`.

// Leptos view types nest deeply; release builds (which do not erase them)
// need more room than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
#[cfg(feature = "hydrate")]
pub mod browser;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

/// The whole HTTP application for the given state (used by `main` and tests).
#[cfg(feature = "ssr")]
pub fn router(state: server::state::AppState) -> axum::Router {
    server::http::router(state, app::shell, app::App)
}

/// Browser entry point: hydrates the server-rendered page. Pages are lazy
/// routes (their code arrives in split chunks), so hydration waits for the
/// current page's chunks; this is `leptos::mount::hydrate_lazy` plus a mark
/// once it is done.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let document = leptos::prelude::document();
        let Some(body) = document.body() else { return };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // Shows what needs the page's code (`.copy-button` in the
        // stylesheet), and lets browser tests wait for interactivity
        // instead of guessing.
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

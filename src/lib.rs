//! Portico: a self-hostable app marketplace and developer portal.
//!
//! One crate, two builds: `ssr` (the server) renders every page and adds
//! everything under `server/`; `hydrate` (WASM, in the browser) runs only
//! the pages' islands (`#[island]` components), with the domain rules and
//! the client half of the server functions they call.

// Leptos view types nest deeply (views are not type-erased): more room
// than the default 128.
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

/// Browser entry point, called by the page's island script
/// (`app::ISLAND_SCRIPT`) once the module has loaded, before the islands
/// hydrate: pages are rendered on the server only, and only the
/// `#[island]` components in them run in the browser.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Moments outside islands are the server's HTML: write them in the
    // viewer's time zone (islands do their own).
    components::time::localize_static_moments();
}

//! Moments on pages: one format everywhere. The server writes the UTC
//! moment (all a browser without JavaScript shows); the browser rewrites
//! it in the viewer's own time zone and keeps the UTC moment on hover:
//! inside an island by the island itself, elsewhere once at load
//! (`localize_static_moments`).

use leptos::prelude::*;

use crate::domain::time::{iso, utc_words};

/// A `<time>` for the moment `ms` (Unix milliseconds).
pub fn moment(ms: i64) -> impl IntoView {
    let utc = utc_words(ms);
    let node = NodeRef::<leptos::html::Time>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let (Some(element), Some(local)) = (node.get(), local_words(ms)) {
            element.set_text_content(Some(&local));
        }
    });
    let title = utc.clone();
    view! { <time node_ref=node datetime=iso(ms) title=title data-ms=ms.to_string()>{utc}</time> }
}

/// Rewrites every moment of the server's HTML that no island owns in the
/// viewer's time zone (`data-ms` holds its Unix milliseconds).
#[cfg(feature = "hydrate")]
pub fn localize_static_moments() {
    let Ok(moments) = document().query_selector_all("time[data-ms]") else {
        return;
    };
    for i in 0..moments.length() {
        let Some(element) = moments
            .item(i)
            .and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        else {
            continue;
        };
        if element.closest("leptos-island").ok().flatten().is_some() {
            continue;
        }
        let ms = element
            .get_attribute("data-ms")
            .and_then(|ms| ms.parse::<i64>().ok());
        if let Some(local) = ms.and_then(local_words) {
            element.set_text_content(Some(&local));
        }
    }
}

/// The moment in the browser's locale and time zone, with the zone's name
/// (`3 Dec 2026, 15:05 CET`), by `Date.prototype.toLocaleString`.
#[cfg(feature = "hydrate")]
fn local_words(ms: i64) -> Option<String> {
    use wasm_bindgen::{JsCast, JsValue};
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let options = js_sys::Object::new();
    for (key, value) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        js_sys::Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    // `undefined` as the locale: the browser's own.
    let to_locale = js_sys::Reflect::get(&date, &"toLocaleString".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    to_locale
        .call2(&date, &JsValue::UNDEFINED, &options)
        .ok()?
        .as_string()
}

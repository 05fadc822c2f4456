//! Parts of a page that hydrate after the rest of it, from their own WASM
//! chunk.
//!
//! Some pages carry a large part that is not what the page is for: the App
//! information page's media list and live preview sit beside its form. On
//! the server such a part is rendered in full inside a wrapper element. In
//! the browser the page's own view holds only the empty wrapper, so
//! hydration steps over the server's HTML there and the page becomes
//! interactive without that part's code. A `#[lazy]` function, fetched as
//! soon as the page has hydrated, then hydrates the wrapper's children with
//! `DeferredRegion::attach` (or builds them, when the page was reached by
//! client-side navigation). Until then the part works as it does without
//! JavaScript: it shows the server's HTML and its forms post.
//!
//! The wrapper has `display: contents`, so it does not change the layout,
//! and gets `data-ready` once attached, which browser tests wait for.

use leptos::html::Div;
use leptos::prelude::*;

/// Where a deferred part goes: its wrapper element, and whether the page is
/// being hydrated from the server's HTML (rather than built in the browser).
#[derive(Clone, Copy)]
pub struct DeferredRegion {
    wrapper: NodeRef<Div>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    hydrating: bool,
}

impl DeferredRegion {
    /// A region of the page being rendered now.
    pub fn new() -> Self {
        #[cfg(feature = "hydrate")]
        let hydrating = Owner::current_shared_context().is_some_and(|sc| sc.during_hydration());
        #[cfg(not(feature = "hydrate"))]
        let hydrating = false;
        Self {
            wrapper: NodeRef::new(),
            hydrating,
        }
    }

    /// The wrapper, holding `part` on the server and nothing in the browser
    /// (where `part` is never called, so its code is not in this chunk).
    pub fn view<V: IntoView + 'static>(self, part: impl FnOnce() -> V) -> impl IntoView {
        #[cfg(feature = "ssr")]
        {
            view! { <div class="deferred" node_ref=self.wrapper>{part()}</div> }
        }
        // No child at all: even `()` would expect a marker node there.
        #[cfg(not(feature = "ssr"))]
        {
            let _ = part;
            view! { <div class="deferred" node_ref=self.wrapper></div> }
        }
    }

    /// Hydrates `part` over the server's HTML in the wrapper, or builds it
    /// there, and keeps it alive as long as the current reactive owner (the
    /// page). Called from the part's lazy chunk, with the page's owner
    /// current, so the part finds the page's context.
    #[cfg(feature = "hydrate")]
    pub fn attach<V: IntoView + 'static>(self, part: impl FnOnce() -> V) {
        use leptos::tachys::hydration::Cursor;
        use leptos::tachys::view::{Mountable, Position, PositionState, Render, RenderHtml};

        let Some(wrapper) = self.wrapper.get_untracked() else {
            return;
        };
        let wrapper: web_sys::Element = wrapper.into();
        let part = part().into_view();
        let state = if self.hydrating && wrapper.has_child_nodes() {
            part.hydrate::<true>(
                &Cursor::new(wrapper.clone()),
                &PositionState::new(Position::FirstChild),
            )
        } else {
            wrapper.set_text_content(None);
            let mut state = part.build();
            state.mount(&wrapper, None);
            state
        };
        let _ = wrapper.set_attribute("data-ready", "");
        // Dropping the state would stop the part's effects.
        StoredValue::new_local(state);
    }
}

impl Default for DeferredRegion {
    fn default() -> Self {
        Self::new()
    }
}

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
//! client-side navigation, and patches them when the page renders again
//! with new data). Until then the part works as it does without
//! JavaScript: it shows the server's HTML and its forms post. The page's
//! own code must not depend on the part: the App information form does not
//! feed the preview, the preview listens to the form.
//!
//! The wrapper has `display: contents`, so it does not change the layout,
//! and gets `data-ready` once attached, which browser tests wait for.

use leptos::html::Div;
use leptos::prelude::*;

/// Where a deferred part goes. Made once per page, outside the page's
/// data-dependent view, so that when the page renders again with new data
/// (after a form's post) the part is patched in place like the rest of the
/// page, keeping focus, typed text and open disclosures.
#[derive(Clone, Copy)]
pub struct DeferredRegion {
    wrapper: NodeRef<Div>,
    /// Whether the latest render was hydrating the server's HTML.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    hydrating: StoredValue<bool>,
    /// The part's view state once attached (its type lives in the part's
    /// chunk, hence `Any`). Dropping it would stop the part's effects.
    /// Browser only: local storage must not cross the server's threads.
    #[cfg(feature = "hydrate")]
    state: StoredValue<Option<Box<dyn std::any::Any>>, LocalStorage>,
}

impl DeferredRegion {
    /// A region of the page component being made now.
    pub fn new() -> Self {
        Self {
            wrapper: NodeRef::new(),
            hydrating: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            state: StoredValue::new_local(None),
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
            #[cfg(feature = "hydrate")]
            self.hydrating
                .set_value(Owner::current_shared_context().is_some_and(|sc| sc.during_hydration()));
            view! { <div class="deferred" node_ref=self.wrapper></div> }
        }
    }

    /// Puts `part` in the wrapper: patches the part from the page's earlier
    /// render, hydrates the server's HTML on the first render of a page
    /// load, or else builds it. Called from the part's lazy chunk, with the
    /// page's reactive owner current, so the part finds the page's context.
    #[cfg(feature = "hydrate")]
    pub fn attach<V: IntoView + 'static>(self, part: impl FnOnce() -> V) {
        use leptos::tachys::hydration::Cursor;
        use leptos::tachys::view::{Mountable, Position, PositionState, Render, RenderHtml};

        let Some(wrapper) = self.wrapper.get_untracked() else {
            return;
        };
        let wrapper: web_sys::Element = wrapper.into();
        let part = part().into_view();
        let earlier = self
            .state
            .try_update_value(Option::take)
            .flatten()
            .and_then(|state| state.downcast::<<View<V> as Render>::State>().ok())
            // Its nodes must still be in this wrapper (an error page in
            // between would have replaced it).
            .filter(|state| {
                state
                    .elements()
                    .first()
                    .is_some_and(|el| el.parent_element().as_ref() == Some(&wrapper))
            });
        let state = match earlier {
            Some(mut state) => {
                part.rebuild(&mut state);
                *state
            }
            None if self.hydrating.get_value() && wrapper.has_child_nodes() => part
                .hydrate::<true>(
                    &Cursor::new(wrapper.clone()),
                    &PositionState::new(Position::FirstChild),
                ),
            None => {
                wrapper.set_text_content(None);
                let mut state = part.build();
                state.mount(&wrapper, None);
                state
            }
        };
        let _ = wrapper.set_attribute("data-ready", "");
        self.state.set_value(Some(Box::new(state)));
    }
}

impl Default for DeferredRegion {
    fn default() -> Self {
        Self::new()
    }
}

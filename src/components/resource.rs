//! Page data: a resource loaded while the server renders the page.
//!
//! Pages render on the server only (islands), so a page's data never
//! crosses to the browser: an island that needs data gets it as props.

use leptos::prelude::*;

/// A page's data.
pub type PageResource<T> = Resource<T>;

/// `Resource::new`, for a page's data.
#[track_caller]
pub fn page_resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageResource<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new(source, fetcher)
}

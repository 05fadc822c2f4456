//! Page data: a resource whose value crosses from server to browser as
//! JSON read from bytes.

use leptos::prelude::*;
use leptos::server::codee;

/// How page data crosses from server to browser: JSON, read from bytes.
///
/// A page's data arrives in the browser two ways: embedded in the HTML for
/// hydration, and as a server function's answer on client navigation.
/// Leptos' default codec reads the first with `serde_json::from_str` while
/// server functions read with `from_slice`, and serde_json compiles a
/// separate reader for each, so every page-data type was decoded by two
/// copies of the same code in the browser bundle. Reading both from bytes
/// keeps one.
pub struct JsonBytes;

impl<T: serde::Serialize> codee::Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: serde::de::DeserializeOwned> codee::Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(value: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(value.as_bytes())
    }
}

/// A page's data: a [`Resource`] with the [`JsonBytes`] codec.
pub type PageResource<T> = Resource<T, JsonBytes>;

/// `Resource::new`, with the [`JsonBytes`] codec.
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
    Resource::new_with_options(source, fetcher, false)
}

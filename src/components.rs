//! Shared UI pieces: form fields with their errors, form-level messages,
//! the site header, and the async view every page's data goes through.

pub mod copy;
pub mod field;
pub mod form;
pub mod header;
pub mod resource;
pub mod session;
pub mod time;
pub mod url_check;

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

/// A view rendered once its data has loaded (`Suspend::new`), with the
/// future boxed and its output an `AnyView`. Leptos compiles a `Suspend`,
/// and the framework code around it, once per future type; with every
/// async block behind the same boxed type, all pages share one copy.
pub fn async_view(view: impl Future<Output = AnyView> + Send + 'static) -> Suspend<AnyView> {
    let boxed: Pin<Box<dyn Future<Output = AnyView> + Send>> = Box::pin(view);
    Suspend::new(boxed)
}

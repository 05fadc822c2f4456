//! Rendered Marketplace pages for visitors who are not signed in, kept for
//! a second. Browse and search are the pages strangers load most, and the
//! same few addresses (the front page, a category, a popular word) again
//! and again; rendering one costs a database read and a page render, a
//! kept copy costs a lookup and a copy.
//!
//! What makes a copy safe to hand to someone else:
//! - Only pages drawn for nobody in particular: a request without the
//!   session cookie, a 200 that sets no cookie, under `/marketplace`, not
//!   a refused form's way back (`returned_form`, which reads and deletes).
//! - Each answer still has its own script nonce: a kept page remembers the
//!   nonce it was drawn with (128 random bits, which nothing else on the
//!   page can match by chance) and every copy gets a fresh one in its body
//!   and in its CSP (`PageCsp`).
//!
//! How a copy stops being used:
//! - After `TTL`, whatever happened. This is the bound for changes made by
//!   another process on the same PostgreSQL, and by the command line; a
//!   copy past its `TTL` (and less than `STALE` old) is still handed out
//!   while one request draws its successor, so that a busy page never has
//!   every visitor draw it at once when its copy runs out.
//! - In this process, every state-changing request (anything but GET and
//!   HEAD) forgets every copy once it has been answered, and so does
//!   anything that makes the other caches forget (`Caches::forget`). A
//!   render that raced such a request is not kept (generations, as in
//!   `cache.rs`).
//!
//! Memory is bounded: at most `MAX_BYTES` of pages, each at most
//! `MAX_PAGE_BYTES`; a full cache keeps nothing new until copies expire.
//!
//! Signed-in viewers get a page of their own (their name is in its
//! header), but the largest part of a browse page, its results grid, is
//! the same for everyone: `ResultsCache` keeps that part, under the same
//! rules of forgetting, for the page to put in.

mod kept;

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::http::PageCsp;
use super::state::AppState;
use kept::{Drawing, Keepable, Kept, Lookup};
pub use kept::{STALE, TTL};

/// All kept pages together.
const MAX_BYTES: usize = 32 << 20;
/// A bigger page is not kept.
const MAX_PAGE_BYTES: usize = 512 << 10;

/// The kept pages of one process.
#[derive(Debug)]
pub struct PageCache(Kept<Page>);

impl Default for PageCache {
    fn default() -> Self {
        Self(Kept::new(MAX_BYTES, MAX_PAGE_BYTES))
    }
}

/// Forgetting and counting are the store's (`Kept`).
impl std::ops::Deref for PageCache {
    type Target = Kept<Page>;

    fn deref(&self) -> &Kept<Page> {
        &self.0
    }
}

/// A kept page (its fields are this module's own).
#[derive(Debug, Clone)]
pub struct Page {
    body: Bytes,
    /// The nonce the body was drawn with.
    nonce: String,
    content_type: HeaderValue,
}

impl Keepable for Page {
    fn bytes(&self) -> usize {
        self.body.len()
    }
}

/// The results grid of Marketplace browse pages (a category or all apps,
/// a sort, a page; no search), drawn once and handed to every viewer,
/// signed in or not, for `TTL`. What surrounds it (the header with the
/// viewer's name) is drawn for each request.
///
/// Searches are not kept: their addresses are many and mostly different
/// (the words people type), so a kept copy would rarely be asked for
/// again, and their cost is the search itself, which the bench measures.
/// The grid is the same for everyone: it shows only approved listings
/// and nothing of the viewer.
#[derive(Debug)]
pub struct ResultsCache(Kept<Arc<str>>);

/// All kept grids together, and one grid at most.
const MAX_RESULTS_BYTES: usize = 8 << 20;
const MAX_GRID_BYTES: usize = 256 << 10;

impl Keepable for Arc<str> {
    fn bytes(&self) -> usize {
        self.len()
    }
}

impl Default for ResultsCache {
    fn default() -> Self {
        Self(Kept::new(MAX_RESULTS_BYTES, MAX_GRID_BYTES))
    }
}

impl ResultsCache {
    /// The grid kept under `key`, or the one `draw` makes now (kept unless
    /// a change came while it was drawn). An error is not kept.
    pub async fn read_through<E>(
        &self,
        key: &str,
        draw: impl std::future::Future<Output = Result<String, E>>,
    ) -> Result<Arc<str>, E> {
        let successor = match self.0.lookup(key, Instant::now()) {
            Lookup::Copy(html) => return Ok(html),
            Lookup::Draw { successor } => successor,
        };
        let _drawing = successor.then(|| Drawing { kept: &self.0, key });
        // Taken before `draw` is first polled, which is when it reads.
        let drawn_in = self.0.generation();
        let html: Arc<str> = draw.await?.into();
        self.0
            .put(key.to_owned(), html.clone(), drawn_in, Instant::now());
        Ok(html)
    }
}

/// Forgetting and counting are the store's (`Kept`).
impl std::ops::Deref for ResultsCache {
    type Target = Kept<Arc<str>>;

    fn deref(&self) -> &Kept<Arc<str>> {
        &self.0
    }
}

/// The middleware: answers a cacheable request from a kept copy, keeps
/// what it renders, and forgets everything after a state-changing request.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache: &Kept<Page> = &state.caches.pages;
    if *req.method() == Method::HEAD {
        return next.run(req).await;
    }
    if *req.method() != Method::GET {
        let response = next.run(req).await;
        state.caches.forget_rendered();
        return response;
    }
    let Some(key) = cacheable(&state, &req) else {
        return next.run(req).await;
    };
    let Some(csp) = req.extensions().get::<PageCsp>().cloned() else {
        return next.run(req).await;
    };
    let successor = match cache.lookup(&key, Instant::now()) {
        Lookup::Copy(page) => return answer(page, &csp),
        Lookup::Draw { successor } => successor,
    };
    // Whatever becomes of this render, the next request may draw again.
    let _drawing = successor.then(|| Drawing {
        kept: cache,
        key: &key,
    });
    let drawn_in = cache.generation();
    let response = next.run(req).await;
    let Some(nonce) = csp.nonce().filter(|_| keepable(&response, &csp)) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    // Our own rendered page, read whole (what a browser would get anyway).
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "a rendered page could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if let (true, Some(content_type)) = (
        body.len() <= MAX_PAGE_BYTES,
        parts.headers.get(header::CONTENT_TYPE).cloned(),
    ) {
        let page = Page {
            body: body.clone(),
            nonce,
            content_type,
        };
        cache.put(key.clone(), page, drawn_in, Instant::now());
    }
    Response::from_parts(parts, Body::from(body))
}

/// The key of a request whose answer may be kept: its path and query.
fn cacheable(state: &AppState, req: &Request) -> Option<String> {
    let path = req.uri().path();
    if path != "/marketplace" && !path.starts_with("/marketplace/") {
        return None;
    }
    if has_session_cookie(state, req.headers()) {
        return None;
    }
    let query = req.uri().query().unwrap_or_default();
    if url::form_urlencoded::parse(query.as_bytes())
        .any(|(key, _)| key == super::returned_form::FORM_PARAM)
    {
        return None;
    }
    Some(
        req.uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    )
}

fn has_session_cookie(state: &AppState, headers: &HeaderMap) -> bool {
    super::auth::session::token_from_headers(state, headers).is_some()
}

/// Whether a rendered answer is for anybody: a complete HTML page that
/// sets nothing and widened no policy.
fn keepable(response: &Response, csp: &PageCsp) -> bool {
    response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
        && !csp.widens_form_action()
}

/// A kept page with a nonce of its own.
fn answer(page: Page, csp: &PageCsp) -> Response {
    let fresh = leptos::nonce::Nonce::new().to_string();
    let body = match std::str::from_utf8(&page.body) {
        Ok(text) => Bytes::from(text.replace(&page.nonce, &fresh)),
        // Leptos writes UTF-8; anything else is not handed out.
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    csp.set_nonce(fresh);
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, page.content_type);
    response
}

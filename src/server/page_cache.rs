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

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::http::PageCsp;
use super::state::AppState;

/// How long a copy is handed out as it is.
pub const TTL: Duration = Duration::from_secs(1);
/// How long an expired copy may stand in while its successor is drawn.
pub const STALE: Duration = Duration::from_secs(5);
/// All kept pages together.
const MAX_BYTES: usize = 32 << 20;
/// A bigger page is not kept.
const MAX_PAGE_BYTES: usize = 512 << 10;

/// The kept pages of one process.
#[derive(Debug, Default)]
pub struct PageCache {
    generation: AtomicU64,
    inner: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    pages: HashMap<String, Page>,
    bytes: usize,
    /// Keys whose successor some request is drawing now.
    drawing: std::collections::HashSet<String>,
}

/// What the cache has for a request.
enum Lookup {
    /// A copy to hand out.
    Copy(Page),
    /// Nothing usable: draw it (and, when `successor`, this request is the
    /// one drawing the successor of an expired copy).
    Draw { successor: bool },
}

#[derive(Debug, Clone)]
struct Page {
    body: Bytes,
    /// The nonce the body was drawn with.
    nonce: String,
    content_type: HeaderValue,
    drawn_at: Instant,
}

impl PageCache {
    /// A copy to hand out now, if any (tests: `serve` uses `lookup`).
    #[cfg(test)]
    fn get(&self, key: &str, now: Instant) -> Option<Page> {
        match self.lookup(key, now) {
            Lookup::Copy(page) => Some(page),
            Lookup::Draw { successor } => {
                if successor {
                    self.done_drawing(key);
                }
                None
            }
        }
    }

    fn lookup(&self, key: &str, now: Instant) -> Lookup {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(page) = kept.pages.get(key) else {
            return Lookup::Draw { successor: false };
        };
        let age = now.duration_since(page.drawn_at);
        if age < TTL {
            return Lookup::Copy(page.clone());
        }
        if age >= STALE {
            return Lookup::Draw { successor: false };
        }
        let page = page.clone();
        if kept.drawing.insert(key.to_owned()) {
            Lookup::Draw { successor: true }
        } else {
            // Another request is drawing it: this one gets the old copy.
            Lookup::Copy(page)
        }
    }

    fn done_drawing(&self, key: &str) {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        kept.drawing.remove(key);
    }

    fn put(&self, key: String, page: Page, drawn_in: u64, now: Instant) {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock, which `forget_all` also takes.
        if self.generation.load(Ordering::SeqCst) != drawn_in {
            return;
        }
        if kept.bytes + page.body.len() > MAX_BYTES {
            kept.pages
                .retain(|_, old| now.duration_since(old.drawn_at) < STALE);
            kept.bytes = kept.pages.values().map(|p| p.body.len()).sum();
            if kept.bytes + page.body.len() > MAX_BYTES {
                return;
            }
        }
        kept.bytes += page.body.len();
        if let Some(old) = kept.pages.insert(key, page) {
            kept.bytes -= old.body.len();
        }
    }

    /// Forgets every copy, and every render still under way.
    pub fn forget_all(&self) {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        kept.pages.clear();
        kept.bytes = 0;
        kept.drawing.clear();
    }

    /// How many pages are kept (for tests).
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pages
            .len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The middleware: answers a cacheable request from a kept copy, keeps
/// what it renders, and forgets everything after a state-changing request.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.caches.pages;
    if *req.method() == Method::HEAD {
        return next.run(req).await;
    }
    if *req.method() != Method::GET {
        let response = next.run(req).await;
        cache.forget_all();
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
    let _drawing = successor.then(|| Drawing { cache, key: &key });
    let drawn_in = cache.generation.load(Ordering::SeqCst);
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
            drawn_at: Instant::now(),
        };
        cache.put(key.clone(), page, drawn_in, Instant::now());
    }
    Response::from_parts(parts, Body::from(body))
}

/// Marks a key as no longer being drawn when dropped.
struct Drawing<'a> {
    cache: &'a PageCache,
    key: &'a str,
}

impl Drop for Drawing<'_> {
    fn drop(&mut self) {
        self.cache.done_drawing(self.key);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str, at: Instant) -> Page {
        Page {
            body: Bytes::from(body.to_owned()),
            nonce: "n".into(),
            content_type: HeaderValue::from_static("text/html"),
            drawn_at: at,
        }
    }

    #[test]
    fn copies_expire_and_a_raced_render_is_not_kept() {
        let cache = PageCache::default();
        let now = Instant::now();
        let drawn_in = cache.generation.load(Ordering::SeqCst);
        cache.put("/marketplace".into(), page("a", now), drawn_in, now);
        assert!(cache.get("/marketplace", now + TTL / 2).is_some());
        assert!(cache.get("/marketplace", now + TTL).is_none());
        cache.forget_all();
        assert!(cache.is_empty());
        cache.put("/marketplace".into(), page("stale", now), drawn_in, now);
        assert!(cache.is_empty(), "drawn before the forget");
    }

    #[test]
    fn an_expired_copy_stands_in_while_one_request_draws_its_successor() {
        let cache = PageCache::default();
        let now = Instant::now();
        cache.put("/m".into(), page("old", now), 0, now);
        let later = now + TTL;
        assert!(matches!(
            cache.lookup("/m", later),
            Lookup::Draw { successor: true }
        ));
        // Others meanwhile get the old copy.
        assert!(matches!(cache.lookup("/m", later), Lookup::Copy(_)));
        cache.done_drawing("/m");
        assert!(matches!(
            cache.lookup("/m", later),
            Lookup::Draw { successor: true }
        ));
        cache.done_drawing("/m");
        // Too old to stand in: everyone draws.
        assert!(matches!(
            cache.lookup("/m", now + STALE),
            Lookup::Draw { successor: false }
        ));
        cache.put("/m".into(), page("new", later), 0, later);
        assert!(matches!(cache.lookup("/m", later), Lookup::Copy(p) if &p.body[..] == b"new"));
    }

    #[test]
    fn memory_is_bounded() {
        let cache = PageCache::default();
        let now = Instant::now();
        let big = "x".repeat(MAX_PAGE_BYTES);
        for i in 0..(MAX_BYTES / MAX_PAGE_BYTES + 5) {
            cache.put(format!("/marketplace?q={i}"), page(&big, now), 0, now);
        }
        assert_eq!(cache.len(), MAX_BYTES / MAX_PAGE_BYTES);
        // Once the kept copies are too old to stand in, new ones take
        // their place.
        let later = now + STALE;
        cache.put("/marketplace?q=new".into(), page(&big, later), 0, later);
        assert_eq!(cache.len(), 1);
    }
}

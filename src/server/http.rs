//! The router: every route of the server is visible here, with the
//! middleware that wraps them all (request id, tracing, security headers,
//! cross-site request refusal).

use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::context::REQUEST_ID_HEADER;
use super::state::AppState;
use crate::domain::text::check_text;
use crate::error::AppError;

/// Paths whose clients authenticate with an Authorization header (Basic or
/// Bearer) rather than the session cookie. A cross-site page cannot make a
/// browser attach those, so the cross-site check does not apply to them.
const HEADER_AUTHENTICATED_PREFIXES: &[&str] = &[
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/introspect",
    "/oauth/data/",
    "/v2/",
];

/// The policy for everything that is not a rendered page (which gets the
/// same policy plus its own script nonce, see `security_headers`).
const BASE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Builds the whole application. `app` is the root component and `shell`
/// the HTML document around it (both from `crate::app`; passed in so that
/// `server/` never imports the pages).
pub fn router<Shell, Page, A>(state: AppState, shell: fn(LeptosOptions) -> Shell, app: A) -> Router
where
    Shell: IntoView + 'static,
    Page: IntoView + 'static,
    A: Fn() -> Page + Clone + Send + Sync + 'static,
{
    // Leptos suppresses every resource in the process while it generates a
    // route list (a global flag), so it is generated once and reused: a
    // second router built beside a live one (tests do) must not stall it.
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(app)).clone();
    let page_state = state.clone();
    let page_context = move || page_context(&page_state);
    let fn_state = state.clone();
    let header_state = state.clone();
    let form_state = state.clone();
    let cache_state = state.clone();
    let leptos_options = state.leptos_options.clone();
    // The WASM, its split chunks, the JS and the CSS, served straight from
    // disk: conditional requests get 304, and a file that cannot be read
    // is a 500 in the log. (Leptos' fallback answers anything but a 200
    // from its file server with the 404 page: a browser revalidating a
    // chunk, or a read error, looked like a missing file.)
    let pkg_dir = format!(
        "{}/{}",
        leptos_options.site_root, leptos_options.site_pkg_dir
    );

    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/apps/{id}/media",
            post(super::media::upload).layer(DefaultBodyLimit::max(super::media::UPLOAD_BODY_LIMIT)),
        )
        .route("/media/{id}", get(super::media::serve))
        .route("/chat/{id}/events", get(super::chat::events))
        .route("/oauth/authorize", post(super::oauth::authorize::decide))
        .route("/oauth/token", post(super::oauth::token::token))
        .route("/oauth/revoke", post(super::oauth::token_admin::revoke))
        .route("/oauth/introspect", post(super::oauth::token_admin::introspect))
        .route("/oauth/data/compliance", post(super::oauth::token_admin::compliance))
        .route(
            "/.well-known/oauth-authorization-server",
            get(super::oauth::token_admin::metadata),
        )
        .nest("/v2", super::rest::routes(state.clone()))
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                // The build writes brotli and gzip copies (scripts/lib/precompress.mjs);
                // a cache must keep them apart by what the browser accepts.
                .layer(SetResponseHeaderLayer::appending(
                    header::VARY,
                    HeaderValue::from_static("accept-encoding"),
                ))
                // The files' names do not change between releases, and the
                // main module and its chunks must come from the same build:
                // a browser revalidates each use (a 304 when unchanged)
                // rather than guessing a freshness from Last-Modified.
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                ))
                .service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip()),
        )
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context, shell))
        .layer(middleware::from_fn_with_state(form_state.clone(), guard_server_fns))
        .layer(middleware::from_fn_with_state(form_state, super::returned_form::load))
        .layer(middleware::from_fn(reject_nul_in_url))
        // axum's default, written out: what server functions (and form
        // extractors) read at most; the upload route sets its own.
        .layer(DefaultBodyLimit::max(SERVER_FN_BODY_LIMIT))
        // Inside `run_to_completion`, so that a change whose client hung
        // up still makes the kept pages go; inside `security_headers`,
        // which gives each copy's nonce to the CSP.
        .layer(middleware::from_fn_with_state(cache_state, super::page_cache::serve))
        .layer(middleware::from_fn(run_to_completion))
        .layer(middleware::from_fn_with_state(fn_state, reject_cross_site))
        .layer(middleware::from_fn_with_state(header_state, security_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let request_id = req
                .headers()
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), %request_id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Liveness: answers without touching the session or the database.
async fn healthz() -> &'static str {
    "ok"
}

async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// The largest body a server function takes: form fields only (uploads
/// have their own route and limit).
pub const SERVER_FN_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Before any server function (`/api/…`, the routes Leptos registers and
/// ours): its body is read here first, under the limit, because Leptos
/// reads it under the same limit but reports a body over it as a failure
/// to decode, a 500. And a field holding a NUL character is refused here
/// for every server function at once ("invalid input" beside the field),
/// before any of them can try to store it (PostgreSQL cannot). A plain
/// form post the function refuses gets its fields back on its page
/// (`returned_form`).
async fn guard_server_fns(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use axum::body::Bytes;
    use axum::extract::FromRequest;
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(bytes) => bytes,
        Err(rejection) => {
            let status = rejection.status();
            let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::refused(format!(
                    "That is too much to send at once: at most {} MiB.",
                    SERVER_FN_BODY_LIMIT >> 20
                ))
            } else {
                AppError::Transport {
                    message: "the request could not be read".into(),
                }
            };
            return refuse_server_fn(&parts, status, error);
        }
    };
    let fields = url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .chain(url::form_urlencoded::parse(&bytes));
    for (name, value) in fields {
        if let Err(reason) = check_text(&name).and(check_text(&value)) {
            // `events[0]` is the field `events`.
            let field = name.split('[').next().unwrap_or_default().replace('\0', "");
            let error = AppError::field(&field, reason);
            return refuse_server_fn(&parts, StatusCode::UNPROCESSABLE_ENTITY, error);
        }
    }
    let response = next
        .run(Request::from_parts(
            parts.clone(),
            Body::from(bytes.clone()),
        ))
        .await;
    super::returned_form::keep(&state, &parts, &bytes, response).await
}

/// A NUL (`%00`) in a URL's path or query is no address or parameter of
/// Portico's, and PostgreSQL cannot compare text holding one: answered 400
/// before any route reads it. Server functions and the /v2 API answer it
/// in their own formats (`guard_server_fns`, `rest`). A raw NUL cannot be
/// in a URI at all.
async fn reject_nul_in_url(req: Request, next: Next) -> Response {
    let url = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_default();
    let has_nul = url
        .as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"%00"));
    if has_nul && !url.starts_with("/api/") && !url.starts_with("/v2/") {
        return (
            StatusCode::BAD_REQUEST,
            "Invalid input: a URL cannot contain a NUL character (%00).",
        )
            .into_response();
    }
    next.run(req).await
}

/// A server function's error answered before it ran, as Leptos answers
/// one it returned: JSON clients get the error with `status`; a plain form
/// post goes back to its page with the error in the URL (`__err`).
fn refuse_server_fn(parts: &Parts, status: StatusCode, error: AppError) -> Response {
    use leptos::server_fn::error::ServerFnUrlError;
    let accepts_html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let referer = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok());
    if let (true, Some(referer)) = (accepts_html, referer) {
        if let Ok(back) = ServerFnUrlError::new(parts.uri.path(), error.clone()).to_url(referer) {
            if let Ok(location) = HeaderValue::from_str(back.as_str()) {
                return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
            }
        }
    }
    let body = serde_json::to_string(&error).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// Context for every page render: the state, and the page's script nonce
/// (which Leptos makes per request and puts on its hydration scripts),
/// handed to `security_headers` through the request's `PageCsp` slot.
fn page_context(state: &AppState) {
    provide_context(state.clone());
    if let (Some(nonce), Some(parts)) = (leptos::nonce::use_nonce(), use_context::<Parts>()) {
        if let Some(slot) = parts.extensions.get::<PageCsp>() {
            slot.update(|csp| csp.nonce = Some(nonce.to_string()));
        }
    }
}

/// Lets the page being rendered submit a form that ends at `origin`
/// (`scheme://host[:port]`): the consent page's form is answered with a
/// redirect to the app, and browsers apply `form-action` to redirects.
pub fn allow_form_action(parts: &Parts, origin: &str) {
    let safe = origin
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".:/-[]".contains(&b));
    if let (true, Some(slot)) = (safe, parts.extensions.get::<PageCsp>()) {
        slot.update(|csp| csp.form_action.push(origin.to_owned()));
    }
}

/// What a page render adds to the response's CSP. (Leptos'
/// `ResponseOptions` headers were sometimes missing from async page
/// responses under concurrent load; this slot travels with the request
/// itself.)
#[derive(Clone, Default)]
pub(crate) struct PageCsp(Arc<Mutex<PageCspParts>>);

#[derive(Default)]
struct PageCspParts {
    nonce: Option<String>,
    form_action: Vec<String>,
}

impl PageCsp {
    fn update(&self, change: impl FnOnce(&mut PageCspParts)) {
        if let Ok(mut parts) = self.0.lock() {
            change(&mut parts);
        }
    }

    /// The script nonce of the page drawn for this request, if any.
    pub(crate) fn nonce(&self) -> Option<String> {
        self.0.lock().ok().and_then(|parts| parts.nonce.clone())
    }

    /// Gives the answer another script nonce (a kept page's copy).
    pub(crate) fn set_nonce(&self, nonce: String) {
        self.update(|csp| csp.nonce = Some(nonce));
    }

    /// Whether the page let its forms go to another origin.
    pub(crate) fn widens_form_action(&self) -> bool {
        self.0
            .lock()
            .map(|parts| !parts.form_action.is_empty())
            .unwrap_or(true)
    }

    fn take(&self) -> PageCspParts {
        self.0
            .lock()
            .map(|mut parts| std::mem::take(&mut *parts))
            .unwrap_or_default()
    }
}

/// Runs the handler on its own task, so that a client hanging up (or
/// anything else dropping the request) cannot cancel it half-way. sqlx's
/// `Pool::begin` is not cancel-safe on PostgreSQL (sqlx#4393, in 0.8.6 and
/// 0.9.0): a future dropped while BEGIN is in flight returns its
/// connection to the pool inside a transaction, and the next borrower's
/// statements then run in it and hold their locks until something on
/// that connection commits. The benchmark hit it: after wrk hung up at
/// the end of a run, the webhook worker's claim sat in such a transaction
/// and every later claim waited on its locks. A change the client gave up
/// on is finished (or rolled back) as if the client had stayed.
async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(error = %err, "a request handler panicked");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Behind https: browsers use https only, for two years, subdomains too.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Adds the security headers every response carries. A rendered page
/// gets the base CSP plus its own script nonce. HSTS only when the public
/// URL is https (over plain http browsers ignore it, RFC 6797 §8.1).
async fn security_headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let page_csp = PageCsp::default();
    req.extensions_mut().insert(page_csp.clone());
    let mut res = next.run(req).await;
    let extra = page_csp.take();
    let mut policy = match extra.nonce {
        Some(nonce) => BASE_CSP.replacen(
            "script-src 'self'",
            &format!("script-src 'self' 'nonce-{nonce}'"),
            1,
        ),
        None => BASE_CSP.to_owned(),
    };
    if !extra.form_action.is_empty() {
        policy = policy.replacen(
            "form-action 'self'",
            &format!("form-action 'self' {}", extra.form_action.join(" ")),
            1,
        );
    }
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    let defaults: [(header::HeaderName, &str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in defaults {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if state.config.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    res
}

/// Refuses state-changing requests that a browser marks as coming from
/// another site. Browsers send `Sec-Fetch-Site` (and `Origin` on POST);
/// a request with neither comes from a non-browser client, which has no
/// ambient cookies to abuse, so it passes.
async fn reject_cross_site(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe_method = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let path = req.uri().path();
    let exempt = HEADER_AUTHENTICATED_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix));
    if safe_method || exempt || is_same_origin(&req, &state) {
        return next.run(req).await;
    }
    tracing::warn!(path, "refused a cross-site state-changing request");
    (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
}

fn is_same_origin(req: &Request, state: &AppState) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    (!host.is_empty() && origin_host.eq_ignore_ascii_case(host))
        || origin.eq_ignore_ascii_case(state.config.base_url())
}

//! The platform REST API under `/v2` (PROTOCOL.md, "REST API"): Bearer
//! tokens from the authorization server, scopes enforced per route, rate
//! limits shared through the database, Zoom's error shape
//! `{"code": <int>, "message": "…"}`.

pub mod chat;
pub mod limits;
pub mod meetings;
pub mod users;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::domain::oauth::{parse_scope_list, Scope};
use crate::server::context::{internal_for, request_id_of};
use crate::server::ids::token_key;
use crate::server::state::AppState;

/// The `/v2` routes (nested by the main router).
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/users/me", get(users::me))
        .route("/users", get(users::list))
        .route("/users/{user_id}", get(users::one))
        .route(
            "/users/{user_id}/meetings",
            get(meetings::list).post(meetings::create),
        )
        .route(
            "/meetings/{meeting_id}",
            get(meetings::get_one)
                .patch(meetings::update)
                .delete(meetings::delete),
        )
        .route("/im/chat/messages", axum::routing::post(chat::send))
        .route(
            "/im/chat/messages/{message_id}",
            axum::routing::put(chat::edit).delete(chat::delete),
        )
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, 404, "No such API route.") })
        .layer(axum::middleware::from_fn_with_state(state, authenticate))
}

/// Who is calling: the grant behind the Bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub app_id: String,
    pub account_id: String,
    /// The user the token acts as; `None` for bot and account tokens.
    pub user_id: Option<String>,
    pub scopes: Vec<Scope>,
}

impl Caller {
    /// Whether the token holds `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// `Ok` when the token holds any of `scopes`; otherwise Zoom's 4711.
    pub fn require_any(&self, scopes: &[Scope]) -> Result<(), ApiError> {
        if scopes.iter().any(|s| self.has(*s)) {
            return Ok(());
        }
        let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let mut error = ApiError::new(
            StatusCode::FORBIDDEN,
            4711,
            format!(
                "Invalid access token, does not contain scopes:[{}].",
                names.join(", ")
            ),
        );
        // RFC 6750 §3.1: the scope that would do, in the challenge.
        error.challenge = Some(format!(
            "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{}\"",
            names.join(" ")
        ));
        Err(error)
    }
}

/// The realm of the `/v2` Bearer challenges.
const REALM: &str = "Portico";

/// An API error: status, Zoom's numeric code and a message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: i64,
    message: String,
    /// The `WWW-Authenticate` challenge, for 401 and 403 answers.
    challenge: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            challenge: None,
        }
    }

    /// Zoom's "invalid input" (300, HTTP 400), e.g. for text that cannot be
    /// stored.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 300, message)
    }

    /// A database failure: logged with the request id, never shown.
    pub fn internal(request_id: String, err: impl std::fmt::Display) -> Self {
        internal_for(request_id.clone(), err);
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            format!("Internal error; quote request id {request_id}."),
        )
    }

    /// A 401 with its RFC 6750 challenge: without an error code when the
    /// request had no token (§3.1), `invalid_token` when the token does
    /// not do (unknown, expired, revoked, or not an access token).
    fn unauthorized(message: &str, token_given: bool) -> Self {
        let mut error = Self::new(StatusCode::UNAUTHORIZED, 124, message);
        error.challenge = Some(if token_given {
            // The description is a quoted string of visible ASCII without
            // quotes or backslashes (§3).
            let description: String = message
                .chars()
                .filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\')
                .collect();
            format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{description}\""
            )
        } else {
            format!("Bearer realm=\"{REALM}\"")
        });
        error
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(json!({ "code": self.code, "message": self.message })),
        )
            .into_response();
        if let Some(value) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        res
    }
}

/// Turns a database error into an internal API error for this request.
pub fn db_error(parts_headers: &axum::http::HeaderMap) -> impl Fn(sqlx::Error) -> ApiError + '_ {
    move |err| ApiError::internal(request_id_of(parts_headers), format!("database: {err}"))
}

/// Checks the Bearer token and the rate limit; hands the `Caller` to the
/// route and adds the rate-limit headers to its answer.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let request_id = request_id_of(req.headers());
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let Some(token) = token else {
        return ApiError::unauthorized(
            "Access token is missing: send Authorization: Bearer <token>.",
            false,
        )
        .into_response();
    };
    let now = state.now_ms();
    let found = match crate::server::oauth::find_token(&state, &token_key(&token)).await {
        Ok(found) => found,
        Err(err) => return ApiError::internal(request_id, err).into_response(),
    };
    let caller = match found {
        Some(t) if t.kind != crate::domain::oauth::TokenKind::Access => {
            return ApiError::unauthorized("Invalid access token: this is a refresh token.", true)
                .into_response()
        }
        Some(t) if t.revoked_at.is_some() => {
            return ApiError::unauthorized("Invalid access token: it was revoked.", true)
                .into_response()
        }
        Some(t) if t.expires_at <= now => {
            return ApiError::unauthorized("Access token is expired.", true).into_response()
        }
        Some(t) => Caller {
            app_id: t.app_id.clone(),
            account_id: t.account_id.clone(),
            user_id: t.user_id.clone(),
            scopes: parse_scope_list(&t.scopes),
        },
        None => return ApiError::unauthorized("Invalid access token.", true).into_response(),
    };

    // One window per app and account, so one busy install cannot starve
    // the app's other customers.
    let limit = state.config.api_rate_limit;
    let bucket = format!("api:{}:{}", caller.app_id, caller.account_id);
    let standing = match state.rate_limiter.hit(&state.db, &bucket, limit, now).await {
        Ok(standing) => standing,
        Err(err) => return ApiError::internal(request_id, err).into_response(),
    };
    let hits = standing.hits;
    let remaining = (limit - hits).max(0);
    let mut res = if hits > limit {
        let window_end = standing.window_start + limits::WINDOW_MS;
        let retry_after = ((window_end - now) as f64 / 1000.0).ceil().max(1.0) as i64;
        let mut res = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            format!("You have reached the maximum per-minute rate limit ({limit}) for this API. Try again later."),
        )
        .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        res
    } else {
        req.extensions_mut().insert(caller);
        next.run(req).await
    };
    let headers = res.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("x-ratelimit-type", HeaderValue::from_static("per-minute"));
    res
}

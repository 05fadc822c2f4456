//! `/oauth/authorize`: which requests may reach the consent page, and the
//! consent form's answer (Allow makes the install and a code; Deny sends
//! `error=access_denied`). The consent page itself is a Leptos page
//! (`pages::oauth`) fed by `api::oauth::authorize_request`, which calls
//! `check_client` and `check_user` here, as `decide` does again on post.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;

use super::CODE_TTL_MS;
use crate::domain::app::{AppKind, AppStatus, Environment};
use crate::domain::oauth::{parse_scope_list, redirect_allowed, AuthorizeRequest, Scope};
use crate::server::auth::session::{self, SessionUser};
use crate::server::ids::{hash_secret, new_secret};
use crate::server::repo::{self, oauth::ClientRow};
use crate::server::state::AppState;

/// Why an authorization request stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Shown on an error page, never sent to the redirect URI: the client
    /// is unknown or the redirect URI is not one it registered.
    Page(String),
    /// Sent back to the (checked) redirect URI as `?error=…`.
    Redirect(String),
}

/// A request whose client and redirect URI check out.
#[derive(Debug, Clone)]
pub struct CheckedClient {
    pub client: ClientRow,
    pub kind: AppKind,
    /// The redirect URI to use: the one asked for, or the registered one.
    pub redirect_uri: String,
    pub scopes: Vec<Scope>,
}

impl CheckedClient {
    /// Installed for the whole account (account-level apps and bots) rather
    /// than for the consenting user alone.
    pub fn account_wide(&self) -> bool {
        self.kind != AppKind::UserManaged
    }
}

/// `uri` with `pairs` added to its query.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

fn redirect_error(uri: &str, error: &str, description: &str, state: Option<&str>) -> Refusal {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    Refusal::Redirect(with_query(uri, &pairs))
}

/// Checks what can be checked before knowing who is asking: the client,
/// the redirect URI (string for string, or by allow-list prefix when the
/// app turned strict mode off), the response type, PKCE parameters and
/// that the app has scopes.
pub async fn check_client(
    state: &AppState,
    req: &AuthorizeRequest,
) -> Result<Result<CheckedClient, Refusal>, sqlx::Error> {
    if req.client_id.is_empty() {
        return Ok(Err(Refusal::Page(
            "This link is missing the app's client ID (client_id).".into(),
        )));
    }
    let Some(client) = repo::oauth::client(&state.db.pool, &req.client_id).await? else {
        return Ok(Err(Refusal::Page(
            "No app has this client ID. The link may be mistyped, or the app's credentials were replaced."
                .into(),
        )));
    };
    let kind = client.kind;
    if !client.active() {
        return Ok(Err(Refusal::Page(format!(
            "{} is not approved yet: its production credentials cannot be used.",
            client.app_name
        ))));
    }
    let registered = client.redirect_url().to_owned();
    let redirect_uri = match req.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
        None if registered.is_empty() => {
            return Ok(Err(Refusal::Page(format!(
                "{} has no redirect URL registered, so there is nowhere to send you back to.",
                client.app_name
            ))))
        }
        None => registered.clone(),
        Some(asked) => {
            let allow_list: Vec<String> = client
                .allow_list
                .as_deref()
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect();
            let registered: Vec<String> = (!registered.is_empty())
                .then_some(registered.clone())
                .into_iter()
                .collect();
            let strict = client.strict_mode.unwrap_or(1) != 0;
            if !redirect_allowed(asked, &registered, &allow_list, strict) {
                return Ok(Err(Refusal::Page(format!(
                    "The redirect URL in this link is not one {} registered, so you were not sent anywhere.",
                    client.app_name
                ))));
            }
            asked.to_owned()
        }
    };
    let state_param = req.state.as_deref();
    if req.response_type != "code" {
        return Ok(Err(redirect_error(
            &redirect_uri,
            "unsupported_response_type",
            "Only response_type=code is supported.",
            state_param,
        )));
    }
    match (
        req.code_challenge.as_deref(),
        req.code_challenge_method.as_deref(),
    ) {
        (None, None) => {}
        (Some(challenge), None | Some("S256")) if super::is_pkce_value(challenge) => {}
        (Some(_), None | Some("S256")) => {
            return Ok(Err(redirect_error(
                &redirect_uri,
                "invalid_request",
                "code_challenge must be 43 to 128 characters of base64url.",
                state_param,
            )))
        }
        _ => {
            return Ok(Err(redirect_error(
                &redirect_uri,
                "invalid_request",
                "Only code_challenge_method=S256 is supported, with a code_challenge.",
                state_param,
            )))
        }
    }
    let scopes = parse_scope_list(client.scopes.as_deref().unwrap_or_default());
    if scopes.is_empty() {
        return Ok(Err(redirect_error(
            &redirect_uri,
            "invalid_scope",
            "The app has not chosen any scopes yet.",
            state_param,
        )));
    }
    Ok(Ok(CheckedClient {
        client,
        kind,
        redirect_uri,
        scopes,
    }))
}

/// Checks who is consenting: development credentials authorize only
/// members of the developer's own account, and a reviewer trying an app
/// in review in their own account; account-wide apps need an owner or
/// admin.
pub fn check_user(checked: &CheckedClient, user: &SessionUser) -> Result<(), Refusal> {
    let client = &checked.client;
    let reviewer_trying_it = user.is_reviewer && client.status == AppStatus::InReview;
    if client.environment == Environment::Development
        && user.account_id != client.account_id
        && !reviewer_trying_it
    {
        return Err(Refusal::Page(format!(
            "{} is still in development: only members of {} can install it.",
            client.app_name, client.publisher
        )));
    }
    if client.environment == Environment::Production
        && client.marketplace == 0
        && user.account_id != client.account_id
    {
        return Err(Refusal::Page(format!(
            "{} is a private app of {}: it can be installed only in that account.",
            client.app_name, client.publisher
        )));
    }
    if checked.account_wide() && !user.role.can_manage_members() {
        return Err(Refusal::Page(format!(
            "{} is installed for the whole account {}, which only an owner or admin can do. Ask one of them to install it.",
            client.app_name, user.account_name
        )));
    }
    Ok(())
}

/// The consent form: the request's parameters and the button pressed.
#[derive(Debug, serde::Deserialize)]
pub struct Decision {
    #[serde(flatten)]
    pub request: AuthorizeRequest,
    /// `allow` or `deny`.
    pub decision: String,
}

/// `POST /oauth/authorize`: the consent form's answer. Cross-site posts
/// never get here (the router refuses them).
pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Decision>,
) -> Response {
    let request_id = crate::server::context::request_id_of(&headers);
    match decide_inner(&state, &headers, form).await {
        Ok(response) => response,
        Err(err) => {
            crate::server::context::internal_for(request_id.clone(), err);
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Something went wrong on our side. If it keeps happening, quote request id {request_id}."),
            )
        }
    }
}

async fn decide_inner(
    state: &AppState,
    headers: &HeaderMap,
    form: Decision,
) -> Result<Response, sqlx::Error> {
    let req = form.request;
    let Some(user) = session::user_from_headers(state, headers).await? else {
        let back = format!("/oauth/authorize?{}", request_query(&req));
        let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
        return Ok(see_other(&format!("/signin?next={next}")));
    };
    let checked = match check_client(state, &req).await? {
        Ok(checked) => checked,
        Err(refusal) => return Ok(refusal_response(refusal)),
    };
    if let Err(refusal) = check_user(&checked, &user) {
        return Ok(refusal_response(refusal));
    }
    let state_param = req.state.as_deref();
    if form.decision != "allow" {
        return Ok(refusal_response(redirect_error(
            &checked.redirect_uri,
            "access_denied",
            "The user denied access.",
            state_param,
        )));
    }
    let client = &checked.client;
    let now = state.now_ms();
    // A bot's slash command is its own in each account.
    let mut new_bot = false;
    if client.kind == AppKind::ChatBot {
        match crate::server::chat::check_install(state, &user.account_id, &client.app_id).await? {
            Err(conflict) => return Ok(error_page(StatusCode::CONFLICT, &conflict)),
            Ok(already) => new_bot = !already,
        }
    }
    let scopes = crate::domain::oauth::scope_list(&checked.scopes);
    let install_id = repo::oauth::upsert_install(
        &state.db.pool,
        repo::oauth::NewInstall {
            app_id: &client.app_id,
            environment: client.environment,
            account_id: &user.account_id,
            user_id: (!checked.account_wide()).then_some(user.user_id.as_str()),
            installed_by: &user.user_id,
            scopes: &scopes,
            now,
        },
    )
    .await?;
    if client.environment == crate::domain::app::Environment::Production {
        // "Most installed" on the Marketplace.
        repo::marketplace::recount_installs(&state.db.pool, &client.app_id).await?;
    }
    if new_bot {
        crate::server::chat::installed(state, &user, &client.app_id, client.environment).await?;
    }
    let code = new_secret();
    repo::tokens::create_code(
        &state.db.pool,
        repo::tokens::NewCode {
            code_hash: &hash_secret(&code),
            install_id: &install_id,
            client_id: &client.client_id,
            // As sent, so the token request can be held to it (RFC 6749 §4.1.3).
            redirect_uri: req.redirect_uri.as_deref().unwrap_or_default(),
            code_challenge: req.code_challenge.as_deref(),
            user_id: &user.user_id,
            expires_at: now + CODE_TTL_MS,
        },
    )
    .await?;
    let mut pairs = vec![("code", code.as_str())];
    if let Some(state_param) = state_param {
        pairs.push(("state", state_param));
    }
    Ok(found(&with_query(&checked.redirect_uri, &pairs)))
}

/// An authorization request from its raw query string, each value
/// percent-decoded once (`application/x-www-form-urlencoded`, as RFC 6749
/// §4.1.1 sends it) and otherwise kept as sent. A name given twice keeps
/// its last value.
pub fn parse_request_query(query: &str) -> AuthorizeRequest {
    let mut req = AuthorizeRequest::default();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = value.into_owned();
        match name.as_ref() {
            "response_type" => req.response_type = value,
            "client_id" => req.client_id = value,
            "redirect_uri" => req.redirect_uri = Some(value),
            "state" => req.state = Some(value),
            "code_challenge" => req.code_challenge = Some(value),
            "code_challenge_method" => req.code_challenge_method = Some(value),
            _ => {}
        }
    }
    req
}

/// The consent page that installs `client`'s app to its registered
/// redirect URL, with no state (the Publishable URL, the Marketplace's
/// Install, "Try it in my account"). Relative, so the visitor stays on
/// whatever host they used.
pub fn install_path(client: &crate::server::repo::oauth::ClientRow) -> String {
    format!(
        "/oauth/authorize?{}",
        request_query(&AuthorizeRequest {
            response_type: "code".into(),
            client_id: client.client_id.clone(),
            redirect_uri: Some(client.redirect_url().to_owned()),
            ..AuthorizeRequest::default()
        })
    )
}

/// The query string that asks for `req` again (for the sign-in detour).
pub fn request_query(req: &AuthorizeRequest) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("response_type", &req.response_type);
    query.append_pair("client_id", &req.client_id);
    for (name, value) in [
        ("redirect_uri", &req.redirect_uri),
        ("state", &req.state),
        ("code_challenge", &req.code_challenge),
        ("code_challenge_method", &req.code_challenge_method),
    ] {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    query.finish()
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

fn refusal_response(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Redirect(location) => found(&location),
        Refusal::Page(message) => error_page(StatusCode::BAD_REQUEST, &message),
    }
}

/// A small page for a refused consent post (the GET side shows refusals
/// in the Leptos consent page).
fn error_page(status: StatusCode, message: &str) -> Response {
    let message = html_escape(message);
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Cannot install · Portico</title>\
         <link rel=\"stylesheet\" href=\"/pkg/portico.css\"></head><body><main id=\"main\">\
         <section class=\"card narrow\" role=\"alert\"><h1>Cannot install this app</h1><p>{message}</p>\
         <p><a href=\"/\">Go to the start page</a></p></section></main></body></html>"
    );
    (status, Html(body)).into_response()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What a Publishable URL was made from: the app's name, redirect URLs
/// and allow list. When any of them changes the link is stale.
pub fn publish_fingerprint(app_name: &str, settings: &repo::oauth::SettingsRow) -> String {
    hash_secret(&format!(
        "{app_name}\n{}\n{}\n{}",
        settings.development_redirect_url, settings.production_redirect_url, settings.allow_list
    ))
}

//! Server functions of the OAuth pages: the consent page's data, the
//! Publishable URL (the install link), and an app's OAuth settings
//! (redirect URLs, allow list, strict mode, scopes) on its Credentials and
//! Scopes pages.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::app::Environment;
use crate::error::AppError;

/// One scope on the consent page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeOut {
    pub scope: String,
    pub explanation: String,
}

impl ScopeOut {
    /// A known scope with its consent explanation.
    pub fn of(scope: crate::domain::oauth::Scope) -> Self {
        ScopeOut {
            scope: scope.as_str().to_owned(),
            explanation: scope.explanation().to_owned(),
        }
    }

    /// A scope as stored: explained when known, else its name alone.
    pub fn named(scope: &str) -> Self {
        match crate::domain::oauth::Scope::parse(scope) {
            Some(known) => Self::of(known),
            None => ScopeOut {
                scope: scope.to_owned(),
                explanation: String::new(),
            },
        }
    }
}

/// The consent page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentOut {
    pub app_name: String,
    pub publisher: String,
    pub app_type: String,
    /// Development credentials say so on the consent page.
    pub environment: Environment,
    /// True: installed for the whole account, not only for this user.
    pub account_wide: bool,
    pub account_name: String,
    pub user_name: String,
    pub scopes: Vec<ScopeOut>,
    /// The request's parameters exactly as sent, for the form to post back
    /// (`redirect_uri` stays absent when the request had none: the token
    /// request is then not asked to repeat it).
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// Checks an authorization request for the consent page. A signed-out
/// visitor is sent to sign in and back; a request the client must hear
/// about (wrong response type, bad PKCE parameters) is redirected to it
/// with `error=…`; an unknown client or a redirect URI it did not register
/// is refused here, never redirected.
///
/// `query` is the page's query string as the browser sent it, still
/// percent-encoded, and is decoded here exactly once: the router's query
/// map decodes values a second time, which altered a `state` such as
/// `ret%3D%252Fdash` and turned a `redirect_uri` of `…/%63allback` into
/// `…/callback` (RFC 6749 §4.1.2: `state` comes back byte for byte).
#[server(endpoint = "authorize_request")]
pub async fn authorize_request(query: String) -> Result<ConsentOut, AppError> {
    use crate::server::context;
    use crate::server::oauth::authorize::{self, Refusal};
    let parts = context::parts()?;
    // Rendering the consent page shows a refusal as the page, and a
    // redirect (back to the app, or to sign in) keeps its own status; any
    // other refusal answers a call with its status (409), not a 500.
    let rendering_page = parts.uri.path() == "/oauth/authorize";
    let redirected = std::sync::atomic::AtomicBool::new(false);
    let result = async {
        // Rendering the consent page itself: its own request's query is the
        // one the browser sent. Called from the browser (after a navigation
        // inside the app) the argument carries `location.search` unchanged.
        let raw = match parts.uri.path() {
            "/oauth/authorize" => parts.uri.query().unwrap_or_default(),
            _ => query.as_str(),
        };
        let req = authorize::parse_request_query(raw);
        let app_state = context::state()?;
        let refuse = |refusal: Refusal| -> AppError {
            match refusal {
                Refusal::Page(message) => AppError::refused(message),
                Refusal::Redirect(location) => {
                    redirected.store(true, std::sync::atomic::Ordering::Relaxed);
                    context::redirect(&location);
                    AppError::refused("Sending you back to the app…")
                }
            }
        };
        let checked = authorize::check_client(&app_state, &req)
            .await?
            .map_err(refuse)?;
        let Some(user) = context::user().await? else {
            let back = format!("/oauth/authorize?{}", authorize::request_query(&req));
            let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
            redirected.store(true, std::sync::atomic::Ordering::Relaxed);
            context::redirect(&format!("/signin?next={next}"));
            return Err(AppError::Unauthenticated);
        };
        authorize::check_user(&checked, &user).map_err(refuse)?;
        // The form's answer redirects to the app: let this page's CSP allow it.
        if let Ok(url) = url::Url::parse(&checked.redirect_uri) {
            crate::server::http::allow_form_action(&parts, &url.origin().ascii_serialization());
        }
        let kind = checked.kind;
        let client = checked.client.clone();
        Ok(ConsentOut {
            app_name: client.app_name,
            publisher: client.publisher,
            app_type: kind.label().to_owned(),
            environment: client.environment,
            account_wide: checked.account_wide(),
            account_name: user.account_name,
            user_name: user.display_name,
            scopes: checked.scopes.iter().map(|s| ScopeOut::of(*s)).collect(),
            response_type: req.response_type,
            client_id: req.client_id,
            redirect_uri: req.redirect_uri,
            state: req.state,
            code_challenge: req.code_challenge,
            code_challenge_method: req.code_challenge_method,
        })
    }
    .await;
    if rendering_page || redirected.load(std::sync::atomic::Ordering::Relaxed) {
        result
    } else {
        context::finish(result)
    }
}

/// What a Publishable URL leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstallLinkOut {
    /// Valid: the authorization URL it sends the browser to (the server
    /// redirects there straight away).
    Authorize { app_name: String, url: String },
    /// The app's name, redirect URLs or allow list changed since the link
    /// was made.
    Expired { app_name: String },
}

/// `/install/:token`.
#[server(endpoint = "install_link")]
pub async fn install_link(token: String) -> Result<InstallLinkOut, AppError> {
    use crate::server::oauth::authorize::{install_path, publish_fingerprint};
    use crate::server::{context, repo};
    let state = context::state()?;
    let pool = &state.db.pool;
    let app_id = repo::oauth::app_of_publish_token(pool, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = repo::oauth::settings(pool, &app_id).await?;
    // Production once the app is approved and has a redirect URL there;
    // development until then.
    let production = repo::oauth::client_of_app(pool, &app_id, Environment::Production)
        .await?
        .filter(|c| c.active() && !c.redirect_url().is_empty());
    let client = match production {
        Some(client) => Some(client),
        None => repo::oauth::client_of_app(pool, &app_id, Environment::Development).await?,
    };
    let Some(client) = client else {
        return Ok(InstallLinkOut::Expired {
            app_name: String::new(),
        });
    };
    let app_name = client.app_name.clone();
    if settings.publish_fingerprint.as_deref() != Some(&publish_fingerprint(&app_name, &settings))
        || client.redirect_url().is_empty()
    {
        return Ok(InstallLinkOut::Expired { app_name });
    }
    let path = install_path(&client);
    context::redirect(&path);
    Ok(InstallLinkOut::Authorize {
        app_name,
        url: path,
    })
}

/// An app's OAuth settings for its Credentials page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthSettingsOut {
    pub development_redirect_url: String,
    pub production_redirect_url: String,
    /// One URL per line.
    pub allow_list: String,
    pub strict_mode: bool,
    /// The Publishable URL, if one was made.
    pub publishable_url: Option<String>,
    /// True when the name, redirect URLs or allow list changed since.
    pub publishable_stale: bool,
    /// Saved scopes (wire form).
    pub scopes: Vec<String>,
}

/// The current account's app `id` that may have OAuth settings (not a
/// webhook-only app), if the caller may do `action` to it.
#[cfg(feature = "ssr")]
async fn oauth_app(
    id: &str,
    action: crate::domain::app_access::AppAction,
) -> Result<crate::server::app_access::AppAccess, AppError> {
    let access = crate::server::app_access::require(id, action).await?;
    if access.app.kind == crate::domain::app::AppKind::WebhookOnly {
        return Err(AppError::refused(
            "Webhook-only apps have no OAuth settings.",
        ));
    }
    Ok(access)
}

/// The app's redirect URLs, allow list, scopes and Publishable URL.
#[server(endpoint = "oauth_settings")]
pub async fn oauth_settings(id: String) -> Result<OAuthSettingsOut, AppError> {
    crate::server::context::finish(
        async {
            settings_of(
                &oauth_app(&id, crate::domain::app_access::AppAction::Open)
                    .await?
                    .app,
            )
            .await
        }
        .await,
    )
}

/// The OAuth settings of an app already found (and allowed OAuth).
#[cfg(feature = "ssr")]
pub(crate) async fn settings_of(
    app: &crate::server::repo::apps::AppRow,
) -> Result<OAuthSettingsOut, AppError> {
    use crate::server::oauth::authorize::publish_fingerprint;
    use crate::server::{context, repo};
    let state = context::state()?;
    let s = repo::oauth::settings(&state.db.pool, &app.id).await?;
    let stale = s.publish_fingerprint.is_some()
        && s.publish_fingerprint.as_deref() != Some(&publish_fingerprint(&app.name, &s));
    Ok(OAuthSettingsOut {
        publishable_url: s
            .publish_token
            .as_ref()
            .map(|t| format!("{}/install/{t}", state.config.base_url())),
        publishable_stale: stale,
        scopes: s.scopes.split_whitespace().map(str::to_owned).collect(),
        development_redirect_url: s.development_redirect_url,
        production_redirect_url: s.production_redirect_url,
        allow_list: s.allow_list,
        strict_mode: s.strict_mode != 0,
    })
}

/// Saves redirect URLs, the allow list and strict mode; every invalid
/// field gets its message and nothing is saved then. With
/// `add_to_allow_list`, the redirect URLs join the allow list.
#[server(endpoint = "save_redirects")]
pub async fn save_redirects(
    id: String,
    #[server(flatten)] form: crate::domain::oauth::RedirectsIn,
) -> Result<(), AppError> {
    use crate::domain::oauth::validate_redirects;
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = oauth_app(&id, crate::domain::app_access::AppAction::Edit).await?;
            let valid = validate_redirects(&form)?;
            let state = context::state()?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::oauth::save_redirects(&mut change, &id, &valid).await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::RedirectsSaved,
                    &format!(
                        "development: {}; production: {}; allow list: {} URL(s); strict mode {}",
                        crate::domain::text::or_none(&valid.development),
                        crate::domain::text::or_none(&valid.production),
                        valid.allow_list.len(),
                        if valid.strict_mode { "on" } else { "off" }
                    ),
                )
                .await?;
            if !repo::apps::touch(&mut change, &id, state.now_ms()).await? {
                return Err(AppError::refused(
                    crate::domain::app_access::IN_REVIEW_REFUSAL,
                ));
            }
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/credentials?saved=redirects"));
            }
            Ok(())
        }
        .await,
    )
}

/// Makes a new Publishable URL (the old one stops working).
#[server(endpoint = "generate_publishable_url")]
pub async fn generate_publishable_url(id: String) -> Result<String, AppError> {
    use crate::server::oauth::authorize::publish_fingerprint;
    use crate::server::{context, ids, repo};
    context::finish(
        async {
            let access = oauth_app(&id, crate::domain::app_access::AppAction::Develop).await?;
            let app = &access.app;
            let state = context::state()?;
            let pool = &state.db.pool;
            let settings = repo::oauth::settings(pool, &id).await?;
            if settings.development_redirect_url.is_empty()
                && settings.production_redirect_url.is_empty()
            {
                return Err(AppError::refused(
                    "Add a redirect URL first: the install link sends people back to it.",
                ));
            }
            if repo::credentials::for_app(pool, &id).await?.is_empty() {
                return Err(AppError::refused(
                    "Generate a client secret first: the install link uses the app's client ID.",
                ));
            }
            let token = ids::new_client_id();
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::oauth::save_publish_token(
                &mut change,
                &id,
                &token,
                &publish_fingerprint(&app.name, &settings),
            )
            .await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::PublishableUrlMade,
                    "the previous link stops working",
                )
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/credentials?saved=publishable"));
            }
            Ok(format!("{}/install/{token}", state.config.base_url()))
        }
        .await,
    )
}

/// The scopes an app type may take, for the Scopes page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopesOut {
    pub available: Vec<ScopeOut>,
    pub chosen: Vec<String>,
}

/// The Scopes page's data.
#[server(endpoint = "app_scopes")]
pub async fn app_scopes(id: String) -> Result<ScopesOut, AppError> {
    use crate::domain::oauth::scopes_for;
    use crate::server::{context, repo};
    context::finish(
        async {
            let app = oauth_app(&id, crate::domain::app_access::AppAction::Open)
                .await?
                .app;
            let kind = app.kind;
            let settings = repo::oauth::settings(&context::state()?.db.pool, &id).await?;
            Ok(ScopesOut {
                available: scopes_for(kind).iter().map(|s| ScopeOut::of(*s)).collect(),
                chosen: settings
                    .scopes
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            })
        }
        .await,
    )
}

/// Saves the app's scopes: only those its type may take.
#[server(endpoint = "save_scopes")]
pub async fn save_scopes(id: String, scopes: Option<Vec<String>>) -> Result<(), AppError> {
    use crate::domain::oauth::{scope_list, validate_scopes};
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = oauth_app(&id, crate::domain::app_access::AppAction::Edit).await?;
            let kind = access.app.kind;
            let scopes = validate_scopes(kind, &scopes.unwrap_or_default())
                .map_err(|m| AppError::field("scopes", m))?;
            if scopes.is_empty() {
                return Err(AppError::field("scopes", "Choose at least one scope."));
            }
            let state = context::state()?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::oauth::save_scopes(&mut change, &id, &scope_list(&scopes)).await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::ScopesSaved,
                    &scope_list(&scopes),
                )
                .await?;
            if !repo::apps::touch(&mut change, &id, state.now_ms()).await? {
                return Err(AppError::refused(
                    crate::domain::app_access::IN_REVIEW_REFUSAL,
                ));
            }
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/scopes?saved=1"));
            }
            Ok(())
        }
        .await,
    )
}

/// The app's Install page: how users add it, the Publishable URL, and a
/// "Try it in my account" link with the development credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallPageOut {
    pub app: crate::api::apps::AppOut,
    pub install_option: crate::domain::listing::InstallOption,
    pub landing_url: String,
    pub publishable_url: Option<String>,
    pub publishable_stale: bool,
    /// The development authorization for the caller's own account, or why
    /// there is none yet.
    pub try_it: Result<String, String>,
}

/// `/apps/:id/install`'s data.
#[server(endpoint = "install_page")]
pub async fn install_page(id: String) -> Result<InstallPageOut, AppError> {
    use crate::domain::listing::InstallOption;
    use crate::server::oauth::authorize::install_path;
    use crate::server::{context, repo};
    context::finish(
        async {
            let (access, app) = crate::api::apps::open_app(&id).await?;
            let state = context::state()?;
            let row = access.app;
            let settings = if row.kind == crate::domain::app::AppKind::WebhookOnly {
                None
            } else {
                Some(settings_of(&row).await?)
            };
            let try_it = match &settings {
                None => {
                    Err("A webhook-only app has no OAuth: it is not installed by users.".to_owned())
                }
                Some(_) => {
                    match repo::oauth::client_of_app(&state.db.pool, &id, Environment::Development)
                        .await?
                    {
                        None => Err(
                            "Generate development credentials first, on the Credentials page."
                                .to_owned(),
                        ),
                        Some(c) if c.redirect_url().is_empty() => Err(
                            "Set a development redirect URL first, on the Credentials page."
                                .to_owned(),
                        ),
                        Some(c) => Ok(install_path(&c)),
                    }
                }
            };
            Ok(InstallPageOut {
                install_option: InstallOption::parse(&row.install_option)
                    .unwrap_or(InstallOption::Marketplace),
                landing_url: row.landing_url.clone(),
                publishable_url: settings.as_ref().and_then(|s| s.publishable_url.clone()),
                publishable_stale: settings.as_ref().is_some_and(|s| s.publishable_stale),
                try_it,
                app,
            })
        }
        .await,
    )
}

/// Saves how users add the app: from the Marketplace, or from the
/// developer's landing page (its URL checked like the listing's URLs).
/// Part of the listing, so frozen while the app is in review.
#[server(endpoint = "save_install_option")]
pub async fn save_install_option(
    id: String,
    #[server(flatten)] form: crate::domain::listing::InstallOptionIn,
) -> Result<(), AppError> {
    use crate::domain::app_access::{AppAction, IN_REVIEW_REFUSAL};
    use crate::domain::listing::validate_install_option;
    use crate::server::change::Change;
    use crate::server::{app_access, context, repo};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::Edit).await?;
            if access.app.marketplace == 0 {
                return Err(AppError::refused(
                    "A private app is not on the Marketplace: it is installed through its Publishable URL.",
                ));
            }
            let (option, landing_url) = validate_install_option(&form)?;
            let state = context::state()?;
            let mut change = Change::begin(&state).await?;
            if !repo::apps::save_install_option(
                &mut change,
                &id,
                option.as_str(),
                &landing_url,
                state.now_ms(),
            )
            .await?
            {
                return Err(AppError::refused(IN_REVIEW_REFUSAL));
            }
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::InstallOptionSaved,
                    &format!("{}; landing page: {}", option.as_str(), crate::domain::text::or_none(&landing_url)),
                )
                .await?;
            change.commit().await?;
            context::redirect(&format!("/apps/{id}/install?saved=1"));
            Ok(())
        }
        .await,
    )
}

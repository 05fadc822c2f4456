//! The Features page: the app's Secret Token, its event subscriptions
//! (saved only after their endpoints pass the URL validation challenge)
//! and its deauthorization endpoint.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::apps::AppOut;
use crate::error::AppError;

/// How long a rotated Secret Token keeps signing deliveries: 24 hours.
pub const TOKEN_GRACE_MS: i64 = 24 * 3_600_000;

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionOut {
    pub id: String,
    pub name: String,
    pub development_url: String,
    pub production_url: String,
    pub events: Vec<String>,
    /// When the endpoints last passed the challenge (Unix ms).
    pub validated_ms: i64,
    pub disabled: bool,
}

/// The Features page's data, with the app itself: one request (and one
/// reader in the browser bundle) for the whole page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturesOut {
    pub app: AppOut,
    /// The Secret Token (shown behind "Reveal").
    pub secret_token: String,
    /// The previous token's grace period, while it still signs deliveries.
    pub old_token: Option<crate::api::credentials::GraceOut>,
    pub deauthorization_url: String,
    pub subscriptions: Vec<SubscriptionOut>,
    /// A chat bot's command and endpoints (chat bot apps only; empty
    /// fields until saved).
    pub bot: Option<crate::domain::chat::BotIn>,
}

// Every app type can have webhooks (a chat bot's own events come through
// the same subscriptions): any app the caller may act on will do.
#[cfg(feature = "ssr")]
use crate::domain::app_access::AppAction;

/// The current account's app `id`, if the caller may do `action` to it.
#[cfg(feature = "ssr")]
async fn app_for(
    id: &str,
    action: AppAction,
) -> Result<crate::server::repo::apps::AppRow, AppError> {
    Ok(app_access(id, action).await?.app)
}

/// The same, with who the caller is (for the audit log).
#[cfg(feature = "ssr")]
async fn app_access(
    id: &str,
    action: AppAction,
) -> Result<crate::server::app_access::AppAccess, AppError> {
    crate::server::app_access::require(id, action).await
}

/// The Secret Tokens that sign now (current first), opened.
#[cfg(feature = "ssr")]
async fn tokens_of(
    app_id: &str,
) -> Result<(Vec<String>, crate::server::repo::webhooks::WebhookRow), AppError> {
    use crate::server::{context, webhooks};
    let state = context::state()?;
    let (tokens, row) = webhooks::secret_tokens(&state, app_id, state.now_ms()).await?;
    if tokens.is_empty() {
        return Err(context::internal(
            "the Secret Token does not open under the server key",
        ));
    }
    Ok((tokens, row))
}

/// `/apps/:id/features`.
#[server(endpoint = "features_page")]
pub async fn features_page(id: String) -> Result<FeaturesOut, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let app = crate::api::apps::open_app(&id).await?.1;
            let (tokens, row) = tokens_of(&id).await?;
            let state = context::state()?;
            let subscriptions = repo::webhooks::subscriptions(&state.db.pool, &id).await?;
            let bot = if app.app_type.kind == crate::domain::app::AppKind::ChatBot {
                let row = repo::chat::bot(&state.db.pool, &id)
                    .await?
                    .unwrap_or_default();
                Some(crate::domain::chat::BotIn {
                    slash_command: row.slash_command,
                    description: row.description,
                    hint: row.hint,
                    welcome_message: row.welcome_message,
                    development_url: row.development_url,
                    production_url: row.production_url,
                })
            } else {
                None
            };
            Ok(FeaturesOut {
                bot,
                app,
                secret_token: tokens[0].clone(),
                old_token: (tokens.len() > 1)
                    .then(|| {
                        let until = row.old_secret_expires_at?;
                        crate::api::credentials::GraceOut::at(state.now_ms(), until)
                    })
                    .flatten(),
                deauthorization_url: row.deauthorization_url,
                subscriptions: subscriptions
                    .into_iter()
                    .map(|s| SubscriptionOut {
                        id: s.id,
                        name: s.name,
                        development_url: s.development_url,
                        production_url: s.production_url,
                        events: s.events.split_whitespace().map(str::to_owned).collect(),
                        validated_ms: s.validated_at,
                        disabled: s.disabled_at.is_some(),
                    })
                    .collect(),
            })
        }
        .await,
    )
}

/// A new Secret Token; the previous one keeps signing for 24 hours.
#[server(endpoint = "rotate_secret_token")]
pub async fn rotate_secret_token(id: String) -> Result<(), AppError> {
    use crate::server::{context, repo, webhooks::sign::new_secret_token};
    context::finish(
        async {
            let access = app_access(&id, AppAction::RotateProductionSecret).await?;
            tokens_of(&id).await?;
            let state = context::state()?;
            let now = state.now_ms();
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::webhooks::rotate_secret(
                &mut change,
                &id,
                &state.secrets.seal(&new_secret_token()),
                now + TOKEN_GRACE_MS,
            )
            .await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::SecretTokenRotated,
                    "the previous token signs for 24 h more",
                )
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/features?rotated=1"));
            }
            Ok(())
        }
        .await,
    )
}

/// Adds (or, with `subscription_id`, replaces) a subscription. Each
/// endpoint given first gets the URL validation challenge; if one fails,
/// nothing is saved and the error carries the whole exchange.
#[server(endpoint = "save_subscription")]
pub async fn save_subscription(
    id: String,
    subscription_id: Option<String>,
    name: String,
    development_url: String,
    production_url: String,
    events: Option<Vec<String>>,
) -> Result<(), AppError> {
    use crate::domain::events::{validate_subscription, SubscriptionIn};
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = app_access(&id, AppAction::Edit).await?;
            let app = &access.app;
            // The fields are the server function's own arguments, not one
            // flattened struct: `events[n]` comes as a map that serde's
            // flatten cannot turn into a list.
            let form = SubscriptionIn {
                name,
                development_url,
                production_url,
                events: events.unwrap_or_default(),
            };
            let valid = validate_subscription(app.kind, &form)?;
            let state = context::state()?;
            check_endpoints(&id, &valid.development_url, &valid.production_url).await?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            let saved = repo::webhooks::save_subscription(
                &mut change,
                &id,
                subscription_id.as_deref().filter(|s| !s.is_empty()),
                repo::webhooks::SubscriptionFields {
                    name: &valid.name,
                    development_url: &valid.development_url,
                    production_url: &valid.production_url,
                    events: &valid.events.join(" "),
                },
                state.now_ms(),
            )
            .await?;
            if !saved {
                return Err(AppError::NotFound);
            }
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::SubscriptionSaved,
                    &format!(
                        "{}: {} (development {}, production {})",
                        valid.name,
                        valid.events.join(" "),
                        crate::domain::text::or_none(&valid.development_url),
                        crate::domain::text::or_none(&valid.production_url)
                    ),
                )
                .await?;
            change.commit().await?;
            // Also with JavaScript: the page leaves `?edit=…`, and its
            // form is drawn again empty, ready for the next one.
            context::redirect(&format!("/apps/{id}/features?saved=1"));
            Ok(())
        }
        .await,
    )
}

/// The checks an endpoint passes before a subscription sends to it: not
/// Portico itself, and each URL given answers the URL validation
/// challenge. The first failure is the error, with the whole exchange.
#[cfg(feature = "ssr")]
async fn check_endpoints(
    id: &str,
    development_url: &str,
    production_url: &str,
) -> Result<(), AppError> {
    use crate::server::context;
    use crate::server::webhooks::challenge::validate_endpoint;
    let state = context::state()?;
    // Portico itself is never an endpoint: a delivery must not be a way
    // to make Portico call its own routes.
    let own = url::Url::parse(state.config.base_url()).map(|u| u.origin());
    for (field, url) in [
        ("development_url", development_url),
        ("production_url", production_url),
    ] {
        if let (Ok(endpoint), Ok(own)) = (url::Url::parse(url), &own) {
            if endpoint.origin() == *own {
                return Err(AppError::field(
                    field,
                    "An endpoint cannot be Portico itself.",
                ));
            }
        }
    }
    let (tokens, _) = tokens_of(id).await?;
    let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    for url in [development_url, production_url] {
        if url.is_empty() {
            continue;
        }
        let check = validate_endpoint(&state.outbound, &token_refs, url, state.now_ms()).await;
        if let Some(problem) = check.problem {
            let lines = |headers: &[(String, String)]| {
                headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            return Err(AppError::EndpointCheck {
                url: check.url.clone(),
                problem,
                sent: format!(
                    "POST {}\n{}\n\n{}",
                    check.url,
                    lines(&check.sent_headers),
                    check.sent_body
                ),
                status: check.status,
                received_headers: lines(&check.received_headers),
                received_body: check.received_body,
            });
        }
    }
    Ok(())
}

/// Turns a subscription off (nothing is sent to it) or on again (its
/// endpoints must pass the URL validation challenge again first, as on
/// save). `active` is `on` or `off`, as the page's button posts it.
#[server(endpoint = "set_subscription_active")]
pub async fn set_subscription_active(
    id: String,
    subscription_id: String,
    active: String,
) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = app_access(&id, AppAction::Edit).await?;
            let on = match active.as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(AppError::field("active", "Choose on or off.")),
            };
            let state = context::state()?;
            let pool = &state.db.pool;
            let subscription = repo::webhooks::subscriptions(pool, &id)
                .await?
                .into_iter()
                .find(|s| s.id == subscription_id)
                .ok_or(AppError::NotFound)?;
            if on {
                check_endpoints(
                    &id,
                    &subscription.development_url,
                    &subscription.production_url,
                )
                .await?;
            }
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::webhooks::set_subscription_active(
                &mut change,
                &id,
                &subscription_id,
                on,
                state.now_ms(),
            )
            .await?
            {
                return Err(AppError::NotFound);
            }
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::SubscriptionSaved,
                    &format!(
                        "{}: turned {}",
                        subscription.name,
                        if on { "on" } else { "off" }
                    ),
                )
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/features"));
            }
            Ok(())
        }
        .await,
    )
}

/// Removes a subscription.
#[server(endpoint = "delete_subscription")]
pub async fn delete_subscription(id: String, subscription_id: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = app_access(&id, AppAction::Edit).await?;
            let state = context::state()?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::webhooks::delete_subscription(&mut change, &id, &subscription_id).await? {
                return Err(AppError::NotFound);
            }
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::SubscriptionDeleted,
                    &subscription_id,
                )
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/features"));
            }
            Ok(())
        }
        .await,
    )
}

/// Saves a chat bot's slash command, its texts and its bot endpoints. Each
/// endpoint given first gets the URL validation challenge, as a
/// subscription's does; if one fails, nothing is saved.
#[server(endpoint = "save_chat_bot")]
pub async fn save_chat_bot(
    id: String,
    #[server(flatten)] form: crate::domain::chat::BotIn,
) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = app_access(&id, AppAction::Edit).await?;
            if access.app.kind != crate::domain::app::AppKind::ChatBot {
                return Err(AppError::refused(
                    "Only a chat bot app has a slash command.",
                ));
            }
            let valid = crate::domain::chat::validate_bot(&form)?;
            let state = context::state()?;
            if let Some(other) =
                repo::chat::command_taken(&state.db.pool, &id, &valid.slash_command).await?
            {
                return Err(AppError::field(
                    "slash_command",
                    format!(
                        "{other} answers /{} in an account where this bot is installed: choose another command.",
                        valid.slash_command
                    ),
                ));
            }
            check_endpoints(&id, &valid.development_url, &valid.production_url).await?;
            let now = state.now_ms();
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::chat::save_bot(
                &mut change,
                &repo::chat::BotRow {
                    app_id: id.clone(),
                    slash_command: valid.slash_command.clone(),
                    description: valid.description,
                    hint: valid.hint,
                    welcome_message: valid.welcome_message,
                    development_url: valid.development_url.clone(),
                    production_url: valid.production_url.clone(),
                    validated_at: now,
                },
                now,
            )
            .await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::ChatBotSaved,
                    &format!(
                        "/{} (development {}, production {})",
                        valid.slash_command,
                        crate::domain::text::or_none(&valid.development_url),
                        crate::domain::text::or_none(&valid.production_url)
                    ),
                )
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/features?bot_saved=1#chat-bot"));
            }
            Ok(())
        }
        .await,
    )
}

/// Saves where `app_deauthorized` goes (empty: nowhere).
#[server(endpoint = "save_deauthorization_url")]
pub async fn save_deauthorization_url(
    id: String,
    deauthorization_url: String,
) -> Result<(), AppError> {
    use crate::domain::events::validate_endpoint_url;
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = app_access(&id, AppAction::Edit).await?;
            let url = validate_endpoint_url(&deauthorization_url)
                .map_err(|m| AppError::field("deauthorization_url", m))?;
            let state = context::state()?;
            // The same address rules as subscription endpoints.
            if !url.is_empty() {
                crate::server::webhooks::check_endpoint(&state, &url)
                    .await
                    .map_err(|m| AppError::field("deauthorization_url", m))?;
            }
            tokens_of(&id).await?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::webhooks::save_deauthorization_url(&mut change, &id, &url).await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::DeauthorizationSaved,
                    crate::domain::text::or_none(&url),
                )
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/features?saved=1"));
            }
            Ok(())
        }
        .await,
    )
}

/// One attempt in the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptOut {
    pub attempt: i64,
    /// When (Unix ms).
    pub at_ms: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// The first 4 KiB of the answer.
    pub response_excerpt: String,
    /// The request's headers as sent, one `name: value` per line.
    pub request_headers: String,
    /// The answer's headers, one per line.
    pub response_headers: String,
}

/// One event in the delivery log, with its attempts (latest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryOut {
    /// The tracking id.
    pub id: String,
    pub event_type: String,
    pub url: String,
    pub status: crate::domain::events::DeliveryStatus,
    /// When it happened (Unix ms).
    pub created_ms: i64,
    /// For pending events: when the next attempt is due (Unix ms).
    pub next_attempt_ms: Option<i64>,
    /// The body exactly as sent, the same for every attempt.
    pub body: String,
    /// Sent with "Send test event", not by something that happened.
    pub is_test: bool,
    pub attempts: Vec<AttemptOut>,
}

/// The app's latest 100 events, optionally only those of one status.
#[server(endpoint = "delivery_log")]
pub async fn delivery_log(
    id: String,
    status: Option<String>,
) -> Result<Vec<DeliveryOut>, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            app_for(&id, AppAction::Open).await?;
            let status = status
                .as_deref()
                .and_then(crate::domain::events::DeliveryStatus::parse);
            let pool = &context::state()?.db.pool;
            let events = repo::outbox::log(pool, &id, status, 100).await?;
            let mut attempts = repo::outbox::attempts(pool, &id, 1000).await?;
            Ok(events
                .into_iter()
                .map(|e| {
                    let mine: Vec<AttemptOut> = attempts
                        .extract_if(.., |a| a.event_id == e.id)
                        .map(|a| AttemptOut {
                            attempt: a.attempt,
                            at_ms: a.started_at,
                            status_code: a.status_code,
                            latency_ms: a.latency_ms,
                            error: a.error,
                            response_excerpt: a.response_excerpt,
                            request_headers: a.request_headers,
                            response_headers: a.response_headers,
                        })
                        .collect();
                    DeliveryOut {
                        next_attempt_ms: (e.status
                            == crate::domain::events::DeliveryStatus::Pending)
                            .then_some(e.next_attempt_at),
                        id: e.id,
                        event_type: e.event_type,
                        url: e.url,
                        status: e.status,
                        created_ms: e.created_at,
                        body: e.body,
                        is_test: e.is_test != 0,
                        attempts: mine,
                    }
                })
                .collect())
        }
        .await,
    )
}

/// Sends an event again now, with its original tracking id.
#[server(endpoint = "redeliver")]
pub async fn redeliver(id: String, event_id: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            app_for(&id, AppAction::Develop).await?;
            let state = context::state()?;
            if !repo::outbox::redeliver(&state.db.pool, &id, &event_id, state.now_ms()).await? {
                return Err(AppError::refused(
                    "That event is being delivered right now, or does not exist.",
                ));
            }
            state.webhook_wakeup.notify_one();
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/deliveries"));
            }
            Ok(())
        }
        .await,
    )
}

/// Sends a sample of the subscription's first event type to its
/// development endpoint (or its production one when it has only that).
#[server(endpoint = "send_test_event")]
pub async fn send_test_event(id: String, subscription_id: String) -> Result<(), AppError> {
    use crate::server::webhooks::events::body;
    use crate::server::{context, ids, repo};
    context::finish(
        async {
            let app = app_for(&id, AppAction::Develop).await?;
            let state = context::state()?;
            let subscription = repo::webhooks::subscriptions(&state.db.pool, &id)
                .await?
                .into_iter()
                .find(|s| s.id == subscription_id)
                .ok_or(AppError::NotFound)?;
            let event_type = subscription
                .events
                .split_whitespace()
                .next()
                .unwrap_or("meeting.created")
                .to_owned();
            let url = if subscription.development_url.is_empty() {
                subscription.production_url.clone()
            } else {
                subscription.development_url.clone()
            };
            let now = state.now_ms();
            let object =
                serde_json::json!({ "id": 0, "topic": "Test event from Portico", "test": true });
            let mut change = crate::server::change::Change::begin(&state).await?;
            change
                .queue(repo::outbox::NewEvent {
                    id: &ids::new_id("evt"),
                    app_id: &id,
                    subscription_id: Some(&subscription.id),
                    event_type: &event_type,
                    url: &url,
                    body: &body(&event_type, now, &app.account_id, &object),
                    now,
                    is_test: true,
                })
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}/deliveries"));
            }
            Ok(())
        }
        .await,
    )
}

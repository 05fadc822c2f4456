//! Review, on the server: who may review (one check for every reviewer
//! function), and the copy of an app that a submission freezes.

use std::collections::BTreeSet;

use sqlx::AnyPool;

use crate::domain::media::MediaKind;
use crate::domain::review::Snapshot;
use crate::error::AppError;
use crate::server::auth::session::SessionUser;
use crate::server::context;
use crate::server::repo::{self, apps::AppRow};

/// The signed-in caller, if they are a reviewer (platform staff). Every
/// reviewer server function starts here; a reviewer acts across accounts,
/// on submissions only.
pub async fn require_reviewer() -> Result<SessionUser, AppError> {
    let user = context::require_user().await?;
    if !user.is_reviewer {
        return Err(AppError::forbidden(
            "Only Portico's reviewers can see the review queue and decide on submissions.",
        ));
    }
    Ok(user)
}

/// The app's live (last approved) version, if it has one.
pub async fn live_snapshot(pool: &AnyPool, app_id: &str) -> Result<Option<Snapshot>, AppError> {
    match repo::marketplace::live_snapshot(pool, app_id).await? {
        Some(json) => Ok(Some(
            serde_json::from_str(&json).map_err(context::internal)?,
        )),
        None => Ok(None),
    }
}

/// App `app` (of `account_id`) as it is now: its listing, media counts,
/// OAuth settings, events and deauthorization endpoint.
pub async fn snapshot_of(
    pool: &AnyPool,
    account_id: &str,
    app: &AppRow,
) -> Result<Snapshot, AppError> {
    let info = repo::apps::information(pool, account_id, &app.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let media = repo::media::list_for_app(pool, &app.id).await?;
    let oauth = repo::oauth::settings(pool, &app.id).await?;
    let subscriptions = repo::webhooks::subscriptions(pool, &app.id).await?;
    let events: BTreeSet<String> = subscriptions
        .iter()
        .filter(|s| s.disabled_at.is_none())
        .flat_map(|s| s.events.split_whitespace().map(str::to_owned))
        .collect();
    let deauthorization_url = repo::webhooks::settings(pool, &app.id)
        .await?
        .map(|w| w.deauthorization_url)
        .unwrap_or_default();
    let categories = info.category_list();
    let bot = repo::chat::bot(pool, &app.id).await?.unwrap_or_default();
    Ok(Snapshot {
        slash_command: bot.slash_command,
        bot_endpoint: bot.production_url,
        categories,
        name: app.name.clone(),
        kind: Some(app.kind),
        marketplace: app.marketplace != 0,
        short_description: info.short_description,
        long_description: info.long_description,
        contact_name: info.contact_name,
        contact_email: info.contact_email,
        privacy_url: info.privacy_url,
        support_url: info.support_url,
        configure_url: info.configure_url,
        images: media.iter().filter(|m| m.kind == MediaKind::Image).count(),
        image_ids: media
            .iter()
            .filter(|m| m.kind == MediaKind::Image)
            .map(|m| m.id.clone())
            .collect(),
        has_video: media.iter().any(|m| m.kind == MediaKind::Video),
        icon: media
            .iter()
            .find(|m| m.kind == MediaKind::Icon)
            .map(|m| m.id.clone())
            .unwrap_or_default(),
        development_redirect_url: oauth.development_redirect_url,
        production_redirect_url: oauth.production_redirect_url,
        scopes: oauth.scopes.split_whitespace().map(str::to_owned).collect(),
        events: events.into_iter().collect(),
        deauthorization_url,
        install_option: app.install_option.clone(),
        landing_url: app.landing_url.clone(),
        release_notes: String::new(),
    })
}

/// How long one pre-review check may take.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long all of a submission's checks may take together.
const CHECKS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);
/// At most this many outbound checks per submission (the rest are listed
/// as not run), at most `CHECKS_AT_ONCE` of them at a time.
const MAX_CHECKS: usize = 12;
const CHECKS_AT_ONCE: usize = 4;

/// The automated checks a submission gets before a person looks at it, run
/// at once through the outbound client (its address rules apply): the
/// privacy and support pages answer 2xx, the deauthorization endpoint and
/// every enabled subscription's endpoints pass the URL validation
/// challenge, and the redirect URLs are https. Reported, not enforced: a
/// page may be down for a minute; the reviewer decides.
pub async fn pre_review_checks(
    state: &crate::server::state::AppState,
    app_id: &str,
    snapshot: &Snapshot,
) -> Result<Vec<crate::domain::review::PreReviewCheck>, AppError> {
    use crate::domain::review::PreReviewCheck;
    enum Probe {
        Page(String),
        Challenge(String),
    }
    let mut probes: Vec<(String, Probe)> = Vec::new();
    for (what, url) in [
        ("Privacy policy URL", &snapshot.privacy_url),
        ("Support URL", &snapshot.support_url),
    ] {
        if !url.is_empty() {
            probes.push((
                format!("{what} answers 2xx ({url})"),
                Probe::Page(url.clone()),
            ));
        }
    }
    if !snapshot.deauthorization_url.is_empty() {
        probes.push((
            format!(
                "Deauthorization endpoint passes the challenge ({})",
                snapshot.deauthorization_url
            ),
            Probe::Challenge(snapshot.deauthorization_url.clone()),
        ));
    }
    if !snapshot.bot_endpoint.is_empty() {
        probes.push((
            format!(
                "Bot endpoint passes the challenge ({})",
                snapshot.bot_endpoint
            ),
            Probe::Challenge(snapshot.bot_endpoint.clone()),
        ));
    }
    for sub in repo::webhooks::subscriptions(&state.db.pool, app_id).await? {
        if sub.disabled_at.is_some() {
            continue;
        }
        for (env, url) in [
            ("development", sub.development_url),
            ("production", sub.production_url),
        ] {
            if !url.is_empty() {
                probes.push((
                    format!("“{}” {env} endpoint passes the challenge ({url})", sub.name),
                    Probe::Challenge(url),
                ));
            }
        }
    }
    let skipped = probes.split_off(probes.len().min(MAX_CHECKS));
    let now = state.now_ms();
    let (tokens, _) = crate::server::webhooks::secret_tokens(state, app_id, now).await?;
    // Portico itself is never a destination (as for subscriptions).
    let own = url::Url::parse(state.config.base_url())
        .map(|u| u.origin())
        .ok();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(CHECKS_AT_ONCE));
    let mut running = tokio::task::JoinSet::new();
    for (index, (_, probe)) in probes.iter().enumerate() {
        let outbound = state.outbound.clone();
        let tokens = tokens.clone();
        let own = own.clone();
        let gate = gate.clone();
        let probe = match probe {
            Probe::Page(url) => Probe::Page(url.clone()),
            Probe::Challenge(url) => Probe::Challenge(url.clone()),
        };
        running.spawn(async move {
            let _turn = gate.acquire_owned().await;
            let target = match &probe {
                Probe::Page(url) | Probe::Challenge(url) => url.clone(),
            };
            if own.is_some() && url::Url::parse(&target).ok().map(|u| u.origin()) == own {
                return (
                    index,
                    (
                        false,
                        "This is Portico itself, not the app's own site.".to_owned(),
                    ),
                );
            }
            let outcome = match probe {
                Probe::Page(url) => match outbound.get_status(&url, CHECK_TIMEOUT).await {
                    Ok(status) if (200..300).contains(&status) => (true, format!("HTTP {status}")),
                    Ok(status) => (false, format!("HTTP {status}")),
                    Err(e) => (false, e.to_string()),
                },
                Probe::Challenge(url) => {
                    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
                    let check = crate::server::webhooks::challenge::validate_endpoint(
                        &outbound, &refs, &url, now,
                    )
                    .await;
                    match check.problem {
                        None => (true, "Answered the challenge.".to_owned()),
                        Some(problem) => (false, problem),
                    }
                }
            };
            (index, outcome)
        });
    }
    let mut outcomes = vec![
        (
            false,
            "Not finished within the checks' time limit.".to_owned()
        );
        probes.len()
    ];
    let collect = async {
        while let Some(done) = running.join_next().await {
            if let Ok((index, outcome)) = done {
                outcomes[index] = outcome;
            }
        }
    };
    // Whatever has not answered by the deadline is reported as such (and
    // cancelled when `running` is dropped).
    let _ = tokio::time::timeout(CHECKS_DEADLINE, collect).await;
    probes.extend(skipped);
    outcomes.resize(
        probes.len(),
        (
            false,
            format!("Not run: at most {MAX_CHECKS} endpoints are checked."),
        ),
    );
    let mut checks: Vec<PreReviewCheck> = probes
        .into_iter()
        .zip(outcomes)
        .map(|((what, _), (passed, detail))| PreReviewCheck {
            what,
            passed,
            detail: crate::domain::text::sanitize(detail.as_bytes(), 500),
        })
        .collect();
    for (what, url) in [
        (
            "Development redirect URL is https",
            &snapshot.development_redirect_url,
        ),
        (
            "Production redirect URL is https",
            &snapshot.production_redirect_url,
        ),
    ] {
        if !url.is_empty() {
            let passed = url.starts_with("https://");
            checks.push(PreReviewCheck {
                what: what.to_owned(),
                passed,
                detail: url.clone(),
            });
        }
    }
    Ok(checks)
}

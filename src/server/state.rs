//! `AppState`: what every handler and server function can reach.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::config::Config;
use super::db::Db;

/// The time source. Expiries and backoff read it, so tests move time
/// forward instead of sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to (for tests).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starts at the current real time.
    pub fn new() -> Self {
        Self(AtomicI64::new(SystemClock.now_ms()))
    }

    /// Moves time forward.
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Shared state; a clone is one reference count (extractors and
/// middleware clone it on every request).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What `AppState` holds.
#[derive(Debug)]
pub struct Shared {
    /// The database pool.
    pub db: Db,
    /// Configuration from the command line and environment.
    pub config: Arc<Config>,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Where the built site lives, for Leptos.
    pub leptos_options: LeptosOptions,
    /// This process's side of the shared API rate limits.
    pub rate_limiter: Arc<super::rest::limits::RateLimiter>,
    /// Encrypts webhook secret tokens at rest.
    pub secrets: super::keys::SecretBox,
    /// The one client for outgoing requests.
    pub outbound: super::outbound::Outbound,
    /// Wakes this process's webhook worker when events were written.
    pub webhook_wakeup: Arc<tokio::sync::Notify>,
    /// Writes credentials grants in groups.
    pub grant_writer: Arc<super::oauth::grant_writer::GrantWriter>,
    /// What this process remembers of access tokens.
    pub caches: Arc<super::cache::Caches>,
    /// Bounds the password hashes running at once.
    pub password_hashing: super::auth::password::HashGate,
    /// Sends notifications by email; `None` without SMTP.
    pub mailer: Option<super::mail::Mailer>,
    /// Wakes this process's mail worker when mail was queued.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
    /// Team chat's live listeners (see `chat`).
    pub chat: super::chat::ChatHub,
}

impl AppState {
    /// State for the given configuration and database. The configuration
    /// must hold the server key (see `keys::ensure_key`).
    pub fn new(config: Config, db: Db, clock: Arc<dyn Clock>) -> Self {
        let secrets =
            super::keys::SecretBox::from_base64(config.secret_key.as_deref().unwrap_or_default())
                .expect("the server key is checked at start-up (keys::ensure_key)");
        let outbound = super::outbound::Outbound::new(config.allow_private_outbound);
        let leptos_options = LeptosOptions::builder()
            .output_name("portico")
            .site_root(config.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(config.listen)
            .build();
        let caches = super::cache::Caches::new(db.dialect, &config.database_url);
        let password_hashing = super::auth::password::HashGate::new(
            config.password_hash_permits(),
            config.password_hash_queue as usize,
        );
        // Checked at start-up (`main`): a bad SMTP URL stops the server
        // there; here it can only mean no email.
        let mailer = super::mail::Mailer::from_config(&config).ok().flatten();
        let chat = super::chat::ChatHub::new(
            (db.dialect == super::db::Dialect::Postgres).then(|| config.database_url.clone()),
            config.chat_streams_per_user,
        );
        Self(Arc::new(Shared {
            chat,
            mailer,
            mail_wakeup: Arc::default(),
            db,
            config: Arc::new(config),
            clock,
            leptos_options,
            rate_limiter: Arc::default(),
            secrets,
            outbound,
            webhook_wakeup: Arc::default(),
            grant_writer: Arc::default(),
            caches,
            password_hashing,
        }))
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

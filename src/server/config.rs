//! Command line and environment configuration (every option has an env var).

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

/// Portico: app marketplace and developer portal.
#[derive(Debug, Parser)]
#[command(name = "portico", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options shared by every command.
    #[command(flatten)]
    pub config: Config,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Create a reviewer account, or make an existing user a reviewer.
    CreateReviewer {
        /// The reviewer's email address.
        #[arg(long)]
        email: String,
        /// The reviewer's display name.
        #[arg(long, default_value = "Reviewer")]
        name: String,
        /// Password; read from PORTICO_REVIEWER_PASSWORD, or asked for on the terminal.
        #[arg(long, env = "PORTICO_REVIEWER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Add N approved Marketplace apps of a new seed publisher (the
    /// benchmark's catalogue; never for a real instance).
    #[command(hide = true)]
    SeedMarketplace {
        /// How many apps.
        #[arg(long)]
        apps: usize,
    },
    /// Write the benchmark's sample media (1200x780 PNG, JPEG and GIF, and
    /// a 1200x781 PNG) into a folder.
    #[command(hide = true)]
    MediaFixtures {
        /// Where to write them.
        dir: std::path::PathBuf,
    },
}

/// Server configuration.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database: `sqlite://path/to/file.db` (created on first start) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/portico.db")]
    pub database_url: String,

    /// Largest number of pooled database connections.
    #[arg(long, env = "PORTICO_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// Address and port to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Folder holding the built site (`pkg/` with the WASM and JS, and the public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// The URL people use to reach Portico (e.g. https://portico.example.com).
    /// Used in links shown to users; when it starts with https, cookies are Secure.
    #[arg(
        long,
        env = "PORTICO_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,

    /// Mark the session cookie Secure (default: when the public URL is https).
    #[arg(long, env = "PORTICO_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,

    /// How long a session lasts, in hours.
    #[arg(long, env = "PORTICO_SESSION_HOURS", default_value_t = 24 * 14)]
    pub session_hours: i64,

    /// A session not used for this many minutes ends (within its lifetime).
    #[arg(
        long,
        env = "PORTICO_SESSION_IDLE_MINUTES",
        default_value_t = 12 * 60,
        value_parser = clap::value_parser!(i64).range(2..)
    )]
    pub session_idle_minutes: i64,

    /// Password hashes (sign-in, sign-up, password changes) computed at
    /// once; each holds 19 MiB while it runs. Default: one per CPU core.
    #[arg(
        long,
        env = "PORTICO_PASSWORD_HASH_CONCURRENCY",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub password_hash_concurrency: Option<u32>,

    /// Requests that may wait for a password hash; more at once are
    /// refused with 503 and Retry-After.
    #[arg(long, env = "PORTICO_PASSWORD_HASH_QUEUE", default_value_t = 64)]
    pub password_hash_queue: u32,

    /// How long an invite link stays valid, in hours.
    #[arg(long, env = "PORTICO_INVITE_HOURS", default_value_t = 24 * 7)]
    pub invite_hours: i64,

    /// Platform API calls allowed per minute for one app in one account
    /// (shared by every process on the database).
    #[arg(long, env = "PORTICO_API_RATE_LIMIT", default_value_t = 3000)]
    pub api_rate_limit: i64,

    /// Let outgoing requests (webhooks) reach private, loopback and
    /// link-local addresses. Off by default: an endpoint URL must not be a
    /// way into the operator's network. Turn on for local development.
    #[arg(long, env = "PORTICO_ALLOW_PRIVATE_OUTBOUND", default_value_t = false)]
    pub allow_private_outbound: bool,

    /// The server key (32 bytes, base64) that encrypts webhook secret
    /// tokens at rest. Every process sharing a database needs the same
    /// one. Unset with SQLite: made once and kept in `portico.key` beside
    /// the database file. Required with PostgreSQL.
    #[arg(long, env = "PORTICO_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Webhook retries after a failed attempt, in seconds after it
    /// (comma-separated); after the last the event is marked failed.
    #[arg(
        long,
        env = "PORTICO_WEBHOOK_RETRY_SCHEDULE",
        value_delimiter = ',',
        default_value = "0,300,1200,3600"
    )]
    pub webhook_retry_schedule: Vec<i64>,

    /// How long an endpoint has to answer a delivery (ms).
    #[arg(long, env = "PORTICO_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,

    /// How long a worker holds a claimed delivery (ms): after that another
    /// process may take it over (when the first crashed). Must exceed the
    /// delivery timeout.
    #[arg(long, env = "PORTICO_WEBHOOK_LEASE_MS", default_value_t = 60_000)]
    pub webhook_lease_ms: i64,

    /// Deliveries in flight at once, per process. Real endpoints take tens
    /// to hundreds of ms to answer; waiting costs a task, not a thread.
    #[arg(long, env = "PORTICO_WEBHOOK_CONCURRENCY", default_value_t = 64)]
    pub webhook_concurrency: usize,

    /// Live chat streams (open conversations: tabs, devices) one user may
    /// hold at once, per process; more are answered 429.
    #[arg(long, env = "PORTICO_CHAT_STREAMS_PER_USER", default_value_t = 8)]
    pub chat_streams_per_user: usize,

    /// How often an idle worker looks for due events (ms); changes made in
    /// the same process wake it at once.
    #[arg(long, env = "PORTICO_WEBHOOK_POLL_MS", default_value_t = 250)]
    pub webhook_poll_ms: u64,

    /// Send notifications by email through this SMTP server:
    /// `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465` (TLS). Unset: no email;
    /// notifications are listed in Portico only.
    #[arg(long, env = "PORTICO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of Portico's emails.
    #[arg(
        long,
        env = "PORTICO_MAIL_FROM",
        default_value = "Portico <portico@localhost>"
    )]
    pub mail_from: String,

    /// With PORTICO_REVIEWER_PASSWORD: make sure this reviewer exists at start-up.
    #[arg(long, env = "PORTICO_REVIEWER_EMAIL")]
    pub reviewer_email: Option<String>,
}

impl Config {
    /// Whether people reach Portico over https.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Whether to set the Secure attribute on cookies.
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| self.is_https())
    }

    /// The session cookie's name: with the `__Host-` prefix whenever the
    /// cookie is Secure, so that browsers take it only from this exact
    /// host over https (no Domain, Path=/) and nothing sent over plain
    /// http, or from a sibling subdomain, can plant one.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.cookies_secure() {
            "__Host-portico_session"
        } else {
            "portico_session"
        }
    }

    /// Password hashes computed at once (see `password_hash_concurrency`).
    pub fn password_hash_permits(&self) -> usize {
        match self.password_hash_concurrency {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// The public URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    /// A configuration for tests: the given database, a fixed test server
    /// key, sessions that do not idle out before their lifetime ends (tests
    /// move the clock days ahead and go on as the same person; the idle
    /// timeout's own test sets it), defaults elsewhere.
    pub fn for_database(database_url: &str) -> Self {
        let mut config = Cli::parse_from([
            "portico",
            "--database-url",
            database_url,
            "--secret-key",
            "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE=",
        ])
        .config;
        config.session_idle_minutes = config.session_hours * 60;
        config
    }
}

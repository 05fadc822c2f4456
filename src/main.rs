//! The `portico` binary: serves the site, or runs an admin command.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::Parser;
    use portico::server::config::{Cli, Command};

    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();

    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => portico::server::db::connect(&cli.config.database_url, 1)
            .await
            .map(|_| tracing::info!("migrations applied"))
            .map_err(|e| e.to_string()),
        Command::CreateReviewer {
            email,
            name,
            password,
        } => create_reviewer(cli.config, &email, &name, password).await,
        Command::MediaFixtures { dir } => write_media_fixtures(&dir),
        Command::SeedMarketplace { apps } => seed_marketplace(&cli.config.database_url, apps).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("portico: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The benchmark's catalogue: `apps` approved Marketplace apps.
#[cfg(feature = "ssr")]
async fn seed_marketplace(database_url: &str, apps: usize) -> Result<(), String> {
    let db = portico::server::db::connect(database_url, 2)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let tag = format!("{}", now % 1_000_000);
    portico::server::repo::seed::seed_marketplace(&db, apps, &tag, now)
        .await
        .map_err(|e| format!("seeding failed: {e}"))?;
    tracing::info!(apps, "marketplace seeded");
    Ok(())
}

#[cfg(feature = "ssr")]
async fn state_for(
    mut config: portico::server::config::Config,
) -> Result<portico::server::state::AppState, String> {
    use portico::server::{db, keys, state};
    // The database first: for SQLite it creates the folder the key file
    // goes in.
    let db = db::connect(&config.database_url, config.db_max_connections)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    keys::ensure_key(&mut config)?;
    keys::SecretBox::from_base64(config.secret_key.as_deref().unwrap_or_default())?;
    portico::server::mail::Mailer::from_config(&config)?;
    Ok(state::AppState::new(
        config,
        db,
        std::sync::Arc::new(state::SystemClock),
    ))
}

#[cfg(feature = "ssr")]
async fn serve(config: portico::server::config::Config) -> Result<(), String> {
    let reviewer = (
        config.reviewer_email.clone(),
        std::env::var("PORTICO_REVIEWER_PASSWORD").ok(),
    );
    let addr = config.listen;
    let state = state_for(config).await?;
    if let (Some(email), Some(password)) = reviewer {
        portico::server::auth::accounts::ensure_reviewer(&state, &email, "Reviewer", &password)
            .await
            .map_err(|e| format!("cannot create the reviewer {email}: {e}"))?;
        tracing::info!(%email, "reviewer account ready");
    }
    portico::server::jobs::spawn(state.clone());
    portico::server::webhooks::worker::spawn(state.clone());
    portico::server::mail::spawn_worker(state.clone());
    let app = portico::router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("Portico listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

#[cfg(feature = "ssr")]
async fn create_reviewer(
    config: portico::server::config::Config,
    email: &str,
    name: &str,
    password: Option<String>,
) -> Result<(), String> {
    let password = match password {
        Some(p) => p,
        None => {
            rpassword::prompt_password("Password for the reviewer: ").map_err(|e| e.to_string())?
        }
    };
    let state = state_for(config).await?;
    let created = portico::server::auth::accounts::ensure_reviewer(&state, email, name, &password)
        .await
        .map_err(|e| e.to_string())?;
    if created {
        println!("Created reviewer {email}.");
    } else {
        println!("{email} already had an account; it is now a reviewer.");
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn write_media_fixtures(dir: &std::path::Path) -> Result<(), String> {
    use portico::domain::media::fixtures;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for (name, bytes) in [
        ("valid.png", fixtures::png(1200, 780)),
        ("valid.jpg", fixtures::jpeg(1200, 780)),
        ("valid.gif", fixtures::gif(1200, 780)),
        ("tall.png", fixtures::png(1200, 781)),
    ] {
        std::fs::write(dir.join(name), bytes).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build has no binary; see `lib.rs` for `hydrate()`.
}

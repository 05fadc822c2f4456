//! Published Marketplace apps in bulk, for the benchmark (`portico
//! seed-marketplace --apps N`) and for tests of paging: one publisher
//! account with `count` approved apps, written the way an approval writes
//! them (an approved submission with its snapshot, then
//! `repo::marketplace::publish`), so browse and search read what they
//! read in production. Names and descriptions mix a few common words
//! (each in several percent of the apps, like "meeting") with words of a
//! thousand-word made-up vocabulary (each in well under one percent, like
//! most words of a real catalogue): `pseudo_word`.

use crate::domain::app::AppKind;
use crate::domain::listing::CATEGORIES;
use crate::domain::review::Snapshot;
use crate::server::db::{Db, Dialect};
use crate::server::ids::new_id;
use crate::server::repo;

const WORDS: [&str; 24] = [
    "notes",
    "meeting",
    "calendar",
    "translate",
    "poll",
    "whiteboard",
    "crm",
    "sales",
    "support",
    "recording",
    "transcript",
    "agenda",
    "survey",
    "timer",
    "tasks",
    "tickets",
    "sync",
    "report",
    "insight",
    "coach",
    "quiz",
    "helpdesk",
    "schedule",
    "focus",
];

const SYLLABLES: [&str; 10] = ["ka", "lo", "mi", "ra", "tu", "ve", "zo", "ni", "pe", "sa"];

/// Word `n` (mod 1000) of the made-up vocabulary: `pseudo_word(210)` is
/// "kalomi".
pub fn pseudo_word(n: usize) -> String {
    [n % 10, (n / 10) % 10, (n / 100) % 10]
        .iter()
        .map(|&s| SYLLABLES[s])
        .collect()
}

/// Adds `count` approved Marketplace apps of one new publisher; returns
/// the publisher's account id. `tag` keeps names unique across calls.
pub async fn seed_marketplace(
    db: &Db,
    count: usize,
    tag: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let publisher = seed_publisher(db, tag, now).await?;
    let kinds = [
        AppKind::UserManaged,
        AppKind::AccountLevel,
        AppKind::ChatBot,
    ];
    // Oldest first, as they would have been approved: app 0 is the newest
    // (published last, the highest `seq`).
    for chunk in (0..count).rev().collect::<Vec<_>>().chunks(1000) {
        let mut tx = db.pool.begin().await?;
        for &i in chunk {
            let word = |n: usize| WORDS[(i / n.max(1) + n) % WORDS.len()];
            let rare = |k: usize, c: usize| pseudo_word(i * k + c);
            let name = format!("{} {} {tag}-{i}", capitalise(word(1)), rare(7, 1));
            let kind = kinds[i % kinds.len()];
            let categories = vec![
                CATEGORIES[i % CATEGORIES.len()].0.to_owned(),
                CATEGORIES[(i / 3 + 5) % CATEGORIES.len()].0.to_owned(),
            ];
            let snapshot = Snapshot {
                name,
                kind: Some(kind),
                short_description: format!(
                    "{} for your {} and {}.",
                    capitalise(&rare(13, 5)),
                    word(3),
                    rare(31, 9)
                ),
                long_description: format!(
                    "A seeded app. It helps with {}, {} and {}.",
                    rare(17, 3),
                    word(5),
                    rare(37, 11)
                ),
                categories,
                ..seed_snapshot()
            };
            let at = now - i64::try_from(i).unwrap_or(0) * 1000;
            // A spread of install counts for "most installed".
            let installs = i64::try_from((i * 7919) % 1000).unwrap_or(0);
            seed_listing(&mut tx, db.dialect, &publisher, &snapshot, at, installs).await?;
        }
        tx.commit().await?;
    }
    Ok(publisher.account_id)
}

/// The account and user that seeded apps belong to.
pub struct Publisher {
    pub account_id: String,
    pub user_id: String,
}

/// A new publisher account with one user (who cannot sign in).
pub async fn seed_publisher(db: &Db, tag: &str, now: i64) -> Result<Publisher, sqlx::Error> {
    let account_id = new_id("acc");
    let user_id = new_id("usr");
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&account_id)
        .bind(format!("Seed Publisher {tag}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, current_account_id, created_at) \
         VALUES ($1, $2, 'Seed', '!', $3, $4)",
    )
    .bind(&user_id)
    .bind(format!("seed-{tag}@example.invalid"))
    .bind(&account_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Publisher {
        account_id,
        user_id,
    })
}

/// What every seeded listing has besides its texts: contact, links, one
/// preview image, a production redirect URL and the user:read scope.
pub fn seed_snapshot() -> Snapshot {
    Snapshot {
        kind: Some(AppKind::UserManaged),
        marketplace: true,
        contact_name: "Seed".into(),
        contact_email: "seed@example.invalid".into(),
        privacy_url: "https://example.invalid/privacy".into(),
        support_url: "https://example.invalid/support".into(),
        categories: vec![CATEGORIES[0].0.to_owned()],
        images: 1,
        production_redirect_url: "https://example.invalid/cb".into(),
        scopes: vec!["user:read".into()],
        install_option: "marketplace".into(),
        ..Snapshot::default()
    }
}

/// One approved app of `publisher` with `snapshot` as its live version,
/// approved at `at`, written the way an approval writes it; returns its id.
pub async fn seed_listing(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    dialect: Dialect,
    publisher: &Publisher,
    snapshot: &Snapshot,
    at: i64,
    installs: i64,
) -> Result<String, sqlx::Error> {
    let app_id = new_id("app");
    let kind = snapshot.kind.unwrap_or(AppKind::UserManaged);
    sqlx::query(
        "INSERT INTO apps (id, account_id, created_by, marketplace, kind, name, name_key, status, \
                created_at, updated_at, live_version, live_scopes, live_redirect_url) \
         VALUES ($1, $2, $3, 1, $4, $5, $6, 'published', $7, $7, 1, 'user:read', \
                'https://example.invalid/cb')",
    )
    .bind(&app_id)
    .bind(&publisher.account_id)
    .bind(&publisher.user_id)
    .bind(kind.as_str())
    .bind(&snapshot.name)
    .bind(snapshot.name.to_lowercase())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let submission_id = new_id("sub");
    sqlx::query(
        "INSERT INTO submissions (id, app_id, version, snapshot, status, previous_status, \
                submitted_by, submitted_at, decided_by, decided_at) \
         VALUES ($1, $2, 1, $3, 'approved', 'draft', $4, $5, $4, $5)",
    )
    .bind(&submission_id)
    .bind(&app_id)
    .bind(serde_json::to_string(snapshot).unwrap_or_default())
    .bind(&publisher.user_id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    repo::marketplace::publish(
        tx,
        repo::marketplace::Publish {
            app_id: &app_id,
            submission_id: &submission_id,
            version: 1,
            snapshot,
            now: at,
            dialect,
        },
    )
    .await?;
    sqlx::query("UPDATE marketplace_listings SET installs = $1 WHERE app_id = $2")
        .bind(installs)
        .bind(&app_id)
        .execute(&mut **tx)
        .await?;
    Ok(app_id)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_vocabulary_has_a_thousand_words() {
        assert_eq!(super::pseudo_word(210), "kalomi");
        let words: std::collections::BTreeSet<String> = (0..1000).map(super::pseudo_word).collect();
        assert_eq!(words.len(), 1000);
    }
}

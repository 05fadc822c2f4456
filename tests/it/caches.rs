//! What makes the caches forget (`server/cache.rs`, `server/change.rs`):
//! a transaction that changed a cached column, as the database's triggers
//! mark it, and nothing else.

use axum::http::StatusCode;
use portico::server::db::{cached_rows_changed, Dialect};

use crate::oauth::{api, authorize, exchange, oauth_app, refresh, Dev};
use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    only_changes_to_cached_columns_mark_a_transaction,
    a_listing_save_or_a_refresh_keeps_cached_tokens_and_a_rename_forgets,
);

/// Whether `sql` (with the app's id as `$1`) marks its transaction, which
/// is then rolled back.
async fn marks(app: &TestApp, dev: &Dev, sql: &str) -> bool {
    let mut tx = app.state.db.pool.begin().await.unwrap();
    let done = sqlx::query(sql)
        .bind(&dev.app_id)
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
    assert!(done.rows_affected() > 0, "{sql} changed no row");
    let marked = cached_rows_changed(&mut tx, app.state.db.dialect)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    marked
}

/// The triggers generated from `db::CACHED_COLUMNS` mark what the cached
/// rows read, and leave alone what they do not, on both databases (on
/// PostgreSQL the same trigger sends the notice other processes forget by).
async fn only_changes_to_cached_columns_mark_a_transaction(app: &TestApp) {
    let dev = oauth_app(
        app,
        "marks@example.com",
        "marketplace.user_managed",
        &["user:read"],
    )
    .await;
    let user = "(SELECT created_by FROM apps WHERE id = $1)";
    for (sql, marked) in [
        // Not cached: the listing, the last change, the publish link.
        (
            "UPDATE apps SET short_description = 'New' WHERE id = $1",
            false,
        ),
        (
            "UPDATE apps SET updated_at = updated_at + 1 WHERE id = $1",
            false,
        ),
        (
            "UPDATE app_oauth SET publish_token = 'tok' WHERE app_id = $1",
            false,
        ),
        (
            &format!("UPDATE users SET password_hash = 'x' WHERE id = {user}"),
            false,
        ),
        // A cached column set to what it was is no change.
        ("UPDATE apps SET name = name WHERE id = $1", false),
        // Cached: what the OAuth client, the token and the member carry.
        ("UPDATE apps SET name = 'Renamed' WHERE id = $1", true),
        ("UPDATE apps SET status = 'rejected' WHERE id = $1", true),
        ("UPDATE app_oauth SET scopes = '' WHERE app_id = $1", true),
        (
            "UPDATE app_oauth SET strict_mode = 0 WHERE app_id = $1",
            true,
        ),
        (
            "UPDATE app_credentials SET secret_hash = 'other' WHERE app_id = $1",
            true,
        ),
        ("DELETE FROM app_credentials WHERE app_id = $1", true),
        (
            &format!("UPDATE users SET display_name = 'Someone Else' WHERE id = {user}"),
            true,
        ),
        (
            &format!("UPDATE memberships SET role = 'admin' WHERE user_id = {user}"),
            true,
        ),
        // Deleting the app deletes its credentials too (a cascade).
        ("DELETE FROM apps WHERE id = $1", true),
    ] {
        assert_eq!(marks(app, &dev, sql).await, marked, "{sql}");
    }
}

/// In one process: saving a description and refreshing a token leave the
/// cached access token where it is; renaming the app (its OAuth client is
/// cached too) forgets at once.
async fn a_listing_save_or_a_refresh_keeps_cached_tokens_and_a_rename_forgets(app: &TestApp) {
    let dev = oauth_app(
        app,
        "quiet@example.com",
        "marketplace.user_managed",
        &["user:read"],
    )
    .await;
    if app.state.db.dialect == Dialect::Postgres {
        assert!(
            crate::support::poll_until(std::time::Duration::from_secs(5), async || app
                .state
                .caches
                .usable())
            .await,
            "the caches never became usable"
        );
    }
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = exchange(app, &dev, &code, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let access = res.json()["access_token"].as_str().unwrap().to_owned();
    let refresh_token = res.json()["refresh_token"].as_str().unwrap().to_owned();
    let me = api(app, "GET", "/v2/users/me", &access, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(
        app.state.caches.tokens.len(),
        1,
        "the call cached the token"
    );

    let listing = |name: &'static str| {
        [
            ("id", dev.app_id.clone()),
            ("name", name.to_owned()),
            ("short_description", "Now with a description".to_owned()),
            ("long_description", String::new()),
            ("contact_name", String::new()),
            ("contact_email", String::new()),
            ("privacy_url", String::new()),
            ("support_url", String::new()),
            ("configure_url", String::new()),
        ]
    };
    let form = listing("App of quiet@example.com");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call("update_information", &form, Some(&dev.cookie))
        .await
        .assert_done();
    assert_eq!(
        app.state.caches.tokens.len(),
        1,
        "a description forgot the token"
    );

    let rotated = refresh(app, &dev, &refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert_eq!(
        app.state.caches.tokens.len(),
        1,
        "a refresh forgot the token"
    );

    let form = listing("Quiet, Renamed");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call("update_information", &form, Some(&dev.cookie))
        .await
        .assert_done();
    assert!(
        app.state.caches.tokens.is_empty(),
        "a rename forgot nothing"
    );
    assert!(app.state.caches.clients.is_empty());
}

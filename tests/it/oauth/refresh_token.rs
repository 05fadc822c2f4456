//! The refresh token grant: rotation under concurrency.

use axum::http::StatusCode;

use super::{api, authorize, exchange, oauth_app, refresh, USER_SCOPES};
use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(parallel_refresh_lets_exactly_one_win_and_revokes_the_grant);

async fn parallel_refresh_lets_exactly_one_win_and_revokes_the_grant(app: &TestApp) {
    let dev = oauth_app(
        app,
        "race2@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let results =
        futures::future::join_all((0..4).map(|_| refresh(app, &dev, &refresh_token))).await;
    let winners: Vec<_> = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        results.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let access = winners[0].json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED,
        "grant revoked"
    );
}

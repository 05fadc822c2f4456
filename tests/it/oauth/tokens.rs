//! Using and ending tokens: expiry and revocation at the API,
//! introspection and metadata, uninstall, and tokens of the earlier format.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use super::{
    api, authorize, basic, exchange, oauth_app, post_oauth, refresh, revoke, Dev, USER_SCOPES,
};
use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    expired_and_revoked_tokens_get_401_with_a_reason,
    tokens_of_the_earlier_format_keep_working,
    uninstall_ends_every_token_at_once,
    metadata_and_introspection,
);

async fn expired_and_revoked_tokens_get_401_with_a_reason(app: &TestApp) {
    let dev = oauth_app(
        app,
        "expiry@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let access = tokens["access_token"].as_str().unwrap();
    app.clock.advance_ms(3_600_000 + 1);
    let res = api(app, "GET", "/v2/users/me", access, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["code"], 124);
    assert!(res.json()["message"].as_str().unwrap().contains("expired"));
    // The refresh token still works after the access token expired.
    let fresh = refresh(app, &dev, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(fresh.status, StatusCode::OK);
    let res = api(app, "GET", "/v2/users/me", "not-a-token", None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app
        .send(Request::get("/v2/users/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.json()["message"].as_str().unwrap().contains("Bearer"));
    // A refresh token is not an access token.
    let res = api(
        app,
        "GET",
        "/v2/users/me",
        fresh.json()["refresh_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

async fn uninstall_ends_every_token_at_once(app: &TestApp) {
    let dev = oauth_app(
        app,
        "uninst@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let member = app
        .join_as(&dev.cookie, "user2@example.com", "member")
        .await;
    let mut accesses = Vec::new();
    for _ in 0..2 {
        let code = authorize(app, &member, &dev.client_id, None).await;
        accesses.push(exchange(app, &dev, &code, None).await.json());
    }
    let listed = app.call("installed_apps", &[], Some(&member)).await;
    assert_eq!(listed.status, StatusCode::OK);
    let installs = listed.json();
    assert_eq!(
        installs.as_array().unwrap().len(),
        1,
        "one install per user: {installs}"
    );
    assert_eq!(installs[0]["app_name"], "App of uninst@example.com");
    assert_eq!(installs[0]["scopes"][0], "user:read");
    // The developer does not see the member's own install, and cannot remove it.
    assert_eq!(
        app.call("installed_apps", &[], Some(&dev.cookie))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let id = installs[0]["id"].as_str().unwrap();
    assert_eq!(
        app.call("uninstall", &[("id", id)], Some(&dev.cookie))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let res = app.call("uninstall", &[("id", id)], Some(&member)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for tokens in &accesses {
        let res = api(
            app,
            "GET",
            "/v2/users/me",
            tokens["access_token"].as_str().unwrap(),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refresh(app, &dev, tokens["refresh_token"].as_str().unwrap())
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        app.call("installed_apps", &[], Some(&member))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn metadata_and_introspection(app: &TestApp) {
    let meta = app
        .get("/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(meta.status, StatusCode::OK);
    let meta = meta.json();
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(meta["token_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/oauth/token"));

    let dev = oauth_app(
        app,
        "intro@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let access = tokens["access_token"].as_str().unwrap();
    let auth = basic(&dev.client_id, &dev.secret);
    let res = post_oauth(app, "/oauth/introspect", &[("token", access)], Some(&auth)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["active"], true);
    assert_eq!(res.json()["scope"], "user:read meeting:read meeting:write");
    assert_eq!(res.json()["client_id"], dev.client_id.as_str());
    // Another client learns nothing.
    let other = oauth_app(
        app,
        "intro2@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let res = post_oauth(
        app,
        "/oauth/introspect",
        &[("token", access)],
        Some(&basic(&other.client_id, &other.secret)),
    )
    .await;
    assert_eq!(res.json(), serde_json::json!({ "active": false }));
    post_oauth(app, "/oauth/revoke", &[("token", access)], Some(&auth)).await;
    let res = post_oauth(app, "/oauth/introspect", &[("token", access)], Some(&auth)).await;
    assert_eq!(res.json()["active"], false);
    let res = post_oauth(
        app,
        "/oauth/data/compliance",
        &[("client_id", &dev.client_id)],
        Some(&auth),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
}

/// A user-managed app installed through consent, its new-format access
/// token, and one token of each of `kinds` in the earlier format (43
/// characters, stored under their plain SHA-256) added to the same grant,
/// as they were stored before tokens carried their issue time.
async fn with_old_format_tokens(
    app: &TestApp,
    email: &str,
    kinds: &[&str],
) -> (Dev, String, Vec<String>) {
    use portico::server::ids::{hash_secret, new_secret, token_key};
    let dev = oauth_app(app, email, "marketplace.user_managed", USER_SCOPES).await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = exchange(app, &dev, &code, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let current = res.json()["access_token"].as_str().unwrap().to_owned();
    let pool = &app.state.db.pool;
    let grant_id: String =
        sqlx::query_scalar("SELECT grant_id FROM oauth_tokens WHERE token_hash = $1")
            .bind(token_key(&current))
            .fetch_one(pool)
            .await
            .unwrap();
    let now = app.state.now_ms();
    let mut old = Vec::new();
    for kind in kinds {
        let token = new_secret();
        sqlx::query(
            "INSERT INTO oauth_tokens (token_hash, grant_id, kind, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash_secret(&token))
        .bind(&grant_id)
        .bind(*kind)
        .bind(now)
        .bind(now + 3_600_000)
        .execute(pool)
        .await
        .unwrap();
        old.push(token);
    }
    (dev, current, old)
}

/// Tokens issued before tokens carried their issue time are still found:
/// by the API, by introspection, for refresh and for revocation.
async fn tokens_of_the_earlier_format_keep_working(app: &TestApp) {
    let (dev, _, old) =
        with_old_format_tokens(app, "old@example.com", &["access", "refresh"]).await;
    let (old_access, old_refresh) = (&old[0], &old[1]);
    let me = api(app, "GET", "/v2/users/me", old_access, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["email"], "old@example.com");
    let auth = basic(&dev.client_id, &dev.secret);
    let seen = post_oauth(
        app,
        "/oauth/introspect",
        &[("token", old_access)],
        Some(&auth),
    )
    .await;
    assert_eq!(seen.json()["active"], true, "{}", seen.body);

    // Refreshing an old refresh token gives tokens of the new format.
    let rotated = refresh(app, &dev, old_refresh).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert_eq!(rotated.json()["access_token"].as_str().unwrap().len(), 56);
    assert_eq!(
        refresh(app, &dev, old_refresh).await.json()["error"],
        "invalid_grant"
    );

    // Revoking an old token ends its grant, as for any token.
    let (fresh, current, old) = with_old_format_tokens(app, "old2@example.com", &["access"]).await;
    revoke(app, &fresh, &old[0]).await;
    for token in [&old[0], &current] {
        let res = api(app, "GET", "/v2/users/me", token, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    }
}

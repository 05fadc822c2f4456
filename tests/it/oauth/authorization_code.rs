//! The authorization code grant: the flow with PKCE, codes used once,
//! PKCE mistakes, client authentication at the token endpoint and where
//! its parameters may come from.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use portico::server::oauth::pkce_challenge;

use super::{
    api, as_pairs, authorize, authorize_query, basic, exchange, oauth_app, post_oauth, refresh,
    revoke, REDIRECT, USER_SCOPES, VERIFIER,
};
use crate::on_both_databases;
use crate::support::{form_body, TestApp};

on_both_databases!(
    authorization_code_flow_with_pkce_refresh_and_revoke,
    codes_work_once_and_a_second_use_revokes_the_grant,
    parallel_redemption_of_one_code_lets_exactly_one_win,
    pkce_mistakes_fail,
    client_authentication_failures_are_invalid_client,
    parameters_may_come_in_the_query_string,
);

async fn authorization_code_flow_with_pkce_refresh_and_revoke(app: &TestApp) {
    let dev = oauth_app(
        app,
        "flow@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(
        app,
        &dev.cookie,
        &dev.client_id,
        Some(&pkce_challenge(VERIFIER)),
    )
    .await;
    let res = exchange(app, &dev, &code, Some(VERIFIER)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), "no-store");
    let tokens = res.json();
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "user:read meeting:read meeting:write");
    assert_eq!(tokens["api_url"], app.state.config.base_url());
    let access = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    // The issue time (12 hex digits), a dot, 256 random bits.
    assert_eq!(access.len(), 56);
    assert_eq!(access.as_bytes()[12], b'.');
    let stored: String = sqlx::query_scalar(
        "SELECT t.token_hash FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id \
         WHERE g.client_id = $1 AND t.kind = 'access'",
    )
    .bind(&dev.client_id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(stored, portico::server::ids::token_key(access));
    assert!(
        !stored.contains(&access[13..]),
        "the secret part is never stored"
    );

    let me = api(app, "GET", "/v2/users/me", access, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["email"], "flow@example.com");
    assert!(!me.header("x-ratelimit-limit").is_empty());
    assert!(!me.header("x-ratelimit-remaining").is_empty());

    let rotated = refresh(app, &dev, refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let rotated = rotated.json();
    let new_access = rotated["access_token"].as_str().unwrap();
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, refresh_token);
    assert_eq!(
        api(app, "GET", "/v2/users/me", new_access, None)
            .await
            .status,
        StatusCode::OK
    );

    // Reusing the rotated refresh token revokes the whole grant.
    let reuse = refresh(app, &dev, refresh_token).await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST);
    assert_eq!(reuse.json()["error"], "invalid_grant");
    let after = api(app, "GET", "/v2/users/me", new_access, None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(after.json()["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    assert_eq!(
        refresh(app, &dev, new_refresh).await.status,
        StatusCode::BAD_REQUEST
    );

    // A fresh grant, revoked through /oauth/revoke with its refresh token.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let tokens = exchange(app, &dev, &code, None).await.json();
    let access = tokens["access_token"].as_str().unwrap();
    let res = revoke(app, &dev, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["status"], "success");
    assert_eq!(
        api(app, "GET", "/v2/users/me", access, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn codes_work_once_and_a_second_use_revokes_the_grant(app: &TestApp) {
    let dev = oauth_app(
        app,
        "once@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let first = exchange(app, &dev, &code, None).await;
    assert_eq!(first.status, StatusCode::OK);
    let access = first.json()["access_token"].as_str().unwrap().to_owned();
    let second = exchange(app, &dev, &code, None).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert_eq!(second.json()["error"], "invalid_grant");
    assert!(second.json()["reason"]
        .as_str()
        .unwrap()
        .contains("already used"));
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Codes live five minutes.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    app.clock.advance_ms(5 * 60_000 + 1);
    let late = exchange(app, &dev, &code, None).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.json()["reason"].as_str().unwrap().contains("expired"));
}

async fn parallel_redemption_of_one_code_lets_exactly_one_win(app: &TestApp) {
    let dev = oauth_app(
        app,
        "race@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let results = futures::future::join_all((0..4).map(|_| exchange(app, &dev, &code, None))).await;
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
    assert!(results
        .iter()
        .filter(|r| r.status != StatusCode::OK)
        .all(|r| r.json()["error"] == "invalid_grant"));
    assert_eq!(
        api(app, "GET", "/v2/users/me", &access, None).await.status,
        StatusCode::UNAUTHORIZED,
        "grant revoked"
    );
}

async fn pkce_mistakes_fail(app: &TestApp) {
    let dev = oauth_app(
        app,
        "pkce@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    // A verifier without a challenge.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = exchange(app, &dev, &code, Some(VERIFIER)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["reason"]
        .as_str()
        .unwrap()
        .contains("no code_challenge"));
    // A wrong verifier.
    let code = authorize(
        app,
        &dev.cookie,
        &dev.client_id,
        Some(&pkce_challenge(VERIFIER)),
    )
    .await;
    let wrong = "x".repeat(43);
    let res = exchange(app, &dev, &code, Some(&wrong)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["reason"]
        .as_str()
        .unwrap()
        .contains("does not match"));
    // A challenge without a verifier.
    let res = exchange(app, &dev, &code, None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["reason"].as_str().unwrap().contains("missing"));
    // The right one still works: failed attempts do not spend the code.
    assert_eq!(
        exchange(app, &dev, &code, Some(VERIFIER)).await.status,
        StatusCode::OK
    );
    // PKCE does not replace the client secret: every client has one
    // (oauth_rfc::every_token_call_needs_the_client_secret).
    // A method other than S256 is refused back to the client.
    let mut query = authorize_query(&dev.client_id, REDIRECT, Some(&pkce_challenge(VERIFIER)));
    query.retain(|(k, _)| k != "code_challenge_method");
    query.push(("code_challenge_method".into(), "plain".into()));
    let page = app
        .get(
            &format!("/oauth/authorize?{}", form_body(&as_pairs(&query))),
            Some(&dev.cookie),
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert!(page
        .header("location")
        .starts_with(&format!("{REDIRECT}?error=invalid_request")));
}

async fn client_authentication_failures_are_invalid_client(app: &TestApp) {
    let dev = oauth_app(
        app,
        "auth@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    for auth in [
        basic(&dev.client_id, "wrong-secret"),
        basic("unknown-client", &dev.secret),
        "Basic !!!".to_owned(),
    ] {
        let res = post_oauth(
            app,
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
            Some(&auth),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{auth}");
        assert_eq!(res.json()["error"], "invalid_client");
        assert!(!res.json()["reason"].as_str().unwrap().is_empty());
    }
    // The code survived the failed attempts.
    assert_eq!(
        exchange(app, &dev, &code, None).await.status,
        StatusCode::OK
    );
    let res = post_oauth(
        app,
        "/oauth/token",
        &[("grant_type", "password")],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(res.json()["error"], "unsupported_grant_type");
}

async fn parameters_may_come_in_the_query_string(app: &TestApp) {
    let dev = oauth_app(
        app,
        "query@example.com",
        "marketplace.user_managed",
        USER_SCOPES,
    )
    .await;
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let query = form_body(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
    ]);
    let req = Request::post(format!("/oauth/token?{query}"))
        .header(header::AUTHORIZATION, basic(&dev.client_id, &dev.secret))
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // client_secret_post works too.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &dev.client_id),
            ("client_secret", &dev.secret),
        ],
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // A mismatched redirect_uri at the token endpoint is refused.
    let code = authorize(app, &dev.cookie, &dev.client_id, None).await;
    let res = post_oauth(
        app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://app.example/other"),
        ],
        Some(&basic(&dev.client_id, &dev.secret)),
    )
    .await;
    assert_eq!(res.json()["error"], "invalid_grant");
}
